/** The kubewarden/policies test data: AdmissionRequests (the `request` of an AdmissionReview) and settings files. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { filesUnder } from '../helpers/tmp.js';

export const FIXTURES = '../shared/fixtures/admission/kubewarden+policies/policies';

export interface Fixture {
  file: string;
  value: unknown;
}

/** Every JSON file under policies/<policy>/test_data/. */
export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const policy of readdirSync(FIXTURES).sort()) {
    const data = path.join(FIXTURES, policy, 'test_data');
    try {
      if (!statSync(data).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const file of filesUnder(data, /\.json$/)) {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        continue;
      }
      out.push({ file: path.relative(FIXTURES, file), value });
    }
  }
  return out;
}

export function isRequest(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as any).uid === 'string' && typeof (v as any).operation === 'string';
}

