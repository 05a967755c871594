-- A training job's latest resumable checkpoint (the trainer's last.pt) as a blob: any worker resumes it from the store.
ALTER TABLE "training_jobs" ADD COLUMN "resume_checkpoint_sha256" text;
