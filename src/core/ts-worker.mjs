// Entry point of every worker thread: registers tsx's loader in this thread (worker threads do
// not inherit the CLI's in-process registration), then runs the TypeScript worker module
// named in workerData.__module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__module);
