import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FUZZ_READERS, fuzzReader, type FuzzResult } from './fuzz-readers.ts';
import { tempFolders } from '../helpers/temp.ts';

// A few hundred seeded mutants per reader, each read through openDataset (see
// fuzz-readers.ts for the outcomes). Durations are never asserted: the timeout only guards
// against a hang, generously; bench/fuzz.ts prints the times and runs many more mutants.
const MUTANTS = 200;
const temp = tempFolders('nucleimix-fuzz-');

describe('readers under fuzzing: every mutant reads consistently or is refused naming its file', () => {
  const results = new Map<string, FuzzResult>();
  for (const reader of FUZZ_READERS) {
    it(`${reader.name}: ${MUTANTS} mutants`, { timeout: 600_000 }, async () => {
      const r = await fuzzReader(reader, MUTANTS, 20261202, temp.root());
      results.set(reader.name, r);
      assert.deepEqual(r.problems, [], `${reader.name}: ${JSON.stringify(r.counts)}`);
      assert.equal(r.counts.inconsistent + r.counts.crashed, 0);
      // The mutants are neither all harmless nor all fatal.
      assert.ok(r.counts.refused >= MUTANTS / 10, `${reader.name}: ${JSON.stringify(r.counts)}`);
      if (reader.name !== 'png') assert.ok(r.counts.read + r.counts.warned > 0, `${reader.name}: ${JSON.stringify(r.counts)}`);
      if (reader.name.startsWith('mat')) {
        // Value-level mutants (disagreeing type_map, bad centroids) read after a warning.
        assert.ok(r.counts.warned >= MUTANTS / 10, `${reader.name}: ${JSON.stringify(r.counts)}`);
      }
      if (reader.name === 'mat v7.3') {
        // HDF5's errors inside a variable say which variable.
        assert.ok(r.messages.some((m) => /variable '\w+': corrupt or unreadable MAT v7\.3/.test(m)), 'no v7.3 error named its variable');
      }
    });
  }
});
