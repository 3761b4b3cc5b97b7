/**
 * Starting a worker thread from a module next to the caller, whether kubecomply runs built (dist/*.js)
 * or from source through tsx (src/*.ts, as the tests do). Node cannot load a .ts file as a worker's
 * entry point, and a worker does not inherit the tsx loader hooks of the thread that started it, so
 * from source the worker is an eval'd bootstrap that imports the entry through tsx's tsImport (which
 * registers tsx for that thread only).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `entry` is the built module's URL (…/name.js); its .ts source is used when the .js does not exist. */
export function startWorker(entry: URL, options: WorkerOptions = {}): Worker {
  const file = fileURLToPath(entry);
  if (existsSync(file) || !file.endsWith('.js')) return new Worker(entry, options);
  const source = file.slice(0, -3) + '.ts';
  if (!existsSync(source)) return new Worker(entry, options); // fails with Node's own "cannot find module" error
  const target = new URL(entry.href.slice(0, -3) + '.ts').href;
  const bootstrap = `import('tsx/esm/api').then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)})).catch((e) => { throw e; });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
