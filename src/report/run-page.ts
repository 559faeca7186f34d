/**
 * The run report's page: static sections made here (summary, counts, realism, parameters,
 * times), the gallery and thumbnails made in the browser by {@link RUN_SCRIPT} from one JSON
 * data block.
 */
import { className } from '../core/classes.ts';
import { countChangeRows } from '../augment/stats.ts';
import { countChart, intervalChart, type IntervalRow } from './charts.ts';
import { html, jsonForScript, num, page, raw, type Html } from './html.ts';
import { RUN_SCRIPT } from './page-script.ts';
import { REPORT_STYLE } from './page-style.ts';
import type { RealismRecord } from './realism-record.ts';
import type { RunReportData, RunReportInput } from './run-data.ts';

function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function keyValueRows(obj: Record<string, unknown>): Html[] {
  return Object.entries(obj).map(([k, v]) => html`<tr><th>${k}</th><td><code>${value(v)}</code></td></tr>`);
}

/** The count table (Tables 1–2 of the paper: type, name, before, after, change) and its chart. */
export function countsSection(input: Pick<RunReportInput, 'stats'>): Html {
  const rows = countChangeRows(input.stats);
  const bars = rows.slice(0, -1).map((r) => ({ label: `${r[1]} (${r[0]})`, before: Number(r[2]), after: Number(r[3]) }));
  return html`<section id="counts"><h2>Nuclei per type</h2>
${countChart(bars)}
<table class="counts"><thead><tr><th>type</th><th>name</th><th class="n">before</th><th class="n">after</th><th class="n">change</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${r[0]}</td><td>${r[1]}</td><td class="n">${r[2].toLocaleString('en-US')}</td><td class="n">${r[3].toLocaleString('en-US')}</td><td class="n">${r[4]}</td></tr>`)}</tbody></table>
</section>`;
}

function estimate(e: { auc: number | null; ci: [number | null, number | null] }): string {
  return `${num(e.auc)} [${num(e.ci[0])}, ${num(e.ci[1])}]`;
}

/** Rows of the realism table and chart, one type at a time. */
export function realismRows(r: RealismRecord, run?: string): { table: Html[]; chart: IntervalRow[] } {
  const prefix = run === undefined ? '' : `${run}: `;
  const who = (t: { name: string }): string => (run === undefined ? `${t.name}: inserted vs real` : r.types.length > 1 ? `${run}, ${t.name}` : run);
  const table = r.types.map(
    (t) => html`<tr><td>${prefix}${t.name} (${t.type})</td><td class="n">${estimate({ auc: t.auc, ci: t.ci })}</td><td class="n">${estimate(t.seam)}</td><td class="n">${estimate(t.context)}</td><td class="n">${estimate(t.null)}</td><td class="n">${t.n_inserted_used ?? t.n_inserted}${t.n_inserted_used !== undefined && t.n_inserted_used !== t.n_inserted ? ` of ${t.n_inserted}` : ''}</td><td class="n">${t.n_real_used ?? t.n_real}${t.n_real_used !== undefined && t.n_real_used !== t.n_real ? ` of ${t.n_real}` : ''}</td></tr>`,
  );
  const chart: IntervalRow[] = r.types.flatMap((t) => [
    { label: who(t), value: t.auc, lo: t.ci[0], hi: t.ci[1] },
    { label: `${run === undefined ? t.name : who(t)}: null (real vs real)`, value: t.null.auc, lo: t.null.ci[0], hi: t.null.ci[1], muted: true },
  ]);
  return { table, chart };
}

export const REALISM_HEAD = html`<thead><tr><th>type</th><th class="n">AUC [95 % CI]</th><th class="n">seam (+1..+3 px)</th><th class="n">context (+4..+8 px)</th><th class="n">null (real vs real)</th><th class="n">inserted</th><th class="n">real</th></tr></thead>`;

export const REALISM_NOTE = html`<p class="muted">A random forest tells inserted nuclei from the original's real ones of the same type by statistics in thin rings around their boundary (colour, gradient, Laplacian; the interior left out), under 5-fold cross-validation repeated 5 times, with a bootstrap 95 % interval. 0.5: indistinguishable; 1: every insertion detectable. The null is the same test on two random halves of the real nuclei and should be about 0.5.</p>`;

function realismSection(r: RealismRecord | undefined): Html {
  if (r === undefined) {
    return html`<section id="realism"><h2>Realism</h2><p class="muted">Not measured. Run <code>nucleimix realism &lt;original&gt; &lt;augmented&gt; --json &lt;augmented&gt;/realism.json</code>, then <code>nucleimix report &lt;augmented&gt;</code>.</p></section>`;
  }
  const { table, chart } = realismRows(r);
  const skipped = (r.skipped ?? []).map((k) => `${k.name} (${k.type}): ${k.n_inserted}`).join(', ');
  return html`<section id="realism"><h2>Realism</h2>
${REALISM_NOTE}
<table class="realism">${REALISM_HEAD}<tbody>${table}</tbody></table>
${intervalChart(chart)}
${skipped !== '' ? html`<p class="muted">Too few inserted nuclei to test: ${skipped}.</p>` : ''}
<p class="muted">Inserted nuclei found ${r.source === 'labels' ? 'by comparing labels with the original' : "at the manifest's insertion points"}; seed ${value(r.seed)}.</p>
</section>`;
}

