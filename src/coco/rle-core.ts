/**
 * Typed-array core of pycocotools' maskApi.c: the public API in coco-rle.ts and the evaluator
 * both run on these. Counts are uint32 like the C code, so wrap-around behaves the same.
 */

/** A run-length mask: column-major runs of alternating 0s and 1s, starting with 0s. */
export interface RleCore {
  h: number;
  w: number;
  counts: Uint32Array;
}

const EMPTY = new Uint32Array(0);

export function encodeCore(mask: ArrayLike<number>, h: number, w: number): Uint32Array {
  const cnts = new Uint32Array(h * w + 1);
  let k = 0;
  let p = 0;
  let c = 0;
  for (let x = 0; x < w; x++) {
    for (let i = x; i < h * w; i += w) {
      const v = mask[i] ? 1 : 0;
      if (v !== p) {
        cnts[k++] = c;
        c = 0;
        p = v;
      }
      c++;
    }
  }
  cnts[k++] = c;
  return cnts.slice(0, k);
}

/** Row-major 0/1 mask; runs past h*w (malformed input) are cut off instead of overflowing. */
export function decodeCore(counts: ArrayLike<number>, h: number, w: number): Uint8Array {
  const total = h * w;
  const out = new Uint8Array(total);
  let pos = 0;
  for (let j = 0; j < counts.length && pos < total; j++) {
    const end = Math.min(total, pos + counts[j]);
    if (j & 1) {
      for (let p = pos; p < end; p++) {
        const y = p % h;
        out[y * w + (p - y) / h] = 1;
      }
    }
    pos = end;
  }
  return out;
}

/** Sum of the 1-runs of counts[off .. off + len). */
export function areaCore(counts: ArrayLike<number>, off = 0, len = counts.length - off): number {
  let a = 0;
  for (let j = 1; j < len; j += 2) a += counts[off + j];
  return a;
}

/** rleToBbox of counts[from .. from + len), uint arithmetic included; writes [x, y, w, h] at out[off..off+3]. */
export function bboxCore(
  counts: ArrayLike<number>,
  from: number,
  len: number,
  h: number,
  w: number,
  out: Float64Array,
  off: number,
): void {
  const m = len & ~1;
  if (m === 0 || h === 0) {
    out[off] = out[off + 1] = out[off + 2] = out[off + 3] = 0;
    return;
  }
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc = (cc + counts[from + j]) >>> 0;
    const t = (cc - (j & 1)) >>> 0;
    const y = t % h;
    const x = (t - y) / h;
    if ((j & 1) === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    if (x < xs) xs = x;
    if (x > xe) xe = x;
    if (y < ys) ys = y;
    if (y > ye) ye = y;
  }
  out[off] = xs;
  out[off + 2] = xe - xs + 1;
  out[off + 1] = ys;
  out[off + 3] = ye - ys + 1;
}

/** rleMerge: union (or intersection) of RLEs of one size; mismatched sizes give a 0x0 RLE like the C code. */
export function mergeCore(rles: readonly RleCore[], intersect: boolean): RleCore {
  const n = rles.length;
  if (n === 0) return { h: 0, w: 0, counts: EMPTY };
  let h = rles[0].h;
  let w = rles[0].w;
  if (n === 1) return { h, w, counts: rles[0].counts.slice() };
  let cnts: Uint32Array = rles[0].counts;
  let m = cnts.length;
  for (let i = 1; i < n; i++) {
    const B = rles[i].counts;
    if (rles[i].h !== h || rles[i].w !== w) {
      h = w = m = 0;
      break;
    }
    const A = cnts;
    const am = m;
    const out = new Uint32Array(am + B.length + 1);
    let ca = am > 0 ? A[0] : 0;
    let cb = B.length > 0 ? B[0] : 0;
    let v = 0;
    let va = 0;
    let vb = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    m = 0;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < am) {
        ca = A[a++];
        va ^= 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < B.length) {
        cb = B[b++];
        vb ^= 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? va & vb : va | vb;
      if (v !== vp || ct === 0) {
        out[m++] = cc;
        cc = 0;
      }
    }
    cnts = out;
  }
  return { h, w, counts: cnts.slice(0, m) };
}

/**
 * Intersection over union of two same-size RLEs, a = data[aOff .. aOff + aLen) and b likewise;
 * crowd divides by the area of `a` (the detection) instead.
 */
export function pairIou(
  a: Uint32Array,
  aOff: number,
  aLen: number,
  b: Uint32Array,
  bOff: number,
  bLen: number,
  crowd: boolean,
): number {
  const aEnd = aOff + aLen;
  const bEnd = bOff + bLen;
  let ca = a[aOff];
  let cb = b[bOff];
  let va = 0;
  let vb = 0;
  let ia = aOff + 1;
  let ib = bOff + 1;
  let i = 0;
  let u = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va | vb) {
      u += c;
      if (va & vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && ia < aEnd) {
      ca = a[ia++];
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (!cb && ib < bEnd) {
      cb = b[ib++];
      vb ^= 1;
    }
    ct += cb;
  }
  if (i === 0) u = 1;
  else if (crowd) u = areaCore(a, aOff, aLen);
  return i / u;
}

/**
 * |A ∩ B| of two same-size RLEs (a = data[aOff .. aOff + aLen), b likewise), walking only the
 * foreground runs and stopping when either mask has no foreground left.
 */
