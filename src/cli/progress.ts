import cliProgress from 'cli-progress';

export interface ProgressItem {
  key: string;
  /** 0..1 */
  fraction: number;
  /** Changes rarely (step, status); a plain-lines view prints a line when it changes. */
  phase: string;
  /** The phase with live numbers, for a bar. */
  detail: string;
}

/** Live progress of one or several runs: bars on a terminal, one line per change otherwise. */
export interface ProgressView {
  update(items: ProgressItem[]): void;
  /** A line above the bars (or just a line). */
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Default: whether the stream is a terminal. */
  tty?: boolean;
  /** Most bars shown besides the total; the most advanced unfinished runs get them. */
  maxBars?: number;
  /** Show a bar for the total over all items (for several runs). */
  total?: boolean;
}

export function createProgressView(options: ProgressOptions = {}): ProgressView {
  const stream = options.stream ?? process.stdout;
  const tty = options.tty ?? Boolean(stream.isTTY);
  return tty ? new BarsView(stream, options) : new LinesView(stream);
}

const pct = (f: number) => `${Math.round(f * 100)}%`;

/** Prints `[key] phase` whenever an item's phase changes: readable in logs and CI. */
class LinesView implements ProgressView {
  private readonly phases = new Map<string, string>();

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(items: ProgressItem[]): void {
    for (const item of items) {
      if (this.phases.get(item.key) === item.phase) continue;
      this.phases.set(item.key, item.phase);
      this.log(`[${item.key}] ${item.phase} (${pct(item.fraction)})`);
    }
  }

  log(line: string): void {
    this.stream.write(`${line}\n`);
  }

  stop(): void {}
}

class BarsView implements ProgressView {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private totalBar: cliProgress.SingleBar | undefined;
  private readonly keyWidth: number;

  constructor(
    stream: NodeJS.WriteStream,
    private readonly options: ProgressOptions,
  ) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{key} |{bar}| {percentage}% {detail}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        autopadding: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.keyWidth = 24;
  }

  update(items: ProgressItem[]): void {
    if (this.options.total && items.length > 1) {
      const done = items.reduce((a, i) => a + i.fraction, 0);
      const finished = items.filter((i) => i.fraction >= 1).length;
      this.totalBar ??= this.multi.create(
        items.length * 100,
        0,
        { key: 'all runs'.padEnd(this.keyWidth), detail: '' },
        { format: '{key} |{bar}| {percentage}% {detail}, ETA {eta_formatted}' },
      );
      this.totalBar.update(Math.round(done * 100), { detail: `${finished}/${items.length} runs done` });
    }
    const maxBars = this.options.maxBars ?? 8;
    const shown = items
      .filter((i) => i.fraction < 1 || items.length === 1)
      .sort((a, b) => b.fraction - a.fraction)
      .slice(0, maxBars);
    const keep = new Set(shown.map((i) => i.key));
    for (const [key, bar] of this.bars)
      if (!keep.has(key)) {
        this.multi.remove(bar);
        this.bars.delete(key);
      }
    for (const item of shown) {
      const payload = { key: item.key.slice(0, this.keyWidth).padEnd(this.keyWidth), detail: item.detail };
      let bar = this.bars.get(item.key);
      if (!bar) {
        bar = this.multi.create(1000, 0, payload);
        this.bars.set(item.key, bar);
      }
      bar.update(Math.round(item.fraction * 1000), payload);
    }
  }

  log(line: string): void {
    this.multi.log(`${line}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}
