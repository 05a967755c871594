/** The few numpy behaviours COCOeval's numbers depend on, reproduced bit for bit. */

/** np.spacing(1): the epsilon COCOeval adds to precision denominators. */
export const SPACING_1 = 2 ** -52;

/** np.linspace(start, stop, num) with endpoint: i*step + start, the last value exactly `stop`. */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

const PW_BLOCKSIZE = 128;

/** numpy's pairwise summation (the inner loop of np.add.reduce on a contiguous float64 array). */
export function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[lo + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

/** np.mean of a 1-D float64 array. */
export function mean(a: ArrayLike<number>): number {
  return pairwiseSum(a, 0, a.length) / a.length;
}

/** Python's '{:0.3f}': like toFixed(3) but ties (x*16 odd) round half to even. */
export function formatFixed3(x: number): string {
  const x16 = x * 16;
  if (Number.isInteger(x16) && x16 % 2 !== 0) {
    const scaled = x * 1000;
    const lo = Math.floor(scaled);
    const n = lo % 2 === 0 ? lo : lo + 1;
    return (n / 1000).toFixed(3);
  }
  return x.toFixed(3);
}
