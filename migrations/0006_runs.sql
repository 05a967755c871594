CREATE TYPE "public"."run_cost_kind" AS ENUM('annotation', 'review', 'vlm', 'training');--> statement-breakpoint
CREATE TYPE "public"."run_iteration_status" AS ENUM('pending', 'running', 'completed', 'stopped');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."run_step" AS ENUM('select', 'pass', 'train', 'evaluate', 'close', 'done');--> statement-breakpoint
CREATE TYPE "public"."run_stop_reason" AS ENUM('iterations', 'min_approvals', 'plateau', 'budget', 'pool_empty', 'cancelled', 'error');--> statement-breakpoint
CREATE TABLE "run_costs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "run_costs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" bigint NOT NULL,
	"iteration" integer NOT NULL,
	"kind" "run_cost_kind" NOT NULL,
	"quantity" double precision NOT NULL,
	"unit" text NOT NULL,
	"seconds" double precision NOT NULL,
	"usd" double precision NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "run_iterations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "run_iterations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" bigint NOT NULL,
	"iteration" integer NOT NULL,
	"status" "run_iteration_status" DEFAULT 'running' NOT NULL,
	"step" "run_step" NOT NULL,
	"pass_id" bigint,
	"training_job_id" bigint,
	"model_version_id" bigint,
	"evaluation_id" bigint,
	"initial_labels" jsonb,
	"train_images" integer,
	"approved" integer,
	"rejected" integer,
	"abstained" integer,
	"errors" integer,
	"metrics" jsonb,
	"agreement" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" bigint NOT NULL,
	"name" text,
	"status" "run_status" DEFAULT 'queued' NOT NULL,
	"stop_reason" "run_stop_reason",
	"config" jsonb NOT NULL,
	"judge_secret" text,
	"iteration" integer DEFAULT 0 NOT NULL,
	"next_step_at" timestamp with time zone,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "run_costs" ADD CONSTRAINT "run_costs_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD CONSTRAINT "run_iterations_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD CONSTRAINT "run_iterations_pass_id_passes_id_fk" FOREIGN KEY ("pass_id") REFERENCES "public"."passes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD CONSTRAINT "run_iterations_training_job_id_training_jobs_id_fk" FOREIGN KEY ("training_job_id") REFERENCES "public"."training_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD CONSTRAINT "run_iterations_model_version_id_model_versions_id_fk" FOREIGN KEY ("model_version_id") REFERENCES "public"."model_versions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD CONSTRAINT "run_iterations_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "run_costs_run_iteration_kind" ON "run_costs" USING btree ("run_id","iteration","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "run_iterations_run_iteration" ON "run_iterations" USING btree ("run_id","iteration");--> statement-breakpoint
CREATE INDEX "runs_project" ON "runs" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "runs_status" ON "runs" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_one_active" ON "runs" USING btree ("project_id") WHERE "runs"."status" in ('queued', 'running', 'paused');