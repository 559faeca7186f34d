/**
 * The layering the project's guide sets: core → io → features, inpaint, metrics, realism, synth
 * → sampling → augment → report → cluster → cli, and `src/index.ts` above them all. A module imports only from
 * its own layer or lower ones, and no chain of imports comes back to where it started.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const LAYER: Record<string, number> = { core: 0, io: 1, features: 2, inpaint: 2, metrics: 2, realism: 2, synth: 2, sampling: 3, augment: 4, report: 4.5, cluster: 4.7, cli: 5 };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Relative imports of a file (static, re-exports and literal dynamic imports), as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s));
}

const layerOf = (file: string): number => {
  const rel = relative(SRC, file).split('/');
  return rel.length === 1 ? 6 : LAYER[rel[0]];
};

test('no module imports from a higher layer', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    assert.notEqual(layerOf(f), undefined, `${relative(SRC, f)}: a folder the layering does not name`);
    for (const dep of importsOf(f)) if (layerOf(dep) > layerOf(f)) bad.push(`${relative(SRC, f)} → ${relative(SRC, dep)}`);
  }
  assert.deepEqual(bad, []);
});

test('there is no import cycle', () => {
  const graph = new Map(files(SRC).map((f) => [f, importsOf(f)]));
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
      else if (state.get(d) === undefined && graph.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (state.get(f) === undefined) visit(f);
  assert.deepEqual(cycles, []);
});
