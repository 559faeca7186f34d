/**
 * The one error type nucleimix throws for problems a user can fix: bad input files, bad
 * options. The CLI prints `message` on one line and exits non-zero; anything else escaping
 * is a bug in nucleimix and gets a stack trace.
 */
export class NucleiMixError extends Error {
  /** The file (or folder) the problem is in, when there is one. */
  readonly file: string | undefined;

  constructor(problem: string, file?: string) {
    super(file === undefined ? problem : `${file}: ${problem}`);
    this.name = 'NucleiMixError';
    this.file = file;
  }
}

/** Throws a NucleiMixError naming `file` unless `condition` holds. */
export function check(condition: unknown, file: string | undefined, problem: string): asserts condition {
  if (!condition) throw new NucleiMixError(problem, file);
}

/**
 * Runs `fn` and re-throws any non-NucleiMix error (a RangeError from a truncated buffer, a
 * zlib error, a parser's exception) as a NucleiMixError naming `file`, so that corrupt input
 * never surfaces as a stack trace from deep inside a decoder.
 */
export async function naming<T>(file: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asNucleiMixError(err, file);
  }
}

/** Synchronous twin of {@link naming}. */
export function namingSync<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asNucleiMixError(err, file);
  }
}

function asNucleiMixError(err: unknown, file: string): NucleiMixError {
  if (err instanceof NucleiMixError) {
    return err.file === undefined ? new NucleiMixError(err.message, file) : err;
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new NucleiMixError(`corrupt or unreadable (${detail})`, file);
}

/**
 * The one phrasing of a bad value (after sharp's `invalidParameterError`): `what: expected
 * EXPECTED, got ACTUAL`, with ACTUAL as JSON so strings, numbers and lists read unambiguously.
 */
export function expectedError(what: string, expected: string, actual: unknown): NucleiMixError {
  const shown = actual === undefined ? 'nothing' : typeof actual === 'number' && !Number.isFinite(actual) ? String(actual) : JSON.stringify(actual);
  return new NucleiMixError(`${what}: expected ${expected}, got ${shown}`);
}
