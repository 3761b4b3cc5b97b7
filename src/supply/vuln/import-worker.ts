/**
 * The worker side of importOsvParallel (import-pool.ts): decodes the inputs (decode.ts) and posts the
 * decoded items to the writer in batches. A record's deflated body is a view into the zip reader's
 * window, valid only during the callback, so bodies are copied into one buffer per batch that is
 * transferred (not cloned) with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodePaths, type DecodedRecord, type DecodeSink } from './decode.js';
import { recordItem, type WorkerInit, type WorkerItem, type WorkerMessage } from './import-pool.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const inflight = new Int32Array(init.control);

/** Items per batch, and bytes of bodies per batch: large enough that messaging costs little per record. */
const BATCH_ITEMS = 1024;
const POOL_BYTES = 4 << 20;

let items: WorkerItem[] = [];
let pool = new Uint8Array(POOL_BYTES);
let used = 0;

function flush(): void {
  if (items.length === 0) return;
  const msg: WorkerMessage = { items, pool };
  port.postMessage(msg, [pool.buffer]);
  items = [];
  pool = new Uint8Array(POOL_BYTES);
  used = 0;
  // Flow control: at most MAX_INFLIGHT batches wait for the writer, so a slow disk cannot make the
  // decoded input pile up in memory.
  Atomics.add(inflight, 0, 1);
  let n: number;
  while ((n = Atomics.load(inflight, 0)) >= init.maxInflight) Atomics.wait(inflight, 0, n);
}

function push(item: WorkerItem): void {
  items.push(item);
  if (items.length >= BATCH_ITEMS) flush();
}

const sink: DecodeSink = {
  warn: (w) => push(['w', w]),
  file: () => push(['f']),
  skipped: () => push(['s']),
  kev: (cat, source) => push(['k', cat, source]),
  record: (r: DecodedRecord) => {
    if (typeof r.body !== 'string') {
      const len = r.body.byteLength;
      if (used + len > pool.byteLength) {
        flush();
        if (len > pool.byteLength) pool = new Uint8Array(len);
      }
      pool.set(r.body, used);
      r.body = pool.subarray(used, used + len);
      used += len;
    }
    push(recordItem(r));
  },
};

try {
  decodePaths(init.paths, sink);
  flush();
  port.postMessage({ done: true } satisfies WorkerMessage);
} catch (e) {
  port.postMessage({ error: (e as Error).message ?? String(e) } satisfies WorkerMessage);
}
