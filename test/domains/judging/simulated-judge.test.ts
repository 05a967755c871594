import { describe, expect, it } from 'vitest';
import { OracleJudge } from '../../../src/domains/judging/oracle-judge.ts';
import { SimulatedJudge, uniform } from '../../../src/domains/judging/simulated-judge.ts';
import type { JudgeInput } from '../../../src/domains/judging/types.ts';
import { rectInstance, rectTruth } from './fixtures.ts';

const W = 16;
const H = 16;
const good = rectInstance(W, H, { rect: [0, 0, 8, 8] });
const truth = [rectTruth(W, H, [0, 0, 8, 8])];

const image = (imageId: number, correct: boolean): JudgeInput => ({
  imageId,
  image: Buffer.alloc(0),
  width: W,
  height: H,
  instances: correct ? [good] : [],
  groundTruth: truth,
});

describe('SimulatedJudge', () => {
  it('is the oracle, marked as a simulation, at zero error rates', async () => {
    const judge = new SimulatedJudge({ falseApproveRate: 0, falseRejectRate: 0, seed: 1 });
    const oracle = new OracleJudge();
    for (const correct of [true, false]) {
      const simulated = await judge.judge(image(3, correct));
      const reference = await oracle.judge(image(3, correct));
      expect(simulated.verdict).toBe(reference.verdict);
      expect(simulated.instances).toEqual(reference.instances);
      expect(simulated.judge).toMatchObject({ kind: 'simulated', config: { simulation: true, seed: 1 } });
      expect(simulated.reason).toMatch(/^\[simulation\]/);
      expect(simulated.reviewSeconds).toBe(3);
    }
    expect(judge.kind).toBe('simulated');
  });

  it('flips every decision at rate 1, and says so', async () => {
    const judge = new SimulatedJudge({ falseApproveRate: 1, falseRejectRate: 1, seed: 1 });
    const falseApprove = await judge.judge(image(1, false));
    expect(falseApprove).toMatchObject({ verdict: 'approve', missedObjects: 0 });
    expect(falseApprove.reason).toMatch(/Simulated false approval .* the oracle rejected/);
    const falseReject = await judge.judge(image(2, true));
    expect(falseReject.verdict).toBe('reject');
    expect(falseReject.reason).toMatch(/Simulated false rejection/);
    // A false rejection blames one mask, so per-instance acceptance does not take the whole image anyway.
    expect(falseReject.instances).toEqual([
      { index: 1, verdict: 'bad_mask', note: '[simulation] wrongly blamed' },
    ]);
    expect(falseReject.missedObjects).toBe(0);
  });

  it('passes the oracle errors through', async () => {
    const judge = new SimulatedJudge({ falseApproveRate: 1, falseRejectRate: 1, seed: 1 });
    const verdict = await judge.judge({ ...image(1, true), groundTruth: undefined });
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'no_ground_truth' } });
  });

  it('decides each image from (seed, imageId) alone, whatever the order', async () => {
    const judge = new SimulatedJudge({ falseApproveRate: 0.3, falseRejectRate: 0.3, seed: 99 });
    const ids = Array.from({ length: 200 }, (_, i) => i * 7919);
    const forward = await Promise.all(ids.map((id) => judge.judge(image(id, id % 2 === 0))));
    const backward = await Promise.all([...ids].reverse().map((id) => judge.judge(image(id, id % 2 === 0))));
    expect(forward.map((v) => v.verdict)).toEqual(backward.reverse().map((v) => v.verdict));
    const again = new SimulatedJudge({ falseApproveRate: 0.3, falseRejectRate: 0.3, seed: 99 });
    expect((await again.judge(image(ids[5], false))).verdict).toBe(forward[5].verdict);
  });

  it('errs at about the configured rates', async () => {
    const judge = new SimulatedJudge({ falseApproveRate: 0.1, falseRejectRate: 0.25, seed: 7 });
    const n = 2000;
    let falseApprovals = 0;
    let falseRejections = 0;
    for (let id = 0; id < n; id++) {
      if ((await judge.judge(image(id, false))).verdict === 'approve') falseApprovals++;
      if ((await judge.judge(image(id, true))).verdict === 'reject') falseRejections++;
    }
    expect(falseApprovals / n).toBeGreaterThan(0.08);
    expect(falseApprovals / n).toBeLessThan(0.12);
    expect(falseRejections / n).toBeGreaterThan(0.22);
    expect(falseRejections / n).toBeLessThan(0.28);
  });

  it('draws differently for different seeds', () => {
    const a = Array.from({ length: 50 }, (_, i) => uniform(1, 0, i));
    const b = Array.from({ length: 50 }, (_, i) => uniform(2, 0, i));
    expect(a).not.toEqual(b);
    for (const u of [...a, ...b]) expect(u >= 0 && u < 1).toBe(true);
  });

  describe('across the iterations of a run', () => {
    const rates = { falseApproveRate: 0.2, falseRejectRate: 0.2, seed: 5 };
    const ids = Array.from({ length: 1000 }, (_, i) => 1 + i * 3);
    /** The images the judge gets wrong in `iteration`: every one is correct, so a mistake is a rejection. */
    async function mistaken(iteration: number | undefined): Promise<Set<number>> {
      const judge = new SimulatedJudge({ ...rates, ...(iteration !== undefined && { iteration }) });
      const verdicts = await Promise.all(ids.map((id) => judge.judge(image(id, true))));
      return new Set(ids.filter((_, i) => verdicts[i].verdict === 'reject'));
    }

    it('decides an image the same way for the same seed, iteration and image', async () => {
      expect(await mistaken(3)).toEqual(await mistaken(3));
      const judge = new SimulatedJudge({ ...rates, iteration: 2 });
      await expect(judge.judge(image(7, true))).resolves.toMatchObject({
        judge: { config: { iteration: 2 } },
      });
      // Outside a run (no iteration given) it is iteration 0.
      expect(await mistaken(undefined)).toEqual(await mistaken(0));
    });

    it('makes different mistakes in different iterations, at the configured rate in each', async () => {
      const sets = [await mistaken(0), await mistaken(1), await mistaken(2)];
      for (const set of sets) {
        expect(set.size / ids.length).toBeGreaterThan(0.16);
        expect(set.size / ids.length).toBeLessThan(0.24);
      }
      // Independent draws: an image wrong in one iteration is wrong in the next at about the rate
      // (0.2), not always, as it was when the draw ignored the iteration.
      const again = [...sets[0]].filter((id) => sets[1].has(id)).length / sets[0].size;
      expect(again).toBeLessThan(0.35);
      expect([...sets[1]].filter((id) => sets[2].has(id)).length).toBeLessThan(sets[1].size * 0.35);
    });
  });

  it('rejects rates outside [0, 1]', () => {
    expect(() => new SimulatedJudge({ falseApproveRate: 1.5, falseRejectRate: 0, seed: 1 })).toThrow(
      RangeError,
    );
  });
});
