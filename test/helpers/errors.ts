import assert from 'node:assert/strict';
import { NucleiMixError } from '../../src/core/errors.ts';

/** Asserts that `p` rejects with a NucleiMixError whose message matches `pattern`. */
export async function rejectsNucleiMix(p: Promise<unknown>, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof NucleiMixError, `expected NucleiMixError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  });
}
