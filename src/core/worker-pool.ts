import { Worker } from 'node:worker_threads';

/**
 * Runs `tasks` on `size` worker threads started from `script` (each gets `workerData`), one
 * task per worker at a time, and returns the results in task order whatever order they
 * finish in — so parallel runs stay deterministic. A worker answers each task message with
 * `{ index, result }` or `{ index, error }`.
 *
 * Workers run TypeScript through tsx, registered in each thread by `ts-worker.mjs`: neither
 * the CLI's in-process registration nor `--import` reaches worker threads on Node 20.
 */
export async function runPool<T, R>(script: URL, workerData: unknown, tasks: readonly T[], size: number, onResult?: (index: number) => void): Promise<R[]> {
  const results = new Array<R>(tasks.length);
  if (tasks.length === 0) return results;
  const entry = new URL('./ts-worker.mjs', import.meta.url);
  const data = { ...(workerData as object), __module: script.href };
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
              onResult?.(msg.index);
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
