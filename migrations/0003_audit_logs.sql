CREATE TABLE "audit_logs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"user_id" uuid,
	"organization_id" uuid,
	"ip" text NOT NULL,
	"user_agent" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" uuid,
	"resource_target" text NOT NULL,
	"action" text NOT NULL,
	"status_code" integer NOT NULL,
	"request_id" uuid NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"additional_fields" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_logs_time_idx" ON "audit_logs" USING btree ("time");--> statement-breakpoint
CREATE INDEX "audit_logs_resource_idx" ON "audit_logs" USING btree ("resource_type","resource_id");--> statement-breakpoint
CREATE INDEX "audit_logs_user_id_idx" ON "audit_logs" USING btree ("user_id");