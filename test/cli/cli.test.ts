import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));
let tmp: string;

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, NUCLEIMIX_CACHE: join(tmp, 'cache') } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'nucleimix-cli-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

test('synth then info: the count table matches what was generated', async () => {
  const s = run('synth', '--out', 'sample', '--images', '2', '--seed', '4', '--size', '192x160');
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /wrote 2 images \(192×160, seed 4\) in consep format/);
  assert.deepEqual((await readdir(join(tmp, 'sample'))).sort(), ['Images', 'Labels', 'classes.json']);
  const i = run('info', 'sample', '--json');
  assert.equal(i.status, 0, i.stderr);
  const info = JSON.parse(i.stdout);
  assert.equal(info.format, 'consep');
  assert.deepEqual(info.images.map((im: { width: number; height: number }) => [im.width, im.height]), [[192, 160], [192, 160]]);
  const table = run('info', 'sample');
  assert.equal(table.status, 0);
  for (const c of info.classes) assert.match(table.stdout, new RegExp(`${c.id}\\s+${c.name}\\s+${info.counts[c.id].toLocaleString('en-US')}\\s`));
  assert.match(table.stdout, new RegExp(`nuclei\\s+${info.total}`));
});

test('convert writes another format that reads back with the same counts', () => {
  assert.equal(run('synth', '--out', 'conv-in', '--images', '1', '--size', '160').status, 0);
  const c = run('convert', 'conv-in', '--to', 'pannuke', '--out', 'conv-out');
  assert.equal(c.status, 0, c.stderr);
  const a = JSON.parse(run('info', 'conv-in', '--json').stdout);
  const b = JSON.parse(run('info', 'conv-out', '--json').stdout);
  assert.equal(b.format, 'pannuke');
  assert.equal(b.total, a.total);
});

test('errors: exit code 1 and one line naming the file and the problem', () => {
  const missing = run('info', 'no-such-folder');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  assert.match(missing.stderr, /^nucleimix: no-such-folder: no such file or folder$/m);
  const bad = run('synth', '--out', 'x', '--images', 'many');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--images.*expected a positive integer/);
  const unknown = run('frobnicate');
  assert.equal(unknown.status, 1);
});

test('--help is there for the program and every command', () => {
  const top = run('--help');
  assert.equal(top.status, 0);
  for (const cmd of ['info', 'synth', 'convert', 'eval', 'demo']) {
    assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
    const h = run(cmd, '--help');
    assert.equal(h.status, 0, `${cmd} --help`);
    assert.match(h.stdout, new RegExp(`Usage: nucleimix ${cmd}`));
  }
});

test('plan then render gives the same dataset as augment; render --images renders a part', async () => {
  assert.equal(run('synth', '--out', 'pr-in', '--images', '2', '--size', '320', '--seed', '5').status, 0);
  const p = run('plan', 'pr-in', '--rare', '1', '--k', '3', '--seed', '2', '--workers', '0', '--manifest', 'plan.json');
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /planned 3 nucleimix insertions/);
  const r = run('render', 'pr-in', '--manifest', 'plan.json', '--out', 'pr-render');
  assert.equal(r.status, 0, r.stderr);
  const a = run('augment', 'pr-in', '--rare', '1', '--k', '3', '--seed', '2', '--workers', '0', '--out', 'pr-augment');
  assert.equal(a.status, 0, a.stderr);
  // Every file, byte for byte: dataset, manifest, stats, previews.
  for (const sub of ['Images', 'Labels', 'preview', '.']) {
    for (const f of await readdir(join(tmp, 'pr-augment', sub), { withFileTypes: true })) {
      if (f.isDirectory()) continue;
      const x = await readFile(join(tmp, 'pr-render', sub, f.name));
      assert.ok(x.equals(await readFile(join(tmp, 'pr-augment', sub, f.name))), `${sub}/${f.name}`);
    }
  }
  const part = run('render', 'pr-in', '--manifest', 'plan.json', '--out', 'pr-part', '--images', 'synth_2');
  assert.equal(part.status, 0, part.stderr);
  assert.deepEqual(await readdir(join(tmp, 'pr-part', 'Images')), ['synth_2.png']);
  assert.ok((await readFile(join(tmp, 'pr-part', 'Images', 'synth_2.png'))).equals(await readFile(join(tmp, 'pr-augment', 'Images', 'synth_2.png'))));
});

test('types by class name wherever types are taken; --protect; synth --help shows its default as typed', async () => {
  assert.match(run('synth', '--help').stdout, /--size <WxH>\s+image size in pixels \(default: 512x512\)/);
  assert.equal(run('synth', '--out', 'names-in', '--images', '2', '--size', '256', '--seed', '7').status, 0);
  const p = run('plan', 'names-in', '--rare', 'Other', '--protect', 'inflammatory', '--k', '2', '--workers', '0', '--manifest', 'names.json');
  assert.equal(p.status, 0, p.stderr);
  const m = JSON.parse(await readFile(join(tmp, 'names.json'), 'utf8'));
  assert.deepEqual(m.rareTypes, [1]);
  assert.deepEqual(m.options.protectTypes, [2]);
  assert.ok(m.insertions.every((ins: { target: { replacedType?: number } }) => ins.target.replacedType !== 2));
  const bad = run('plan', 'names-in', '--rare', 'others', '--k', '2', '--manifest', 'bad.json');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--rare: no class is named 'others' \(classes: 1 other, 2 inflammatory, 3 epithelial, 4 spindle\)/);
  const cut = run('plan', 'names-in', '--rare', '1', '--k', '2', '--method', 'cutmix', '--protect', '2', '--manifest', 'cut.json');
  assert.equal(cut.status, 1);
  assert.match(cut.stderr, /--protect applies to methods that replace nuclei/);
  const realism = run('realism', 'names-in', 'names-in', '--type', 'Nosuch');
  assert.equal(realism.status, 1);
  assert.match(realism.stderr, /--type: no class is named 'Nosuch' \(classes: 1 other/);
});
