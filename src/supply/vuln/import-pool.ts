/**
 * The main-thread side of a two-thread OSV import: starts import-worker.ts on the inputs and feeds the
 * items it posts, in order, to the writer's sink (db.ts). Returns when the worker has decoded
 * everything; rejects when it fails. The worker cannot start (no second CPU is no reason to fail) →
 * the caller falls back to decoding on its own thread.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/worker.js';
import { decodePaths, type DecodedRecord, type DecodeSink, type KevCatalog } from './decode.js';

export interface WorkerInit {
  paths: readonly string[];
  /** SharedArrayBuffer holding one Int32: batches posted and not yet written. */
  control: SharedArrayBuffer;
  maxInflight: number;
}

/**
 * One decoded item on the wire, as a tuple: the structured clone of an array costs less than that of an object
 * with the same fields (no property names per item; measured ~40% of the worker's posting time on 110k records).
 */
export type WorkerItem =
  | ['w', string]
  | ['f']
  | ['s']
  | ['k', KevCatalog, string]
  | ['r', string, string, string, 0 | 1, DecodedRecord['enc'], number | null, string | Uint8Array, string, string[], string[], string[] | null];

export function recordItem(r: DecodedRecord): WorkerItem {
  return ['r', r.source, r.id, r.modified, r.withdrawn ? 1 : 0, r.enc, r.size, r.body, r.head, r.affected, r.aliases, r.versionWarnings ?? null];
}

function recordOf(t: Extract<WorkerItem, ['r', ...unknown[]]>): DecodedRecord {
  const r: DecodedRecord = { source: t[1], id: t[2], modified: t[3], withdrawn: t[4] === 1, enc: t[5], size: t[6], body: t[7], head: t[8], affected: t[9], aliases: t[10] };
  if (t[11]) r.versionWarnings = t[11];
  return r;
}

export type WorkerMessage = { items: WorkerItem[]; pool: Uint8Array } | { done: true } | { error: string };

const MAX_INFLIGHT = 8;

/**
 * Decodes `paths` on a worker thread into `sink` (called on this thread, in input order). Resolves to
 * true when the worker did it, false when it could not start and this thread did.
 */
export function decodeOnWorker(paths: readonly string[], sink: DecodeSink): Promise<boolean> {
  const control = new SharedArrayBuffer(4);
  const inflight = new Int32Array(control);
  let worker: Worker;
  try {
    worker = startWorker(new URL('./import-worker.js', import.meta.url), { workerData: { paths, control, maxInflight: MAX_INFLIGHT } satisfies WorkerInit });
  } catch {
    decodePaths(paths, sink);
    return Promise.resolve(false);
  }
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    let started = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      reject(e);
    };
    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      started = true;
      try {
        if ('items' in m) {
          for (const it of m.items) {
            switch (it[0]) {
              case 'w':
                sink.warn(it[1]);
                break;
              case 'f':
                sink.file();
                break;
              case 's':
                sink.skipped();
                break;
              case 'k':
                sink.kev(it[1], it[2]);
                break;
              case 'r':
                sink.record(recordOf(it));
                break;
            }
          }
          Atomics.sub(inflight, 0, 1);
          Atomics.notify(inflight, 0);
        } else if ('done' in m) {
          settled = true;
          resolve(true);
        } else fail(new Error(`decoding worker: ${m.error}`));
      } catch (e) {
        fail(e);
      }
    });
    worker.on('error', (e) => {
      if (settled) return;
      if (!started) {
        // It never ran (e.g. the entry could not load): decode here instead.
        settled = true;
        try {
          decodePaths(paths, sink);
          resolve(false);
        } catch (e2) {
          reject(e2);
        }
        return;
      }
      fail(e);
    });
    worker.on('exit', (code) => {
      if (!settled) fail(new Error(`decoding worker exited (code ${code}) before finishing`));
    });
  });
}
