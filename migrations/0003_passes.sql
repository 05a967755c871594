CREATE TYPE "public"."pass_image_state" AS ENUM('pending', 'predicting', 'predicted', 'judging', 'judged', 'awaiting_review', 'errored');--> statement-breakpoint
CREATE TYPE "public"."pass_status" AS ENUM('queued', 'running', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."verdict_value" AS ENUM('approve', 'reject', 'abstain', 'error');--> statement-breakpoint
CREATE TABLE "pass_images" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pass_images_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"pass_id" bigint NOT NULL,
	"project_id" bigint NOT NULL,
	"image_id" bigint NOT NULL,
	"state" "pass_image_state" DEFAULT 'pending' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"worker_id" text,
	"claimed_at" timestamp with time zone,
	"predicted_at" timestamp with time zone,
	"tries" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"verdict" "verdict_value",
	"abstained" boolean DEFAULT false NOT NULL,
	"judge_verdict" jsonb,
	"review_verdict" jsonb,
	"oracle_verdict" jsonb,
	"review_seconds" double precision DEFAULT 0 NOT NULL,
	"accepted" boolean DEFAULT false NOT NULL,
	"error" jsonb,
	"review_lease_until" timestamp with time zone,
	"review_lease_key_id" bigint,
	"review_leased_at" timestamp with time zone,
	"judged_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "passes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "passes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"model_version_id" bigint NOT NULL,
	"status" "pass_status" DEFAULT 'queued' NOT NULL,
	"judge" jsonb NOT NULL,
	"judge_secret" text,
	"score_threshold" double precision NOT NULL,
	"selection" jsonb NOT NULL,
	"retry" jsonb NOT NULL,
	"agreement" jsonb,
	"error" jsonb,
	"kicked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "predictions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"pass_id" bigint NOT NULL,
	"image_id" bigint NOT NULL,
	"model_version_id" bigint NOT NULL,
	"category_id" bigint NOT NULL,
	"score" double precision NOT NULL,
	"bbox" double precision[] NOT NULL,
	"rle" text NOT NULL,
	"height" integer NOT NULL,
	"width" integer NOT NULL,
	"area" double precision NOT NULL,
	"drawn_index" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_versions" ALTER COLUMN "checkpoint_sha256" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "images" ADD COLUMN "label_source_of_record" "label_source";--> statement-breakpoint
ALTER TABLE "pass_images" ADD CONSTRAINT "pass_images_pass_id_passes_id_fk" FOREIGN KEY ("pass_id") REFERENCES "public"."passes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pass_images" ADD CONSTRAINT "pass_images_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pass_images" ADD CONSTRAINT "pass_images_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "passes" ADD CONSTRAINT "passes_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "passes" ADD CONSTRAINT "passes_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_pass_id_passes_id_fk" FOREIGN KEY ("pass_id") REFERENCES "public"."passes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_image_id_images_id_fk" FOREIGN KEY ("image_id") REFERENCES "public"."images"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "predictions" ADD CONSTRAINT "predictions_category_id_categories_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."categories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pass_images_pass_image" ON "pass_images" USING btree ("pass_id","image_id");--> statement-breakpoint
CREATE INDEX "pass_images_pass_state" ON "pass_images" USING btree ("pass_id","state","id");--> statement-breakpoint
CREATE INDEX "passes_project" ON "passes" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "passes_status" ON "passes" USING btree ("status");--> statement-breakpoint
CREATE INDEX "predictions_pass_image" ON "predictions" USING btree ("pass_id","image_id","id");--> statement-breakpoint
CREATE INDEX "predictions_image" ON "predictions" USING btree ("image_id");