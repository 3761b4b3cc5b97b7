/** Shared fixtures for the CRA tests: the example product, its merged SBOM, a VulnMatch and cases in every state. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchema } from 'ajv';
import { mergeLayers } from '../../src/supply/sbom/merge.js';
import { parseSbom } from '../../src/supply/sbom/read.js';
import type { Sbom } from '../../src/supply/sbom/model.js';
import type { VulnMatch } from '../../src/supply/vuln/types.js';
import { must, openFromMatch, transition, type Case } from '../../src/cra/cases.js';
import { parseProduct, type Product } from '../../src/cra/product.js';
import { ajvDraft07 } from '../helpers/schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const EXAMPLE = path.join(ROOT, 'examples/cra/product.yaml');

export function exampleProduct(): Product {
  return parseProduct(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
}

export function exampleSbom(p: Product = exampleProduct()): Sbom {
  return mergeLayers(
    p.components.filter((c) => c.sbom).map((c) => ({ name: c.layer, sbom: parseSbom(readFileSync(c.sbom!), c.sbom!), file: c.sbomDeclared! })),
    { name: p.name, version: p.version, now: new Date('2026-11-30T10:00:00Z') },
  );
}

export function runcMatch(extra: Partial<VulnMatch> = {}): VulnMatch {
  return {
    component: { ref: 'pkg:golang/github.com/opencontainers/runc@v1.2.5', name: 'github.com/opencontainers/runc', version: 'v1.2.5', purl: 'pkg:golang/github.com/opencontainers/runc@v1.2.5' },
    id: 'GHSA-qw9x-cqr3-wc7r',
    aliases: ['CVE-2025-31133'],
    summary: 'runc container escape via masked path abuse',
    ecosystem: 'Go',
    severity: 'high',
    cvss: { version: '3.1', vector: 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:H/A:H', score: 7.8, severity: 'high' },
    fixedVersions: ['v1.2.8'],
    exploited: false,
    references: ['https://github.com/opencontainers/runc/security/advisories/GHSA-qw9x-cqr3-wc7r'],
    status: 'open',
    ...extra,
  };
}

export const T0 = '2026-11-30T09:00:00.000Z';
export const who = { by: 'alice@acme.example', reason: 'triage' };

/** A case opened from the runc match, then walked to `state`. */
export function caseIn(state: Case['state'], sbom: Sbom = exampleSbom(), id = 'CASE-1'): Case {
  let c = openFromMatch(runcMatch(), sbom, { id, by: 'kubecomply', at: T0 });
  const at = (h: number): string => new Date(Date.parse(T0) + h * 3_600_000).toISOString();
  const go = (to: Case['state'], h: number, extra: Record<string, string> = {}): void => {
    c = must(transition(c, to, { ...who, at: at(h), ...extra }));
  };
  switch (state) {
    case 'new':
      break;
    case 'under_investigation':
      go('under_investigation', 1);
      break;
    case 'affected':
      go('affected', 1, { actionStatement: 'Restrict pod creation to trusted users until the fix ships.' });
      break;
    case 'not_affected':
      go('not_affected', 1, { justification: 'vulnerable_code_not_in_execute_path' });
      break;
    case 'fix_available':
      go('affected', 1);
      go('fix_available', 2, { fixVersion: '2.3.1' });
      break;
    case 'fix_released':
      go('affected', 1);
      go('fix_available', 2, { fixVersion: '2.3.1' });
      go('fix_released', 3);
      break;
    case 'closed':
      go('affected', 1);
      go('fix_available', 2, { fixVersion: '2.3.1' });
      go('fix_released', 3);
      go('closed', 4);
      break;
  }
  return c;
}

const require = createRequire(import.meta.url);
type Validate = ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

function ajv2020(): { addSchema(s: AnySchema, key?: string): unknown; compile(s: AnySchema): Validate } {
  const Ajv2020 = require('ajv/dist/2020') as new (o: Record<string, unknown>) => { addSchema(s: AnySchema, key?: string): unknown; compile(s: AnySchema): Validate };
  const addFormats = require('ajv-formats') as (a: unknown) => unknown;
  const a = new Ajv2020({ allErrors: true, strict: false });
  addFormats(a);
  return a;
}

const vendor = (f: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(ROOT, 'schemas/vendor', f), 'utf8')) as Record<string, unknown>;
const errorsOf = (v: Validate): string[] => (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

let openVex: Validate | undefined;
export function validateOpenVex(doc: unknown): string[] {
  openVex ??= ajv2020().compile(vendor('openvex_json_schema-0.2.0.json'));
  return openVex(doc) ? [] : errorsOf(openVex);
}

let csaf: Validate | undefined;
export function validateCsaf(doc: unknown): string[] {
  if (!csaf) {
    const a = ajv2020();
    for (const v of ['2.0', '3.0', '3.1']) a.addSchema({ ...vendor(`cvss-v${v}.schema.json`), $id: `https://www.first.org/cvss/cvss-v${v}.json` });
    csaf = a.compile(vendor('csaf-2.0.schema.json'));
  }
  return csaf(doc) ? [] : errorsOf(csaf);
}

let cdx: Validate | undefined;
export function validateCycloneDx16(doc: unknown): string[] {
  if (!cdx) {
    const dir = path.join(path.dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
    const load = (f: string, id: string): Record<string, unknown> => ({ ...(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>), $id: id });
    const a = ajvDraft07({ strict: false });
    a.addSchema(load('spdx.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json'));
    a.addSchema(load('jsf-0.82.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json'));
    a.addSchema(load('cryptography-defs.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/cryptography-defs.SNAPSHOT.schema.json'));
    cdx = a.compile(load('bom-1.6.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/bom-1.6.schema.json')) as unknown as Validate;
  }
  return cdx(doc) ? [] : errorsOf(cdx);
}
