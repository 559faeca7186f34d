import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { realismCommand } from '../../src/cli/realism.ts';
import { formatByName } from '../../src/io/formats.ts';
import { writeDataset } from '../../src/io/write.ts';
import { tempFolders } from '../helpers/temp.ts';
import { TYPE, badlyPasted, memory, tiles } from './synthetic.ts';

async function run(args: string[]): Promise<string> {
  const program = new Command('nucleimix').exitOverride();
  realismCommand(program);
  const lines: string[] = [];
  const log = console.log;
  console.log = (...xs: unknown[]) => void lines.push(xs.join(' '));
  try {
    await program.parseAsync(['node', 'nucleimix', 'realism', ...args]);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

describe('nucleimix realism', { timeout: 600_000 }, () => {
  const tmp = tempFolders('nucleimix-realism-cli-');

  it('reads the manifest, prints the table and writes the JSON', async () => {
    const original = tiles(1);
    const bad = badlyPasted(original, 40, 2);
    const root = await tmp.fresh();
    const orig = join(root, 'orig');
    const aug = join(root, 'aug');
    const consep = formatByName('consep')!;
    await writeDataset(orig, consep, original);
    await writeDataset(aug, consep, memory(bad.samples, original.classes), {
      extras: (dir) => writeFile(join(dir, 'manifest.json'), JSON.stringify({ insertions: bad.points.map((p) => ({ rareType: p.rareType, target: { image: p.image, x: p.x, y: p.y }, donor: p.donor })) })),
    });
    const out = join(root, 'r.json');
    const text = await run([orig, aug, '--seed', '2', '--json', out, '--quiet']);
    assert.match(text, /AUC \[95 % CI\]/);
    assert.match(text, /at the manifest's insertion points/);
    const json = JSON.parse(await readFile(out, 'utf8'));
    assert.equal(json.source, 'manifest');
    assert.equal(json.types.length, 1);
    assert.equal(json.type, TYPE);
    assert.equal(json.types[0].type, TYPE);
    assert.equal(json.n_inserted + json.n_missed, 40);
    assert.ok(json.auc > 0.95 && json.ci[0] <= json.auc && json.auc <= json.ci[1], JSON.stringify(json));
    for (const k of ['seam', 'context', 'null']) assert.equal(json[k].ci.length, 2);
  });

  it('names the problem when the datasets do not match', async () => {
    const root = await tmp.fresh();
    const consep = formatByName('consep')!;
    await writeDataset(join(root, 'a'), consep, tiles(1));
    const other = tiles(1);
    await writeDataset(join(root, 'b'), consep, memory(other.samples.slice(0, 3), other.classes));
    await assert.rejects(run([join(root, 'a'), join(root, 'b')]), /hold different images: only the original has synth_4, synth_5, synth_6/);
  });
});
