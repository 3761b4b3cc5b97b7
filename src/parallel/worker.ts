/**
 * A scan worker thread: runs the document handler (batch.ts) on batches the main thread sends, and
 * returns values as JSON text (the cheapest way to move object trees between threads); values JSON
 * cannot carry (.inf/.nan) go back by structured clone instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Precomputed } from '../core/types.js';
import type { YamlError } from '../sources/yaml.js';
import { createDocumentHandler, type BatchDoc, type HandlerInit } from './batch.js';

export interface BatchRequest {
  id: number;
  filename: string;
  docs: BatchDoc[];
}

export type DocResult =
  | { ok: true; warnings: YamlError[]; json: true; precomputed: [number, Precomputed][] }
  | { ok: true; warnings: YamlError[]; json: false; value: unknown; precomputed: [number, Precomputed][] }
  | { ok: false; error: YamlError };

export interface BatchResponse {
  id: number;
  /**
   * Precomputed findings carry indexes into `paths` and `messages` instead of the strings: checks
   * build the same few paths, and many of the same messages, again and again.
   */
  results: DocResult[];
  paths: string[];
  messages: string[];
  /** JSON array of the values of the results with `json: true`, in order. */
  json: string;
}

const NON_FINITE = /\.(?:inf|Inf|INF|nan|NaN|NAN)\b/;

if (parentPort && workerData) {
  const handle = createDocumentHandler(workerData as HandlerInit);
  parentPort.on('message', (req: BatchRequest) => {
    const outcomes = handle(req.filename, req.docs);
    const results: DocResult[] = [];
    const values: unknown[] = [];
    const paths: string[] = [];
    const pathIndex = new Map<string, number>();
    const messages: string[] = [];
    const messageIndex = new Map<string, number>();
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      if (!o.ok) {
        results.push({ ok: false, error: o.error });
        continue;
      }
      const precomputed = o.precomputed ? [...o.precomputed] : [];
      for (const [, pre] of precomputed) {
        const f = pre.findings as (number | string)[];
        for (let k = 1; k < f.length; k += 5) {
          const p = f[k] as string;
          let at = pathIndex.get(p);
          if (at === undefined) {
            pathIndex.set(p, (at = paths.length));
            paths.push(p);
          }
          f[k] = at;
          const m = f[k + 1] as string;
          at = messageIndex.get(m);
          if (at === undefined) {
            messageIndex.set(m, (at = messages.length));
            messages.push(m);
          }
          f[k + 1] = at;
        }
        // The main thread has the same list: not sent.
        (pre as { ids: readonly string[] | undefined }).ids = undefined;
      }
      if (NON_FINITE.test(req.docs[i].text)) {
        results.push({ ok: true, warnings: o.warnings, json: false, value: o.value, precomputed });
      } else {
        results.push({ ok: true, warnings: o.warnings, json: true, precomputed });
        values.push(o.value === undefined ? null : o.value);
      }
    }
    const res: BatchResponse = { id: req.id, results, paths, messages, json: JSON.stringify(values) };
    parentPort!.postMessage(res);
  });
}
