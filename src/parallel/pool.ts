/**
 * A pool of scan workers (worker.ts) that the loader hands batches of documents to once an input is
 * large, so parsing and per-resource checks use every core; the main thread takes the batches no
 * worker has started whenever it would otherwise wait. If a worker fails, its batches — and all later
 * ones — are processed on the main thread the same way: nothing is lost, nothing changes.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/worker.js';
import type { BatchProcessor, ProcessedOutcome } from '../sources/loader.js';
import { parseYamlDocument } from '../sources/yaml.js';
import { createDocumentHandler, offloadedIds, type HandlerInit } from './batch.js';
import type { BatchRequest, BatchResponse } from './worker.js';

/** A scan worker: worker.js when built, worker.ts through tsx when run from source (core/worker.ts). */
function startScanWorker(init: HandlerInit): Worker {
  // A larger young generation: parsing allocates many short-lived strings.
  return startWorker(new URL('./worker.js', import.meta.url), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 64 } });
}

/** Worker count: KUBECOMPLY_WORKERS if set (0 disables), else one per core beyond the main thread's. */
export function defaultWorkerCount(): number {
  const env = process.env.KUBECOMPLY_WORKERS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env)) && Number(env) >= 0) return Number(env);
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** Batches sent to a worker ahead of its results: one to work on, one to start on right after. */
const SENT_PER_WORKER = 2;

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
      const w = startScanWorker(init);
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
    // What a worker would have done, done here: the same outcomes, precomputed alike.
    const here = (): ProcessedOutcome[] => {
      try {
        return (this.local ??= createDocumentHandler(this.init))(file, docs);
      } catch {
        return docs.map((d) => (d.text === '' ? { ok: true, value: null, warnings: [] } : parseYamlDocument(d.text, file)));
      }
    };
    if (this.failed) return Promise.resolve(here());
    const id = this.nextId++;
    return new Promise<ProcessedOutcome[]>((resolve, reject) => {
      this.waiting.push({ id, req: { id, filename: file, docs }, resolve, reject });
      this.pump();
    }).catch(here);
  }

  /** The handler batches are processed with here when the workers failed. */
  private local: ((file: string, docs: BatchRequest['docs']) => ProcessedOutcome[]) | undefined;

  /** Batches not sent to a worker yet: a worker gets its next while it works on one, the main thread may take the rest. */
  private readonly waiting: { id: number; req: BatchRequest; resolve: (o: ProcessedOutcome[]) => void; reject: (e: Error) => void }[] = [];

  private pump(): void {
    while (this.waiting.length > 0) {
      let w = 0;
      for (let i = 1; i < this.workers.length; i++) if (this.load[i] < this.load[w]) w = i;
      if (this.load[w] >= SENT_PER_WORKER) return;
      const job = this.waiting.shift()!;
      this.load[w]++;
      this.pending.set(job.id, { resolve: job.resolve, reject: job.reject, worker: w });
      this.workers[w].postMessage(job.req);
    }
  }

  helpOut(here: (file: string, docs: BatchRequest['docs']) => ProcessedOutcome[]): boolean {
    // The newest: the workers go on with the older ones, in stream order.
    const job = this.waiting.pop();
    if (job === undefined) return false;
    let out: ProcessedOutcome[];
    try {
      out = here(job.req.filename, job.req.docs);
    } catch (e) {
      job.reject(e instanceof Error ? e : new Error(String(e)));
      return true;
    }
    job.resolve(out);
    return true;
  }

  private offThread = 0;

  get documentsOffThread(): number {
    return this.offThread;
  }

  private receive(res: BatchResponse): void {
    const entry = this.pending.get(res.id);
    if (!entry) return;
    this.pending.delete(res.id);
    this.offThread += res.results.length;
    this.load[entry.worker]--;
    this.pump();
    const values = JSON.parse(res.json) as unknown[];
    const paths = res.paths.map((p) => this.intern(this.paths, p));
    const ids = offloadedIds(this.init);
    let k = 0;
    entry.resolve(
      res.results.map((r): ProcessedOutcome => {
        if (!r.ok) return { ok: false, error: r.error };
        for (const [, pre] of r.precomputed) {
          const p = pre as unknown as { ids: readonly string[]; state: string; findings: (number | string)[] };
          p.ids = ids;
          p.state = this.intern(this.states, p.state);
          const f = p.findings;
          for (let i = 1; i < f.length; i += 5) {
            f[i] = paths[f[i] as number];
            f[i + 1] = res.messages[f[i + 1] as number];
          }
        }
        return { ok: true, warnings: r.warnings, value: r.json ? values[k++] : r.value, precomputed: new Map(r.precomputed) };
      }),
    );
  }

  /** One string object per distinct state and path, shared by every resource (and its hash computed once). */
  private readonly states = new Map<string, string>();
  private readonly paths = new Map<string, string>();

  private intern(table: Map<string, string>, s: string): string {
    const have = table.get(s);
    if (have !== undefined) return have;
    if (table.size < 50_000) table.set(s, s);
    return s;
  }

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const p of this.waiting.splice(0)) p.reject(e);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
