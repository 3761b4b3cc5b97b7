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
  results: DocResult[];
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
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      if (!o.ok) {
        results.push({ ok: false, error: o.error });
        continue;
      }
      const precomputed = o.precomputed ? [...o.precomputed] : [];
      if (NON_FINITE.test(req.docs[i].text)) {
        results.push({ ok: true, warnings: o.warnings, json: false, value: o.value, precomputed });
      } else {
        results.push({ ok: true, warnings: o.warnings, json: true, precomputed });
        values.push(o.value === undefined ? null : o.value);
      }
    }
    const res: BatchResponse = { id: req.id, results, json: JSON.stringify(values) };
    parentPort!.postMessage(res);
  });
}
