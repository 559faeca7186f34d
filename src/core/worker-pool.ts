import { Worker } from 'node:worker_threads';

/**
 * Runs `tasks` on `size` worker threads started from `script` (each gets `workerData`), one
 * task per worker at a time, and returns the results in task order whatever order they
 * finish in — so parallel runs stay deterministic. A worker answers each task message with
 * `{ index, result }` or `{ index, error }`.
 *
 * Workers run TypeScript through tsx, registered in each thread by `ts-worker.mjs`: neither
 * the CLI's in-process registration nor `--import` reaches worker threads on Node 20. When
 * this module runs compiled (dist/, `npm run build`), workers run the compiled script instead.
 */
export async function runPool<T, R>(script: URL, workerData: unknown, tasks: readonly T[], size: number, onResult?: (index: number, result: R) => void): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  if (tasks.length === 0) return results;
  const { entry, module } = workerEntry(script);
  const data = { ...(workerData as object), __module: module.href };
  const workers = Array.from({ length: Math.max(1, Math.min(size, tasks.length)) }, () => new Worker(entry, { workerData: data }));
  let next = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= tasks.length) return resolve();
              const index = next++;
              worker.postMessage({ index, task: tasks[index] });
            };
            worker.on('message', (msg: { index: number; result?: R; error?: { message: string; name: string; file?: string } }) => {
              if (msg.error) {
                const err = new Error(msg.error.message);
                err.name = msg.error.name;
                Object.assign(err, { file: msg.error.file, fromWorker: true });
                return reject(err);
              }
              results[msg.index] = msg.result as R;
              onResult?.(msg.index, msg.result as R);
              feed();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (next < tasks.length || code !== 0) reject(new Error(`worker stopped with exit code ${code}`));
            });
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/**
 * How a worker starts `script` (a `.ts` module URL, as callers name it next to their source).
 * From source (tsx): through `ts-worker.mjs`, which registers tsx in the thread first. Compiled
 * (this file is `worker-pool.js` in dist/, where tsc put every `.ts` as `.js`): the compiled
 * script itself, with no loader — so compiled runs need neither tsx nor its compile time.
 */
export function workerEntry(script: URL, self: string = import.meta.url): { entry: URL; module: URL } {
  if (self.endsWith('.js') && script.pathname.endsWith('.ts')) {
    const compiled = new URL(script.href.replace(/\.ts$/, '.js'));
    return { entry: compiled, module: compiled };
  }
  return { entry: new URL('./ts-worker.mjs', self), module: script };
}
