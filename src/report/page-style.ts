/** The reports' style sheet (inline: a report is one page and its pictures). */
export const REPORT_STYLE = `
:root { color-scheme: light; --ink: #1d1d1f; --muted: #666; --line: #ddd; --new: #00c853; --old: #ff1744; --rect: #ffd600; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0 auto; padding: 16px 24px 48px; max-width: 1500px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p.lead, .muted { color: var(--muted); }
nav.toc a, .links a { margin-right: 14px; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12px; }
.controls { position: sticky; top: 0; background: #fff; padding: 8px 0; z-index: 2; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; border-bottom: 1px solid var(--line); }
.pager button { min-width: 2.2em; }
.pager .where { margin: 0 8px; }
.cards { display: flex; flex-wrap: wrap; gap: 14px; margin-top: 12px; }
figure.card { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fafafa; }
figure.card:target, figure.card.hit { outline: 3px solid #1f6fb4; }
.pair { position: relative; line-height: 0; }
.pair img, .fig img { image-rendering: pixelated; image-rendering: crisp-edges; display: block; }
.pair svg, .thumb svg, .fig svg { position: absolute; left: 0; top: 0; pointer-events: none; }
.thumb svg a, .thumb svg circle { pointer-events: auto; }
svg.outline path.now { fill: none; stroke: var(--new); stroke-width: 0.45; }
svg.outline path.now.dashed { stroke-dasharray: 1 1; stroke-width: 0.35; }
svg.outline path.was { fill: none; stroke: var(--old); stroke-width: 0.45; stroke-dasharray: 1.2 0.8; }
svg.outline rect.rect { fill: none; stroke: var(--rect); stroke-width: 0.45; stroke-dasharray: 2 1; }
body.no-outlines svg.outline { display: none; }
figcaption { line-height: 1.35; margin-top: 6px; font-size: 12px; max-width: 520px; }
figcaption .head { font-weight: 600; font-size: 13px; }
figcaption dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 8px; margin: 4px 0 0; }
figcaption dt { color: var(--muted); }
figcaption dd { margin: 0; }
.thumbs { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 12px; }
.thumb { position: relative; line-height: 0; }
.thumb-box { display: inline-block; }
.thumb-box .name { font-size: 12px; line-height: 1.4; }
.thumb circle { fill: rgba(255, 234, 0, 0.18); stroke: #ffea00; cursor: pointer; }
.thumb a:hover circle { fill: rgba(31, 111, 180, 0.6); }
.legend span { margin-right: 14px; }
.legend i { display: inline-block; width: 22px; height: 0; border-top: 3px solid; vertical-align: middle; margin-right: 4px; }
.fig-grid { display: grid; gap: 6px; align-items: start; }
.fig { position: relative; line-height: 0; }
.fig-grid .colhead { font-weight: 600; text-align: center; }
.fig-grid .rowhead { font-size: 12px; grid-column: 1 / -1; margin-top: 8px; line-height: 1.3; }
.fig svg.outline path.now { stroke-width: 0.8; }
.fig svg.outline path.was { stroke-width: 0.7; }
.controls.static { position: static; }
`;
