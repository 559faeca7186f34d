/**
 * The reports' two charts as static SVG (no script, no library: a handful of rectangles and
 * lines, escaped text): per-type counts before and after augmentation, and AUCs with their
 * intervals on a common axis.
 */
import { html, num, raw, type Html } from './html.ts';

/** One class's counts. */
export interface CountBar {
  label: string;
  before: number;
  after: number;
}

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';

/**
 * Horizontal grouped bars: for each class, its count before (grey) and after (blue), on one
 * linear scale, with the numbers and the change printed beside them.
 */
export function countChart(bars: readonly CountBar[]): Html {
  const labelW = 150;
  const plotW = 380;
  const valueW = 150;
  const rowH = 34;
  const top = 26;
  const width = labelW + plotW + valueW;
  const height = top + rowH * bars.length + 6;
  const max = Math.max(1, ...bars.map((b) => Math.max(b.before, b.after)));
  const w = (n: number): string => ((plotW * n) / max).toFixed(1);
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    const change = b.after - b.before;
    return html`<g>
<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${b.label}</text>
<rect class="before" x="${labelW}" y="${y + 3}" width="${w(b.before)}" height="12" fill="#9e9e9e"><title>before: ${b.before}</title></rect>
<rect class="after" x="${labelW}" y="${y + 16}" width="${w(b.after)}" height="12" fill="#1f6fb4"><title>after: ${b.after}</title></rect>
<text x="${labelW + plotW + 8}" y="${y + 13}">${b.before.toLocaleString('en-US')}</text>
<text x="${labelW + plotW + 8}" y="${y + 27}">${b.after.toLocaleString('en-US')} (${change > 0 ? '+' : ''}${change.toLocaleString('en-US')})</text>
</g>`;
  });
  return html`<svg class="chart counts" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="nuclei per type before and after" ${raw(FONT)}>
<rect x="${labelW}" y="4" width="12" height="12" fill="#9e9e9e"/><text x="${labelW + 18}" y="14">before</text>
<rect x="${labelW + 80}" y="4" width="12" height="12" fill="#1f6fb4"/><text x="${labelW + 98}" y="14">after</text>
${rows}
</svg>`;
}

/** One estimate with its interval. */
export interface IntervalRow {
  label: string;
  value: number;
  lo: number;
  hi: number;
  /** Drawn lighter (the reference rows: null, control). */
  muted?: boolean;
}

/**
 * Points with interval whiskers on an axis from `from` to 1, with a dashed line at 0.5
 * (indistinguishable) — a forest plot of realism AUCs.
 */
export function intervalChart(rows: readonly IntervalRow[], from = 0.3): Html {
  const labelW = 260;
  const plotW = 420;
  const rowH = 22;
  const top = 8;
  const axisH = 30;
  const width = labelW + plotW + 90;
  const height = top + rowH * rows.length + axisH;
  const lo = Math.min(from, ...rows.map((r) => (Number.isFinite(r.lo) ? r.lo : 1)));
  const x = (v: number): string => (labelW + (plotW * (Math.min(1, Math.max(lo, v)) - lo)) / (1 - lo)).toFixed(1);
  const bottom = top + rowH * rows.length;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo * 10) / 10; t <= 1.0001; t += 0.1) ticks.push(Math.round(t * 10) / 10);
  const body = rows.map((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const colour = r.muted ? '#888' : '#1f6fb4';
    const bar = Number.isFinite(r.lo) && Number.isFinite(r.hi) ? html`<line x1="${x(r.lo)}" x2="${x(r.hi)}" y1="${y}" y2="${y}" stroke="${colour}" stroke-width="2"/>` : '';
    const dot = Number.isFinite(r.value) ? html`<circle cx="${x(r.value)}" cy="${y}" r="4" fill="${colour}"/>` : '';
    return html`<g><text x="${labelW - 8}" y="${y + 4}" text-anchor="end">${r.label}</text>${bar}${dot}<text x="${labelW + plotW + 14}" y="${y + 4}">${num(r.value)}</text></g>`;
  });
  const axis = ticks.map((t) => html`<line x1="${x(t)}" x2="${x(t)}" y1="${bottom}" y2="${bottom + 4}" stroke="#444"/><text x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${t.toFixed(1)}</text>`);
  return html`<svg class="chart intervals" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="AUC with 95 % intervals" ${raw(FONT)}>
<line x1="${x(0.5)}" x2="${x(0.5)}" y1="${top}" y2="${bottom}" stroke="#c62828" stroke-dasharray="4 3"/>
<line x1="${labelW}" x2="${labelW + plotW}" y1="${bottom}" y2="${bottom}" stroke="#444"/>
${axis}
${body}
<text x="${x(0.5)}" y="${bottom + 28}" text-anchor="middle" fill="#c62828">0.5: indistinguishable</text>
</svg>`;
}