/** A table of seconds per phase, and the total. */
export function timesTable(timings: Record<string, number>): Html {
  const total = Object.values(timings).reduce((a, b) => a + b, 0);
  return html`<table class="times"><thead><tr><th>phase</th><th class="n">seconds</th></tr></thead><tbody>
${Object.entries(timings).map(([k, v]) => html`<tr><td>${k}</td><td class="n">${v.toFixed(1)}</td></tr>`)}
<tr><th>total</th><th class="n">${total.toFixed(1)}</th></tr></tbody></table>`;
}

function parametersSection(input: RunReportInput): Html {
  const { manifest, stats } = input;
  const classes = stats.classes;
  const byType = (rec: Record<number, number>): string => Object.entries(rec).map(([t, n]) => `${className(classes, Number(t))} (${t}): ${n}`).join(', ') || 'none';
  const general: [string, string][] = [
    ['method', manifest.method],
    ['dataset', `${input.source ?? manifest.dataset.root} (${manifest.dataset.format}, ${Object.keys(manifest.inputs).length} files, SHA-256 in manifest.json)`],
    ['seed', String(manifest.seed)],
    ['k (new nuclei per rare type)', String(manifest.k)],
    ['rare types', manifest.rareTypes.map((t) => `${className(classes, t)} (${t})`).join(', ')],
    ['inpainting engine', manifest.engine === null ? 'none (the method does not inpaint)' : `${manifest.engine.name} ${JSON.stringify(manifest.engine.settings)}`],
    ['inserted', byType(stats.inserted)],
    ['targets by kind', Object.entries(stats.targets).map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'],
    ['nuclei replaced', byType(stats.replaced)],
    ['neighbours covered completely', byType(stats.vanished)],
    ['instances cut by edits (kept largest piece)', `${stats.trimmed.instances} (${stats.trimmed.pixels} px cleared)`],
    ['images edited', String(stats.imagesEdited)],
  ];
  // stats.json's extra holds the manifest's planning numbers and the method's own.
  const figures = { ...manifest.planning, ...stats.extra };
  return html`<section id="run"><h2>Run</h2>
<table class="params"><tbody>${general.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>
<h3>Options</h3>
<table class="options"><tbody>${keyValueRows(manifest.options)}</tbody></table>
${Object.keys(figures).length > 0 ? html`<h3>Planning and the method's figures</h3><table class="planning"><tbody>${keyValueRows(figures)}</tbody></table>` : ''}
<h3>Times</h3>
${input.timings !== undefined ? timesTable(input.timings) : html`<p class="muted">Not recorded for this run.</p>`}
</section>`;
}

/** The whole page of a run report. */
export function runPage(input: RunReportInput, data: RunReportData): Html {
  const { manifest, stats } = input;
  const classes = stats.classes;
  const inserted = data.items.length;
  const types = [...new Set(data.items.map((it) => it.type))].sort((a, b) => a - b);
  const title = `nucleimix report: ${manifest.method}, k = ${manifest.k}`;
  const body = html`<header>
<h1>${title}</h1>
<p class="lead">${inserted} ${inserted === 1 ? 'insertion' : 'insertions'} of ${manifest.rareTypes.map((t) => `${className(classes, t)} (${t})`).join(', ')} into ${data.images.length} of the images of <code>${input.source ?? manifest.dataset.root}</code> (${manifest.dataset.format}), seed ${manifest.seed}.</p>
${input.links !== undefined && input.links.length > 0 ? html`<p class="links">${input.links.map((l) => html`<a href="${l.href}">${l.label}</a>`)}</p>` : ''}
<nav class="toc"><a href="#counts">counts</a><a href="#realism">realism</a><a href="#run">run</a><a href="#images">images</a><a href="#gallery">gallery</a></nav>
</header>
${countsSection(input)}
${realismSection(input.realism)}
${parametersSection(input)}
<section id="images"><h2>Images</h2>
<p class="muted">Each edited image of the output, reduced; a circle marks each insertion and leads to it in the gallery.</p>
<div class="pager" id="thumb-pager"></div>
<div class="thumbs" id="thumbs"></div>
</section>
<section id="gallery"><h2>Gallery</h2>
<p class="muted">Every insertion: the window around it before (left) and after (right), magnified 4× (nearest neighbour).</p>
<div class="controls">
<label><input type="checkbox" id="outlines" checked> outlines</label>
<label>type <select id="type-filter"><option value="">all</option>${types.map((t) => html`<option value="${t}">${className(classes, t)} (${t})</option>`)}</select></label>
<span class="legend"><span><i style="border-color:#00c853"></i>new nucleus (dashed on the left: where it goes)</span>${manifest.insertions.some((ins) => ins.target.replacedId !== undefined) ? html`<span><i style="border-color:#ff1744;border-top-style:dashed"></i>replaced nucleus</span>` : ''}${manifest.insertions.some((ins) => 'rect' in ins.target) ? html`<span><i style="border-color:#ffd600;border-top-style:dashed"></i>pasted rectangle</span>` : ''}</span>
<div class="pager" id="gallery-pager"></div>
</div>
<div class="cards" id="cards"></div>
<noscript><p>The gallery and the thumbnails are drawn by the page's script; the crops themselves are in <code>crops/</code>.</p></noscript>
</section>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${raw(RUN_SCRIPT)}</script>`;
  return page(title, REPORT_STYLE, body);
}

