/**
 * What a report says about one insertion besides its pictures: the manifest record's numbers
 * (NucleiMix's candidate log-likelihood and draw probability, the donor's distance and
 * probability, its flips and rotation; the baselines' own fields) as label–value pairs.
 */
import { className, type ClassList } from '../core/classes.ts';
import type { InsertionBase } from '../augment/manifest.ts';

/** People's names for the manifest fields that have one; other fields show under their own names. */
const LABELS: Readonly<Record<string, string>> = {
  'target.logLikelihood': 'candidate log-likelihood',
  'target.probability': 'candidate draw probability',
  'donor.distance': 'donor context distance',
  'donor.probability': 'donor draw probability',
  'donor.rotation': 'rotation (°)',
  'donor.flipH': 'flipped horizontally',
  'donor.flipV': 'flipped vertically',
  'target.rect': 'pasted rectangle [x0, y0, x1, y1)',
  'donor.rect': 'donor rectangle [x0, y0, x1, y1)',
  offset: 'offset (dx, dy)',
};

/** Fields shown elsewhere on the card (where, what, the donor's and replaced nucleus's identity). */
const SHOWN = new Set(['index', 'rareType', 'target.image', 'target.kind', 'target.x', 'target.y', 'target.replacedId', 'target.replacedType', 'donor.image', 'donor.id', 'donor.type']);

function format(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(3);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return `[${value.map(format).join(', ')}]`;
  if (value !== null && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k} ${format(v)}`).join(', ');
  return String(value);
}

/** Every field of the record not shown elsewhere, `[label, value]`, in the record's order (nested objects one level deep). */
export function insertionDetails(ins: InsertionBase): [string, string][] {
  const out: [string, string][] = [];
  const visit = (obj: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [key, value] of Object.entries(obj)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      if (SHOWN.has(path)) continue;
      if (depth === 0 && value !== null && typeof value === 'object' && !Array.isArray(value) && (key === 'target' || key === 'donor')) visit(value as Record<string, unknown>, path, 1);
      else out.push([LABELS[path] ?? path, format(value)]);
    }
  };
  visit(ins as unknown as Record<string, unknown>, '', 0);
  return out;
}

/** "name (id)" for a type id. */
export function typeLabel(classes: ClassList, id: number): string {
  return `${className(classes, id)} (${id})`;
}
