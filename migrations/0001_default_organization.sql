-- Every deployment has exactly one default organization, as Coder does; users join it on creation.
INSERT INTO "organizations" ("id", "name", "display_name", "description", "icon", "is_default", "created_at", "updated_at")
VALUES (gen_random_uuid(), 'coder', 'Coder', 'Builtin default organization.', '', true, now(), now());
