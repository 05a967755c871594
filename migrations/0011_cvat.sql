CREATE TABLE "url_allow_entries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "url_allow_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"entry" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "url_allow_entries" ADD CONSTRAINT "url_allow_entries_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "url_allow_entries_project_entry" ON "url_allow_entries" USING btree ("project_id","entry");--> statement-breakpoint
CREATE TABLE "cvat_connections" (
	"project_id" bigint PRIMARY KEY NOT NULL,
	"base_url" text NOT NULL,
	"auth_header_name" text,
	"auth_header_value" text,
	"webhook_secret" text NOT NULL,
	"on_job_completed" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cvat_connections" ADD CONSTRAINT "cvat_connections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
