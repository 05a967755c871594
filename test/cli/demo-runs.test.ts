import { describe, expect, it } from 'vitest';
import { demoRunBodies } from '../../src/cli/commands/demo.ts';

const opts = {
  fraction: 0.2,
  seed: 3,
  iterations: 2,
  trainIterations: 150,
  trainerPreset: 'small',
  init: 'base' as const,
  acceptance: 'image' as 'image' | 'instance',
  approvedMaskWeight: 1,
  controls: true,
  judge: 'oracle',
};

describe('the demo runs', () => {
  it('pairs the loop with a same-compute control on its initial labels and a supervised reference', () => {
    const { loop, control, supervised } = demoRunBodies(opts);
    expect(loop.training).toEqual({
      preset: 'small',
      hyper: { maxIterations: 150 },
      warmStart: 'previous',
      init: 'base',
      seed: 3,
    });
    expect(loop.initialLabels).toEqual({ fraction: 0.2, seed: 3 });
    // the loop's last model: iteration 0 plus two warm-started trainings = 450 iterations
    for (const run of [control!, supervised!]) {
      expect(run.iterations).toBe(0);
      expect(run.training).toEqual({ ...loop.training, hyper: { maxIterations: 450 } });
    }
    expect(control!.initialLabels).toEqual(loop.initialLabels);
    expect(supervised!.initialLabels).toEqual({ existing: true });
  });

  it("sends the loop's acceptance only when it is 'instance'; the controls judge nothing", () => {
    expect(demoRunBodies(opts).loop).not.toHaveProperty('acceptance');
    const bodies = demoRunBodies({ ...opts, acceptance: 'instance' });
    expect(bodies.loop.acceptance).toBe('instance');
    expect(bodies.control).not.toHaveProperty('acceptance');
  });

  it('sends approvedMaskWeight in the training hyper only when it is not 1', () => {
    expect(demoRunBodies(opts).loop.training.hyper).toEqual({ maxIterations: 150 });
    const bodies = demoRunBodies({ ...opts, approvedMaskWeight: 0 });
    expect(bodies.loop.training.hyper).toEqual({ maxIterations: 150, approvedMaskWeight: 0 });
    // the controls carry it too, where it weighs nothing: they train on no approved label
    expect(bodies.control!.training.hyper).toEqual({ maxIterations: 450, approvedMaskWeight: 0 });
  });

  it('runs the loop alone with --no-controls', () => {
    expect(Object.keys(demoRunBodies({ ...opts, controls: false }))).toEqual(['loop']);
  });
});