export function intersectionArea(
  a: Uint32Array,
  aOff: number,
  aLen: number,
  b: Uint32Array,
  bOff: number,
  bLen: number,
): number {
  const aEnd = aOff + aLen;
  const bEnd = bOff + bLen;
  // [as, ae) and [bs, be): the current foreground run of each mask, as pixel positions
  let ia = aOff;
  let ib = bOff;
  let as = a[ia++];
  let ae = ia < aEnd ? as + a[ia++] : as;
  let bs = b[ib++];
  let be = ib < bEnd ? bs + b[ib++] : bs;
  let inter = 0;
  for (;;) {
    const overlap = Math.min(ae, be) - Math.max(as, bs);
    if (overlap > 0) inter += overlap;
    if (ae <= be) {
      if (ia + 1 >= aEnd) break;
      as = ae + a[ia++];
      ae = as + a[ia++];
    } else {
      if (ib + 1 >= bEnd) break;
      bs = be + b[ib++];
      be = bs + b[ib++];
    }
  }
  return inter;
}

/** bbIou for one pair of [x, y, w, h] boxes stored at offsets `d` and `g`. */
export function boxPairIou(
  db: ArrayLike<number>,
  d: number,
  gb: ArrayLike<number>,
  g: number,
  crowd: boolean,
): number {
  const iw = Math.min(db[d + 2] + db[d], gb[g + 2] + gb[g]) - Math.max(db[d], gb[g]);
  if (iw <= 0) return 0;
  const ih = Math.min(db[d + 3] + db[d + 1], gb[g + 3] + gb[g + 1]) - Math.max(db[d + 1], gb[g + 1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const da = db[d + 2] * db[d + 3];
  return inter / (crowd ? da : da + gb[g + 2] * gb[g + 3] - inter);
}

/**
 * rleIou into out[d * gt.length + g]: box IoU first (boxes from bboxCore), masks only where the
 * boxes overlap, -1 where the sizes differ, exactly as the C code orders those checks.
 */
export function rleIouInto(
  dt: readonly RleCore[],
  dtBoxes: Float64Array,
  gt: readonly RleCore[],
  gtBoxes: Float64Array,
  crowd: ArrayLike<number | boolean>,
  out: Float64Array,
): void {
  const n = gt.length;
  for (let d = 0; d < dt.length; d++) {
    for (let g = 0; g < n; g++) {
      const isCrowd = !!crowd[g];
      let o = boxPairIou(dtBoxes, 4 * d, gtBoxes, 4 * g, isCrowd);
      if (o > 0) {
        const a = dt[d].counts;
        const b = gt[g].counts;
        o =
          dt[d].h !== gt[g].h || dt[d].w !== gt[g].w ? -1 : pairIou(a, 0, a.length, b, 0, b.length, isCrowd);
      }
      out[d * n + g] = o;
    }
  }
}

/** rleToString: LEB128-like, 6 bits per char (ASCII 48..111), deltas against the count two back. */
export function toStringCore(counts: ArrayLike<number>): string {
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars.push(c + 48);
    }
  }
  return chunkedFromCharCodes(chars);
}

function chunkedFromCharCodes(chars: number[]): string {
  let s = '';
  for (let i = 0; i < chars.length; i += 8192) s += String.fromCharCode(...chars.slice(i, i + 8192));
  return s;
}

/** rleFrString; 32-bit int arithmetic reproduces the C code's casts for every input. */
export function frStringCore(s: string): Uint32Array {
  const out = new Uint32Array(s.length);
  const m = frStringInto(s, out, 0, false);
  return out.slice(0, m);
}

/** decodeRleString's result for a character outside '0'..'o'. */
export const RLE_BAD_CHAR = -1;
/** decodeRleString's result for a string ending inside a number. */
export const RLE_TRUNCATED = -2;

/**
 * Decodes `s` into out[off ..] (room for s.length counts needed) and returns the number of counts.
 * Strict: RLE_BAD_CHAR / RLE_TRUNCATED instead of what the C code makes of such bytes.
 */
export function decodeRleString(s: string, out: Uint32Array, off: number): number {
  return frStringInto(s, out, off, true);
}

/** Sum of the counts written by the last decodeRleString (its pixel total), saving a second pass. */
export let decodedTotal = 0;

function frStringInto(s: string, out: Uint32Array, off: number, strict: boolean): number {
  const n = s.length;
  let m = 0;
  let p = 0;
  let total = 0;
  while (p < n) {
    let x = 0;
    let k = 0;
    let c = 0;
    do {
      if (p < n) {
        const code = s.charCodeAt(p);
        if (strict && (code < 48 || code > 111)) return RLE_BAD_CHAR;
        c = ((code - 48) << 24) >> 24; // C's signed char
      } else if (strict) return RLE_TRUNCATED;
      else c = -48; // C reads the NUL terminator past the end, which stops the number there
      x |= (c & 0x1f) << (5 * k);
      p++;
      k++;
    } while (c & 0x20);
    if (c & 0x10) x |= -1 << (5 * k);
    if (m > 2) x += out[off + m - 2];
    out[off + m] = x;
    total += out[off + m++];
  }
  decodedTotal = total;
  return m;
}
