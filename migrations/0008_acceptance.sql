CREATE TYPE "public"."pass_acceptance" AS ENUM('image', 'instance');--> statement-breakpoint
ALTER TABLE "passes" ADD COLUMN "acceptance" "pass_acceptance" DEFAULT 'image' NOT NULL;--> statement-breakpoint
ALTER TABLE "run_iterations" ADD COLUMN "accepted" integer;