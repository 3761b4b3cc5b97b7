/**
 * A pool of scan workers (worker.ts) that the loader hands batches of documents to once an input is
 * large, so parsing and per-resource checks use every core. If a worker fails, its batches — and all
 * later ones — are parsed on the main thread and checked there by the engine: nothing is lost.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchProcessor, ProcessedOutcome } from '../sources/loader.js';
import { parseYamlDocument } from '../sources/yaml.js';
import type { HandlerInit } from './batch.js';
import type { BatchRequest, BatchResponse } from './worker.js';

function workerUrl(): URL {
  // Under tsx (tests) this module is .ts and so is its worker; built, both are .js.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./worker${ext}`, import.meta.url);
}

/** Worker count: KUBECOMPLY_WORKERS if set (0 disables), else one per core beyond the main thread's. */
export function defaultWorkerCount(): number {
  const env = process.env.KUBECOMPLY_WORKERS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env)) && Number(env) >= 0) return Number(env);
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export class ScanPool implements BatchProcessor {
  readonly share: number;
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, { resolve: (o: ProcessedOutcome[]) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 1;
  private failed: Error | undefined;

  constructor(size: number, private readonly init: HandlerInit) {
    this.share = size;
    for (let i = 0; i < size; i++) {
      // A larger young generation: parsing allocates many short-lived strings.
      const w = new Worker(workerUrl(), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
      w.unref();
      w.on('message', (res: BatchResponse) => this.receive(res));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`scan worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.load.push(0);
    }
  }

  process(file: string, docs: BatchRequest['docs']): Promise<ProcessedOutcome[]> {
    const here = (): ProcessedOutcome[] => docs.map((d) => parseYamlDocument(d.text, file));
    if (this.failed) return Promise.resolve(here());
    const id = this.nextId++;
    let w = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i] < this.load[w]) w = i;
    this.load[w]++;
    return new Promise<ProcessedOutcome[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      const req: BatchRequest = { id, filename: file, docs };
      this.workers[w].postMessage(req);
    }).catch(here);
  }

  private receive(res: BatchResponse): void {
    const entry = this.pending.get(res.id);
    if (!entry) return;
    this.pending.delete(res.id);
    this.load[entry.worker]--;
    const values = JSON.parse(res.json) as unknown[];
    let k = 0;
    entry.resolve(
      res.results.map((r): ProcessedOutcome => {
        if (!r.ok) return { ok: false, error: r.error };
        if (r.precomputed) for (const [, pre] of r.precomputed) (pre as { controls: readonly string[] }).controls = this.intern(pre.controls);
        return { ok: true, warnings: r.warnings, value: r.json ? values[k++] : r.value, precomputed: new Map(r.precomputed) };
      }),
    );
  }

  /** One array per distinct list of control ids: the engine caches its lookup Set by array identity. */
  private readonly lists = new Map<string, readonly string[]>();

  private intern(ids: readonly string[]): readonly string[] {
    // The full list of offloaded controls (nothing failed) is the common case: recognised by its length,
    // since any other list a worker sends is a strict subset of it.
    if (ids.length === this.init.controls.length) return this.init.controls;
    const key = ids.join(',');
    const have = this.lists.get(key);
    if (have !== undefined) return have;
    this.lists.set(key, ids);
    return ids;
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
