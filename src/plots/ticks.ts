/** An axis domain and the round values labelled on it. */
export interface Scale {
  min: number;
  max: number;
  ticks: number[];
  /** Decimals that show every tick exactly (0.1 -> 1, 25 -> 0). */
  decimals: number;
}

/** 1, 2, 2.5 or 5 times a power of ten: the step a reader counts in without effort. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * A domain covering [lo, hi] that starts and ends on ticks, with about `count` intervals. A degenerate
 * or non-finite range falls back to [0, fallbackMax], so an all-zero curve still gets an axis.
 */
export function niceScale(lo: number, hi: number, count = 5, fallbackMax = 1): Scale {
  let low = Number.isFinite(lo) ? lo : 0;
  let high = Number.isFinite(hi) ? hi : fallbackMax;
  if (high - low <= 0) {
    low = Math.min(0, low);
    high = low + fallbackMax;
  }
  const step = niceStep(high - low, count);
  const min = Math.floor(low / step + 1e-9) * step;
  const max = Math.ceil(high / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (isTenth(step) ? 0 : 1));
  const ticks: number[] = [];
  // Integer counting, then rounding, so 0.1 + 0.2 never shows up as 0.30000000000000004.
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(round(min + i * step, decimals + 2));
  return { min: round(min, decimals + 2), max: round(max, decimals + 2), ticks, decimals };
}

/** True for 1, 2 or 5 times a power of ten (one significant digit); false for 2.5. */
function isTenth(step: number): boolean {
  const digits = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return Math.abs(digits - Math.round(digits)) < 1e-9;
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return Object.is(r, -0) ? 0 : r;
}
