import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOpenCV } from '../../src/inpaint/opencv.ts';

test('loadOpenCV initialises once, leaves no process handlers, and is awaitable', { timeout: 60_000 }, async (t) => {
  const handlers = (): number[] => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
  const before = handlers();
  const t0 = performance.now();
  const first = loadOpenCV();
  const second = loadOpenCV();
  assert.equal(first, second, 'one promise per process');
  const cv = await first; // resolving must not hang on the module's own `then`
  t.diagnostic(`OpenCV wasm load + init: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(await loadOpenCV(), cv);
  assert.deepEqual(handlers(), before, "Emscripten's uncaughtException/unhandledRejection handlers were removed");
  assert.equal('then' in cv, false);

  // The photo module is in this build, and the build is the pinned 4.12.
  assert.equal(typeof cv.inpaint, 'function');
  assert.equal(typeof cv.INPAINT_TELEA, 'number');
  assert.equal(typeof cv.INPAINT_NS, 'number');
  assert.notEqual(cv.INPAINT_TELEA, cv.INPAINT_NS);
  assert.match(cv.getBuildInformation(), /General configuration for OpenCV 4\.12\./);
});
