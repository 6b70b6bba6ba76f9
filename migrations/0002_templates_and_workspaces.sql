CREATE TABLE "files" (
	"id" uuid PRIMARY KEY NOT NULL,
	"hash" text NOT NULL,
	"created_by" uuid NOT NULL,
	"mimetype" text NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisioner_job_logs" (
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"level" text NOT NULL,
	"stage" text NOT NULL,
	"output" text NOT NULL,
	CONSTRAINT "provisioner_job_logs_job_id_seq_pk" PRIMARY KEY("job_id","seq")
);
--> statement-breakpoint
CREATE TABLE "provisioner_jobs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"error" text DEFAULT '' NOT NULL,
	"error_code" text DEFAULT '' NOT NULL,
	"file_id" uuid,
	"initiator_id" uuid NOT NULL,
	"input" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"canceled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "template_versions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"template_id" uuid,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"readme" text DEFAULT '' NOT NULL,
	"file_id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"created_by" uuid NOT NULL,
	"has_external_agent" boolean DEFAULT false NOT NULL,
	"analysis" jsonb,
	"archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"icon" text DEFAULT '' NOT NULL,
	"active_version_id" uuid NOT NULL,
	"created_by" uuid NOT NULL,
	"deprecation_message" text DEFAULT '' NOT NULL,
	"use_classic_parameter_flow" boolean DEFAULT true NOT NULL,
	"require_active_version" boolean DEFAULT false NOT NULL,
	"allow_user_cancel_workspace_jobs" boolean DEFAULT false NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_agent_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"agent_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"token_ciphertext" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "workspace_agents" (
	"id" uuid PRIMARY KEY NOT NULL,
	"resource_id" uuid NOT NULL,
	"name" text NOT NULL,
	"operating_system" text NOT NULL,
	"architecture" text NOT NULL,
	"connection_timeout_seconds" integer DEFAULT 120 NOT NULL,
	"troubleshooting_url" text DEFAULT '' NOT NULL,
	"directory" text DEFAULT '' NOT NULL,
	"lifecycle_state" text DEFAULT 'created' NOT NULL,
	"first_connected_at" timestamp with time zone,
	"last_connected_at" timestamp with time zone,
	"disconnected_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ready_at" timestamp with time zone,
	"version" text DEFAULT '' NOT NULL,
	"api_version" text DEFAULT '' NOT NULL,
	"enrollment_stage" text,
	"enrollment_stage_at" timestamp with time zone,
	"enrollment_error" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_build_parameters" (
	"build_id" uuid NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	CONSTRAINT "workspace_build_parameters_build_id_name_pk" PRIMARY KEY("build_id","name")
);
--> statement-breakpoint
CREATE TABLE "workspace_builds" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workspace_id" uuid NOT NULL,
	"template_version_id" uuid NOT NULL,
	"build_number" integer NOT NULL,
	"transition" text NOT NULL,
	"initiator_id" uuid NOT NULL,
	"reason" text DEFAULT 'initiator' NOT NULL,
	"job_id" uuid NOT NULL,
	"has_external_agent" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_resources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"transition" text NOT NULL,
	"type" text NOT NULL,
	"name" text NOT NULL,
	"hide" boolean DEFAULT false NOT NULL,
	"icon" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"template_id" uuid NOT NULL,
	"name" text NOT NULL,
	"automatic_updates" text DEFAULT 'never' NOT NULL,
	"autostart_schedule" text,
	"ttl_ms" bigint,
	"last_used_at" timestamp with time zone NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioner_job_logs" ADD CONSTRAINT "provisioner_job_logs_job_id_provisioner_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioner_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioner_jobs" ADD CONSTRAINT "provisioner_jobs_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioner_jobs" ADD CONSTRAINT "provisioner_jobs_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisioner_jobs" ADD CONSTRAINT "provisioner_jobs_initiator_id_users_id_fk" FOREIGN KEY ("initiator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_file_id_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_job_id_provisioner_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioner_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_agent_tokens" ADD CONSTRAINT "workspace_agent_tokens_agent_id_workspace_agents_id_fk" FOREIGN KEY ("agent_id") REFERENCES "public"."workspace_agents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_agents" ADD CONSTRAINT "workspace_agents_resource_id_workspace_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."workspace_resources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_build_parameters" ADD CONSTRAINT "workspace_build_parameters_build_id_workspace_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."workspace_builds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_builds" ADD CONSTRAINT "workspace_builds_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_builds" ADD CONSTRAINT "workspace_builds_template_version_id_template_versions_id_fk" FOREIGN KEY ("template_version_id") REFERENCES "public"."template_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_builds" ADD CONSTRAINT "workspace_builds_initiator_id_users_id_fk" FOREIGN KEY ("initiator_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_builds" ADD CONSTRAINT "workspace_builds_job_id_provisioner_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioner_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_resources" ADD CONSTRAINT "workspace_resources_job_id_provisioner_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."provisioner_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "files_hash_created_by_key" ON "files" USING btree ("hash","created_by");--> statement-breakpoint
CREATE UNIQUE INDEX "template_versions_template_name_key" ON "template_versions" USING btree ("template_id",lower("name")) WHERE "template_versions"."template_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "template_versions_template_id_idx" ON "template_versions" USING btree ("template_id");--> statement-breakpoint
CREATE UNIQUE INDEX "templates_organization_name_key" ON "templates" USING btree ("organization_id",lower("name")) WHERE NOT "templates"."deleted";--> statement-breakpoint
CREATE UNIQUE INDEX "workspace_agent_tokens_token_hash_key" ON "workspace_agent_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "workspace_agent_tokens_agent_id_idx" ON "workspace_agent_tokens" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "workspace_agents_resource_id_idx" ON "workspace_agents" USING btree ("resource_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workspace_builds_workspace_number_key" ON "workspace_builds" USING btree ("workspace_id","build_number");--> statement-breakpoint
CREATE INDEX "workspace_builds_job_id_idx" ON "workspace_builds" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "workspace_resources_job_id_idx" ON "workspace_resources" USING btree ("job_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_owner_name_key" ON "workspaces" USING btree ("owner_id",lower("name")) WHERE NOT "workspaces"."deleted";--> statement-breakpoint
CREATE INDEX "workspaces_template_id_idx" ON "workspaces" USING btree ("template_id");--> statement-breakpoint
CREATE INDEX "workspaces_organization_id_idx" ON "workspaces" USING btree ("organization_id");