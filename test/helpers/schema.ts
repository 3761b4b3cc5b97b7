import { createRequire } from 'node:module';
import type { Ajv as AjvType, Options } from 'ajv';

// ajv-formats and ajv-draft-04 are CommonJS modules whose default export TypeScript's NodeNext
// resolution sees as the module object; require() gives the real values.
const require = createRequire(import.meta.url);

/** Ajv for JSON Schema draft-07 (our schemas), with formats. */
export function ajvDraft07(opts: Options = {}): AjvType {
  const { Ajv } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as (a: AjvType) => AjvType;
  return addFormats(new Ajv({ allErrors: true, strict: true, ...opts }));
}

/** Ajv for JSON Schema draft-04 (the official SARIF 2.1.0 schema). */
export function ajvDraft04(opts: Options = {}): AjvType {
  const Ajv04 = require('ajv-draft-04') as new (o: Options) => AjvType;
  return new Ajv04({ allErrors: true, strict: false, ...opts });
}
