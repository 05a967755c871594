CREATE INDEX IF NOT EXISTS "images_project_id" ON "images" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "labels_project_id" ON "labels" USING btree ("project_id","id");
