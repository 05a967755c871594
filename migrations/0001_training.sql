CREATE TYPE "public"."training_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "label_snapshots" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "label_snapshots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"categories" jsonb NOT NULL,
	"train_image_ids" bigint[] NOT NULL,
	"val_image_ids" bigint[] NOT NULL,
	"label_ids" bigint[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "model_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"parent_id" bigint,
	"training_job_id" bigint,
	"label_snapshot_id" bigint,
	"preset" text NOT NULL,
	"hyper" jsonb NOT NULL,
	"metrics" jsonb NOT NULL,
	"training_seconds" double precision NOT NULL,
	"device" text NOT NULL,
	"onnx_sha256" text NOT NULL,
	"onnx_bytes" bigint NOT NULL,
	"checkpoint_sha256" text NOT NULL,
	"metadata" jsonb NOT NULL,
	"active" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "training_jobs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "training_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"status" "training_status" DEFAULT 'queued' NOT NULL,
	"preset" text NOT NULL,
	"hyper" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"seed" integer DEFAULT 0 NOT NULL,
	"weights" text NOT NULL,
	"parent_model_version_id" bigint,
	"label_snapshot_id" bigint NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" jsonb,
	"attempt" integer DEFAULT 0 NOT NULL,
	"worker_id" text,
	"trainer_pid" integer,
	"queue_job_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"devices" text[] NOT NULL,
	"slots" integer NOT NULL,
	"queues" text[] NOT NULL,
	"current_jobs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "label_snapshots" ADD CONSTRAINT "label_snapshots_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_parent_id_model_versions_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_training_job_id_training_jobs_id_fk" FOREIGN KEY ("training_job_id") REFERENCES "public"."training_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_label_snapshot_id_label_snapshots_id_fk" FOREIGN KEY ("label_snapshot_id") REFERENCES "public"."label_snapshots"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_parent_model_version_id_model_versions_id_fk" FOREIGN KEY ("parent_model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_jobs" ADD CONSTRAINT "training_jobs_label_snapshot_id_label_snapshots_id_fk" FOREIGN KEY ("label_snapshot_id") REFERENCES "public"."label_snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "label_snapshots_project" ON "label_snapshots" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "model_versions_project" ON "model_versions" USING btree ("project_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_training_job" ON "model_versions" USING btree ("training_job_id");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_one_active" ON "model_versions" USING btree ("project_id") WHERE "model_versions"."active";--> statement-breakpoint
CREATE INDEX "training_jobs_project" ON "training_jobs" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "training_jobs_status" ON "training_jobs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "workers_heartbeat" ON "workers" USING btree ("last_heartbeat_at");