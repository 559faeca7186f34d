/**
 * The comparison's page: the count table of every method (as the paper's Tables 1–2), the
 * realism AUCs with their intervals beside the calibration (the null, the unblended random
 * paste), the times, and the side-by-side figure. Static but for the outline toggle.
 */
import { className } from '../core/classes.ts';
import { intervalChart, type IntervalRow } from './charts.ts';
import type { ComparedRun, Comparison } from './comparison.ts';
import { html, num, page, raw, type Html } from './html.ts';
import { REPORT_STYLE } from './page-style.ts';
import { REALISM_HEAD, REALISM_NOTE, realismRows } from './run-page.ts';

/** Seconds of planning: every phase but rendering, the report and the realism test. */
function planningSeconds(t: Record<string, number>): number {
  return Object.entries(t).filter(([k]) => !['render', 'report', 'realism', 'paste'].includes(k)).reduce((s, [, v]) => s + v, 0);
}

function change(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function countsTable(c: Comparison): Html {
  const ids = c.classes.map((k) => k.id);
  const total = (r: Record<number, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  const cell = (after: Record<number, number>, id: number | undefined): Html => {
    const a = id === undefined ? total(after) : (after[id] ?? 0);
    const b = id === undefined ? total(c.before) : (c.before[id] ?? 0);
    return html`<td class="n">${a.toLocaleString('en-US')} <span class="muted">(${change(a - b)})</span></td>`;
  };
  const rows = [...ids, undefined].map(
    (id) => html`<tr><td>${id === undefined ? 'all' : `${className(c.classes, id)} (${id})`}</td><td class="n">${(id === undefined ? total(c.before) : (c.before[id] ?? 0)).toLocaleString('en-US')}</td>${c.methods.map((m) => cell(m.after, id))}</tr>`,
  );
  return html`<table class="counts compare"><thead><tr><th>type</th><th class="n">input</th>${c.methods.map((m) => html`<th class="n">${m.name}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}

function realismSection(c: Comparison): Html {
  const runs: ComparedRun[] = [...c.methods, ...(c.control !== undefined ? [c.control] : [])];
  const table: Html[] = [];
  const chart: IntervalRow[] = [];
  for (const r of runs) {
    if (r.realism === undefined) {
      table.push(html`<tr><td>${r.name}</td><td colspan="6" class="muted">not measured: ${r.realismError ?? 'no result'}</td></tr>`);
      continue;
    }
    const rows = realismRows(r.realism, r.name);
    table.push(...rows.table);
    chart.push(...rows.chart.map((x) => ({ ...x, muted: x.muted === true || r.name === c.control?.name })));
  }
  const nulls = runs.flatMap((r) => r.realism?.types.map((t) => t.null.auc) ?? []).filter((v) => Number.isFinite(v));
  const controlAuc = c.control?.realism?.types.map((t) => t.auc) ?? [];
  return html`<section id="realism"><h2>Realism</h2>
${REALISM_NOTE}
<p>Calibration: the null (real against real) ranges ${num(Math.min(...nulls))}–${num(Math.max(...nulls))} over the runs (≈ 0.5 expected)${controlAuc.length > 0 ? html`; the unblended random paste (real nuclei pasted pixel for pixel at random places, no blending) scores ${controlAuc.map((v) => num(v)).join(', ')} (≈ 1 expected)` : ''}. Realism seed ${c.realismSeed}.</p>
<table class="realism">${REALISM_HEAD}<tbody>${table}</tbody></table>
${intervalChart(chart)}
</section>`;
}

function timesSection(c: Comparison): Html {
  const runs: ComparedRun[] = [...c.methods, ...(c.control !== undefined ? [c.control] : [])];
  const rows = runs.map((r) => {
    const t = r.timings;
    const total = Object.values(t).reduce((a, b) => a + b, 0);
    return html`<tr><td>${r.name}</td><td class="n">${planningSeconds(t).toFixed(1)}</td><td class="n">${(t.render ?? t.paste ?? 0).toFixed(1)}</td><td class="n">${num(t.report, 1)}</td><td class="n">${num(t.realism, 1)}</td><td class="n">${total.toFixed(1)}</td></tr>`;
  });
  return html`<section id="times"><h2>Times (seconds)</h2>
<table class="times"><thead><tr><th>run</th><th class="n">planning</th><th class="n">rendering and writing</th><th class="n">report</th><th class="n">realism test</th><th class="n">total</th></tr></thead><tbody>${rows}</tbody></table>
<p class="muted">Each method's phases are in its own report. NucleiMix's planning reads its context features from the feature cache when an earlier run on the same data wrote them.</p>
</section>`;
}

function figureSection(c: Comparison): Html {
  const f = c.figure;
  const px = f.size * f.scale;
  const cols = f.columns.length;
  const cell = (file: string, now: string[], was: string[], label: string): Html => html`<div class="fig" style="width:${px}px;height:${px}px"><img src="${file}" width="${px}" height="${px}" alt="${label}"><svg class="outline" width="${px}" height="${px}" viewBox="0 0 ${f.size} ${f.size}">${was.map((d) => html`<path class="was" d="${d}"/>`)}${now.map((d) => html`<path class="now" d="${d}"/>`)}</svg></div>`;
  const rows = f.rows.map(
    (r, k) => html`<div class="rowhead">${k + 1}. ${r.image}, window at (${r.x0}, ${r.y0}), ${f.size} px; insertions of ${r.methods.join(', ')}</div>${r.cells.map((c2, j) => cell(c2.file, c2.now, c2.was, `${f.columns[j]}: ${r.image} at (${r.x0}, ${r.y0})`))}`,
  );
  return html`<section id="figure"><h2>Side by side</h2>
<p class="muted">The same windows of the input (left) and as each method left them, magnified ${f.scale}× (nearest neighbour): each row a window that as many methods as possible inserted into. Green: the new nuclei; red, dashed: the nuclei a method replaced.</p>
<div class="controls static"><label><input type="checkbox" id="outlines" checked> outlines</label></div>
${f.rows.length === 0 ? html`<p class="muted">No insertions to show.</p>` : html`<div class="fig-grid" style="grid-template-columns: repeat(${cols}, ${px}px)">${f.columns.map((h) => html`<div class="colhead">${h}</div>`)}${rows.map((r) => html`${r}`)}</div>`}
</section>`;
}

/** The comparison's whole page. */
export function comparePage(c: Comparison): Html {
  const rare = c.request.rareTypes.map((t) => `${className(c.classes, t)} (${t})`).join(', ');
  const title = `nucleimix compare: k = ${c.request.k} of ${rare}`;
  const body = html`<header>
<h1>${title}</h1>
<p class="lead">Every method on <code>${c.dataset.root}</code> (${c.dataset.format}) with the same request: rare ${rare}, k = ${c.request.k}, seed ${c.request.seed}, border margin ${c.request.borderMargin} px.</p>
<p class="links">Each method's own report: ${c.methods.map((m) => html`<a href="${m.dir}/report/index.html">${m.name}</a>`)}</p>
<nav class="toc"><a href="#counts">counts</a><a href="#realism">realism</a><a href="#times">times</a><a href="#figure">side by side</a></nav>
</header>
<section id="counts"><h2>Nuclei per type</h2>
<p class="muted">Counts after each method, with the change from the input in brackets (as Tables 1–2 of Wang &amp; Kwak 2024).</p>
${countsTable(c)}
</section>
${realismSection(c)}
${timesSection(c)}
${figureSection(c)}
<script>${raw(`(function () { var t = document.getElementById('outlines'); t.addEventListener('change', function () { document.body.classList.toggle('no-outlines', !t.checked); }); document.body.setAttribute('data-ready', 'true'); })();`)}</script>`;
  return page(title, REPORT_STYLE, body);
}
