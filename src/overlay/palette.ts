export type Rgb = readonly [number, number, number];

/**
 * High-contrast colours, ordered so neighbouring indices differ strongly in hue
 * (after Trubetskoy's 20 distinct colours, pale ones dropped: at ~45 % opacity they vanish).
 */
export const PALETTE: readonly Rgb[] = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [255, 225, 25],
  [145, 30, 180],
  [245, 130, 48],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [0, 128, 128],
  [170, 110, 40],
  [128, 0, 0],
  [0, 0, 128],
  [128, 128, 0],
  [255, 255, 255],
  [0, 0, 0],
];

/** Colour of the instance numbered `index` (1-based). */
export function colourFor(index: number): Rgb {
  return PALETTE[(index - 1) % PALETTE.length];
}

/** Black or white, whichever reads better on `colour` (WCAG relative luminance). */
export function inkFor(colour: Rgb): Rgb {
  const [r, g, b] = colour.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.179 ? [0, 0, 0] : [255, 255, 255];
}
