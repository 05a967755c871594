import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressView } from '../../src/cli/progress.ts';

function capture() {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let text = '';
  (stream as unknown as PassThrough).on('data', (d) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('progress view', () => {
  it('prints one plain line per phase change when the output is not a terminal', () => {
    const out = capture();
    const view = createProgressView({ stream: out.stream });
    const item = (phase: string, fraction: number, detail = phase) => ({
      key: 'run 1',
      phase,
      fraction,
      detail,
    });
    view.update([item('iteration 0/2: train', 0.1, 'iteration 0/2: train 5/40')]);
    view.update([item('iteration 0/2: train', 0.2, 'iteration 0/2: train 20/40')]);
    view.log('a table');
    view.update([item('iteration 0/2: evaluate', 0.3)]);
    view.stop();
    expect(out.text()).toBe(
      '[run 1] iteration 0/2: train (10%)\na table\n[run 1] iteration 0/2: evaluate (30%)\n',
    );
  });

  it('draws bars with the live detail on a terminal', () => {
    const out = capture();
    const view = createProgressView({ stream: out.stream, tty: true, total: true });
    view.update([
      {
        key: 'oracle/f0.2/s1',
        phase: 'iteration 1/2: train',
        fraction: 0.5,
        detail: 'iteration 1/2: train 7/9',
      },
      { key: 'supervised/s1', phase: 'succeeded', fraction: 1, detail: 'succeeded' },
    ]);
    view.stop();
    expect(out.text()).toContain('oracle/f0.2/s1');
    expect(out.text()).toContain('train 7/9');
    expect(out.text()).toContain('1/2 runs done');
  });
});
