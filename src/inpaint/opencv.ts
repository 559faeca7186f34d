import { createRequire } from 'node:module';
import type { CV } from '@techstark/opencv-js';
import { NucleiMixError } from '../core/errors.ts';

/**
 * OpenCV's WebAssembly build (`@techstark/opencv-js`, pinned at 4.12.0-release.1 = OpenCV 4.12)
 * once initialised: the typed OpenCV API plus the Emscripten heap, which the package's typings
 * leave out of `CV`.
 */
export type OpenCV = CV & {
  /** The whole wasm heap; its length is the wasm memory size in bytes. Re-read after growth. */
  readonly HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
};

let loading: Promise<OpenCV> | undefined;

/**
 * Loads and initialises OpenCV once per process (per worker thread: each has its own copy,
 * with 128 MiB of wasm memory); later calls share the promise. The first call takes
 * 0.3–0.7 s on a 2-core machine: the 11 MB script embeds the wasm binary.
 *
 * The module is initialised by waiting for `onRuntimeInitialized`, never by awaiting it: the
 * module object is a thenable that never resolves in some builds, so `await` would hang.
 */
export function loadOpenCV(): Promise<OpenCV> {
  loading ??= initialise().catch((err: unknown) => {
    loading = undefined; // a later call may try again
    throw err;
  });
  return loading;
}

function initialise(): Promise<OpenCV> {
  const require = createRequire(import.meta.url);
  // Emscripten's Node glue installs process-wide handlers: `unhandledRejection` → abort() (which
  // kills the wasm runtime for every later call) and an `uncaughtException` handler that
  // re-throws. Neither belongs in a library, and they defeat node:test's error reporting, so
  // whatever the module adds is removed again right after it is evaluated.
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((e) => new Set(emitter.listeners(e)));
  let cv: OpenCV & { onRuntimeInitialized?: () => void };
  try {
    cv = require('@techstark/opencv-js') as typeof cv;
  } catch (err) {
    throw new NucleiMixError(`cannot load OpenCV (@techstark/opencv-js): ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    events.forEach((e, i) => {
      for (const l of emitter.listeners(e)) if (!before[i].has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
    });
  }
  return new Promise<OpenCV>((resolve, reject) => {
    const ready = (): void => {
      if (typeof cv.inpaint !== 'function' || typeof cv.Mat !== 'function') {
        reject(new NucleiMixError('this OpenCV build lacks cv.inpaint (photo module); reinstall @techstark/opencv-js 4.12.0-release.1'));
      } else {
        // The module object is a thenable (Emscripten's `Module.then`), so resolving a promise
        // with it, or awaiting it, adopts that `then`, which calls back with the module itself,
        // a thenable again, forever: the hang this loader exists to avoid. Removing it makes
        // the module a plain object that promises can carry.
        delete (cv as { then?: unknown }).then;
        resolve(cv);
      }
    };
    // Already initialised when someone else required and awaited the package first.
    if (typeof cv.Mat === 'function') {
      ready();
    } else {
      const previous = cv.onRuntimeInitialized;
      cv.onRuntimeInitialized = () => {
        previous?.();
        ready();
      };
    }
  });
}

