import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { datasetFileHashes } from '../../src/io/file-hashes.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test('hashes every data file by relative path, following linked files and folders, leaving out what nucleimix writes', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'nucleimix-hashes-'));
  dirs.push(tmp);
  await mkdir(join(tmp, 'elsewhere'));
  await writeFile(join(tmp, 'elsewhere', 'a.png'), 'A');
  await mkdir(join(tmp, 'data', 'Labels'), { recursive: true });
  await writeFile(join(tmp, 'data', 'Labels', 'a.mat'), 'M');
  await writeFile(join(tmp, 'data', 'manifest.json'), '{}');
  await mkdir(join(tmp, 'data', 'cache'));
  await writeFile(join(tmp, 'data', 'cache', 'x'), 'X');
  await symlink(join(tmp, 'elsewhere'), join(tmp, 'data', 'Images'));
  await symlink(join(tmp, 'data'), join(tmp, 'data', 'Labels', 'loop')); // a link back up the tree
  assert.deepEqual(await datasetFileHashes(join(tmp, 'data')), { 'Images/a.png': sha('A'), 'Labels/a.mat': sha('M') });
});
