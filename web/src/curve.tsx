import { useState } from 'preact/hooks';

export interface CurvePoint {
  x: number;
  y: number;
  label: string;
}

export interface CurveProps {
  title: string;
  xLabel: string;
  yLabel: string;
  points: CurvePoint[];
  /** Horizontal dashed lines, e.g. the supervised reference's AP. */
  references?: { y: number; label: string }[];
}

const W = 560;
const H = 300;
const PAD = { left: 56, right: 16, top: 16, bottom: 44 };

/**
 * A learning curve as inline SVG: hovering a point reads its values. For keyboards and screen readers the
 * same values are the table the caller shows beside it (the chart is one labelled image to them).
 */
export function Curve(props: CurveProps) {
  const [active, setActive] = useState<number | null>(null);
  const ys = [...props.points.map((p) => p.y), ...(props.references ?? []).map((r) => r.y)];
  const xMax = Math.max(1e-9, ...props.points.map((p) => p.x)) * 1.05;
  const yMax = Math.max(0.05, ...ys) * 1.1;
  const sx = (x: number) => PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  const path = props.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x)},${sy(p.y)}`).join(' ');
  const shown = active === null ? undefined : props.points[active];
  return (
    <figure class="curve">
      <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={props.title}>
        <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} class="axis" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} class="axis" />
        {[0, 0.5, 1].map((f) => (
          <text key={f} x={PAD.left - 6} y={sy(f * yMax) + 4} text-anchor="end" class="tick">
            {(f * yMax).toFixed(2)}
          </text>
        ))}
        {[0, 0.5, 1].map((f) => (
          <text key={f} x={sx(f * xMax)} y={H - PAD.bottom + 16} text-anchor="middle" class="tick">
            {(f * xMax).toFixed(2)}
          </text>
        ))}
        <text x={(W + PAD.left) / 2} y={H - 6} text-anchor="middle">
          {props.xLabel}
        </text>
        <text x={14} y={H / 2} text-anchor="middle" transform={`rotate(-90 14 ${H / 2})`}>
          {props.yLabel}
        </text>
        {(props.references ?? []).map((r) => (
          <g key={r.label} class="reference">
            <line x1={PAD.left} x2={W - PAD.right} y1={sy(r.y)} y2={sy(r.y)} />
            <text x={W - PAD.right} y={sy(r.y) - 4} text-anchor="end">
              {r.label}: {r.y.toFixed(3)}
            </text>
          </g>
        ))}
        <path d={path} class="line" />
        {props.points.map((p, i) => (
          // biome-ignore lint/a11y/noStaticElementInteractions: a mouse-only aid; the values are in the caller's table
          <circle
            key={p.label}
            cx={sx(p.x)}
            cy={sy(p.y)}
            r={active === i ? 7 : 5}
            class="point"
            data-index={i}
            onMouseEnter={() => setActive(i)}
            onMouseLeave={() => setActive(null)}
          />
        ))}
      </svg>
      <figcaption class="curve-value" aria-live="polite">
        {shown
          ? `${shown.label}: ${props.yLabel} ${shown.y.toFixed(3)}, ${props.xLabel} ${shown.x.toFixed(3)}`
          : 'Hover a point to read its values.'}
      </figcaption>
    </figure>
  );
}
