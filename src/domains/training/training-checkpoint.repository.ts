import { sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';

/**
 * Records `sha256` as the job's resumable checkpoint while `attempt` still holds it; returns whether it
 * did and the checkpoint it replaced (for deletion from the store).
 */
export async function recordResumeCheckpoint(
  ex: Executor,
  id: number,
  attempt: number,
  sha256: string,
): Promise<{ recorded: boolean; replaced: string | null }> {
  const result = await ex.execute<{ replaced: string | null }>(sql`
    with old as (select resume_checkpoint_sha256 as sha from training_jobs where id = ${id} for update)
    update training_jobs t set resume_checkpoint_sha256 = ${sha256}, updated_at = now()
    from old
    where t.id = ${id} and t.attempt = ${attempt} and t.status = 'running'
    returning old.sha as replaced`);
  const row = result.rows[0];
  return { recorded: row !== undefined, replaced: row?.replaced ?? null };
}

/** Clears the job's resumable checkpoint once the job ended; returns the one it held. */
export async function clearResumeCheckpoint(ex: Executor, id: number): Promise<string | null> {
  const result = await ex.execute<{ sha: string | null }>(sql`
    with old as (select resume_checkpoint_sha256 as sha from training_jobs where id = ${id} for update)
    update training_jobs t set resume_checkpoint_sha256 = null
    from old
    where t.id = ${id} and t.status in ('succeeded', 'failed', 'cancelled') and old.sha is not null
    returning old.sha`);
  return result.rows[0]?.sha ?? null;
}

/** True when a row still refers to the blob: it must stay in the store. */
export async function blobReferenced(ex: Executor, sha256: string): Promise<boolean> {
  const result = await ex.execute<{ used: boolean }>(sql`
    select exists (select 1 from model_versions where checkpoint_sha256 = ${sha256} or onnx_sha256 = ${sha256})
      or exists (select 1 from training_jobs where resume_checkpoint_sha256 = ${sha256})
      or exists (select 1 from images where sha256 = ${sha256}) as used`);
  return result.rows[0]?.used ?? true;
}
