/**
 * HTML by hand, escaped by default: the `html` tagged template escapes every interpolated
 * value unless it is already {@link Html} (made by `html` itself or {@link raw}). The reports
 * hold names taken from datasets and manifests (image names, class names, options), so no
 * value reaches the page unescaped. No templating library: the pages are a few static
 * sections and one data block, and a dependency would add nothing a 40-line escaper does not.
 */

/** A fragment of markup that is already safe to place in a page. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks `text` as markup, unescaped: only for strings this module's callers built from escaped parts. */
export function raw(text: string): Html {
  return new Html(text);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text escaped for an HTML text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return esc(part);
}

/**
 * Tagged template: `html\`<td>${name}</td>\`` escapes `name`; arrays are joined, `null`,
 * `undefined` and `false` vanish, {@link Html} values pass through.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the line separators
 * U+2028/9 as \u escapes, so no value can close the script element or start a comment.
 */
export function jsonForScript(value: unknown): Html {
  return new Html(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

/** A number for people: fixed decimals, or an em dash for NaN and absent values. */
export function num(value: number | undefined | null, digits = 3): string {
  return value === undefined || value === null || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/**
 * The content security policy every report sets: nothing may be fetched but the report's own
 * files and data: URIs, so a report cannot reach the network even if a value slipped through.
 */
export const REPORT_CSP = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

/** A whole page: doctype, charset, the CSP, the title, a style sheet, the body. */
export function page(title: string, style: string, body: Html): Html {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${raw(REPORT_CSP)}">
<meta name="generator" content="nucleimix report">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(style)}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
