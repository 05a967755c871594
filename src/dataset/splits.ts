/** Seeded, exact-proportion assignment of images to train/val/test. */
import { createRng, mixSeed } from './prng.ts';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export type Splits = Record<SplitName, number>;

export const DEFAULT_SPLITS: Readonly<Splits> = { train: 0.7, val: 0.1, test: 0.2 };

/** Keeps the split stream apart from the per-image render streams. */
const SPLIT_SALT = 0x5e11;

export function validateSplits(splits: Splits): Splits {
  for (const name of SPLIT_NAMES) {
    const w = splits[name];
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`split ${name} must be a number >= 0, got ${w}`);
  }
  const sum = SPLIT_NAMES.reduce((acc, name) => acc + splits[name], 0);
  if (sum <= 0) throw new RangeError('split weights must not all be zero');
  return { train: splits.train / sum, val: splits.val / sum, test: splits.test / sum };
}

/** Parses `train=0.7,val=0.1,test=0.2`; a split left out gets weight 0; weights are normalised. */
export function parseSplits(text: string): Splits {
  const splits: Splits = { train: 0, val: 0, test: 0 };
  for (const part of text.split(',')) {
    const [key, value, ...rest] = part.split('=').map((s) => s.trim());
    if (!SPLIT_NAMES.includes(key as SplitName) || value === undefined || rest.length > 0) {
      throw new RangeError(`expected name=weight with name one of ${SPLIT_NAMES.join('|')}, got "${part}"`);
    }
    const w = Number(value);
    if (value === '' || !Number.isFinite(w))
      throw new RangeError(`weight of ${key} is not a number: "${value}"`);
    splits[key as SplitName] = w;
  }
  return validateSplits(splits);
}

/** Image counts per split by largest remainder, so they sum to n exactly. */
export function splitCounts(n: number, splits: Splits): Record<SplitName, number> {
  const w = validateSplits(splits);
  const exact = SPLIT_NAMES.map((name) => n * w[name]);
  const counts = exact.map(Math.floor);
  const order = SPLIT_NAMES.map((_, i) => i).sort(
    (a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b,
  );
  let left = n - counts.reduce((a, b) => a + b, 0);
  for (const i of order) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  return { train: counts[0], val: counts[1], test: counts[2] };
}

/** Split of every image index: exact counts, order shuffled by the seed. */
export function assignSplits(n: number, seed: number, splits: Splits): SplitName[] {
  const counts = splitCounts(n, splits);
  const out: SplitName[] = SPLIT_NAMES.flatMap((name) => Array<SplitName>(counts[name]).fill(name));
  const rng = createRng(mixSeed(seed, SPLIT_SALT));
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
