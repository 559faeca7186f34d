import type { Sample, SampleSource } from './dataset.ts';

/** Samples whose files are being written at once (each holds its decoded pixels until written). */
export const WRITES_IN_FLIGHT = 2;

/**
 * Reads every sample of `source` in order and hands each to `write` with its name, letting up to
 * {@link WRITES_IN_FLIGHT} writes run while the next sample is read: encoding (PNG on sharp's
 * threads, deflate on libuv's) then runs beside the main thread's work of producing the next
 * sample (an augmented one is rendered when read) instead of after it. Files come out the
 * same; only their writing overlaps.
 *
 * Fails with the first error, of a read or a write, once no write is running any more: a
 * caller that removes the folder on failure never races a write into it.
 */
export async function writeEachSample(source: SampleSource, write: (sample: Sample, name: string) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const settle = async (): Promise<void> => {
    await Promise.all(running);
    if (failure !== undefined) throw failure.error;
  };
  try {
    for (const name of source.names) {
      while (running.size >= WRITES_IN_FLIGHT) await Promise.race(running);
      if (failure !== undefined) break;
      const sample = await source.read(name);
      const p: Promise<void> = write(sample, name)
        .catch((error: unknown) => void (failure ??= { error }))
        .finally(() => running.delete(p));
      running.add(p);
    }
  } catch (error) {
    failure ??= { error };
  }
  await settle();
}
