ALTER TABLE "api_keys" ADD COLUMN "from_env" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Keys installed from VLM_LOOP_ADMIN_KEY before this column existed carry this name and no project.
UPDATE "api_keys" SET "from_env" = true WHERE "name" = 'admin (from environment)' AND "project_id" IS NULL;
