import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { tempFolders } from '../helpers/temp.ts';
import { reportData, sampleDataset } from './fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/nucleimix.js', import.meta.url));

describe('nucleimix augment, report and compare on the command line', { timeout: 900_000 }, () => {
  const tmp = tempFolders('nucleimix-report-cli-');
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.root(), env: { ...process.env, NUCLEIMIX_CACHE: join(tmp.root(), 'cache') } });

  it('augment writes report/ unless --no-report; report rewrites it; errors name the file', async () => {
    await sampleDataset(join(tmp.root(), 'input'));
    const a = run('augment', 'input', '--rare', '2', '--k', '4', '--method', 'copypaste', '--margin', '20', '--out', 'with', '-q');
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /wrote with: the augmented dataset \(consep, copypaste\), manifest\.json, stats\.json, preview\/, report\/index\.html/);
    assert.deepEqual((await readdir(join(tmp.root(), 'with', 'report'))).sort(), ['crops', 'index.html', 'thumbs', 'timings.json']);
    const b = run('augment', 'input', '--rare', '2', '--k', '4', '--method', 'copypaste', '--margin', '20', '--out', 'without', '--no-report', '-q');
    assert.equal(b.status, 0, b.stderr);
    await assert.rejects(stat(join(tmp.root(), 'without', 'report')));
    const r = run('report', 'without', '-q');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote without\/report\/index\.html: 4 insertions in \d images$/m);
    assert.equal((await reportData(join(tmp.root(), 'without', 'report', 'index.html'))).items.length, 4);
    const bad = run('report', 'input');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^nucleimix: input\/manifest\.json: cannot read the manifest/m);
  });

  it('compare runs the methods it is given and prints the tables', () => {
    const c = run('compare', 'input', '--rare', '2', '--k', '10', '--margin', '20', '--methods', 'copypaste', '--no-control', '--out', 'cmp', '-q');
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^2 inflammatory\s+\d+\s+\d+ \(\+10\)$/m);
    assert.match(c.stdout, /^copypaste\s+2 inflammatory\s+\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]/m);
    assert.doesNotMatch(c.stdout, /unblended-paste/);
    assert.match(c.stdout, /wrote cmp\/index\.html/);
    const bad = run('compare', 'input', '--rare', '2', '--k', '3', '--methods', 'mixup', '--out', 'never');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--methods: expected 'all' or names from nucleimix, cutmix, copypaste, gradmix, insmix, got 'mixup'/);
  });
});
