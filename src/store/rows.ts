/** Row shapes both backends read (PostgreSQL returns BIGINT as text, SQLite as a number) and their mapping. */
import type { Checkpoint, EvidenceRecord, ScanFindingRecord, ScanObjectCategory, ScanObjectRecord, ScanRecord } from './types.js';

export interface EvidenceRow {
  seq: number | string;
  kind: string;
  time: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  seq: number | string;
  hash: string;
  time: string;
  key_id: string;
  signature: string;
}

export function toRecord(r: EvidenceRow): EvidenceRecord {
  return { seq: Number(r.seq), kind: r.kind, time: r.time, payload: JSON.parse(r.payload), prevHash: r.prev_hash, hash: r.hash };
}

export function toCheckpoint(r: CheckpointRow): Checkpoint {
  return { seq: Number(r.seq), hash: r.hash, time: r.time, keyId: r.key_id, signature: r.signature };
}

// ----------------------------------------------------------------------------------- scan history

export interface ScanRow {
  id: number | string;
  time: string;
  tool: string;
  inputs: string;
  config_hash: string;
  config: string;
  counts: string;
  frameworks: string;
  exceptions: string;
  summary_hash: string;
  evidence_seq: number | string | null;
  evidence_hash: string | null;
}

export interface ScanFindingRow {
  key: string;
  control: string;
  severity: string;
  status: string;
  api_version: string;
  kind: string;
  namespace: string | null;
  name: string;
  path: string;
  message: string;
  location: string;
  exception: string | null;
}

export interface ScanObjectRow {
  key: string;
  category: string;
  api_version: string;
  kind: string;
  namespace: string | null;
  name: string;
  hash: string;
  canonical: string;
}

export const SCAN_COLUMNS = 'id, time, tool, inputs, config_hash, config, counts, frameworks, exceptions, summary_hash, evidence_seq, evidence_hash';
export const SCAN_FINDING_COLUMNS = 'key, control, severity, status, api_version, kind, namespace, name, path, message, location, exception';
export const SCAN_OBJECT_COLUMNS = 'key, category, api_version, kind, namespace, name, hash, canonical';

export function toScan(r: ScanRow): ScanRecord {
  const s: ScanRecord = {
    id: Number(r.id),
    time: r.time,
    tool: r.tool,
    inputs: JSON.parse(r.inputs),
    configHash: r.config_hash,
    config: JSON.parse(r.config),
    counts: JSON.parse(r.counts),
    frameworks: JSON.parse(r.frameworks),
    exceptions: JSON.parse(r.exceptions),
    summaryHash: r.summary_hash,
  };
  if (r.evidence_seq !== null && r.evidence_hash !== null) s.evidence = { seq: Number(r.evidence_seq), hash: r.evidence_hash };
  return s;
}

/** The values of a scan row after `id`, in SCAN_COLUMNS order (without the evidence columns). */
export function scanValues(s: Omit<ScanRecord, 'id'>): string[] {
  return [s.time, s.tool, JSON.stringify(s.inputs), s.configHash, JSON.stringify(s.config), JSON.stringify(s.counts), JSON.stringify(s.frameworks), JSON.stringify(s.exceptions), s.summaryHash];
}

const ref = (r: { api_version: string; kind: string; namespace: string | null; name: string }): ScanFindingRecord['resource'] =>
  r.namespace === null ? { apiVersion: r.api_version, kind: r.kind, name: r.name } : { apiVersion: r.api_version, kind: r.kind, namespace: r.namespace, name: r.name };

export function toScanFinding(r: ScanFindingRow): ScanFindingRecord {
  const f: ScanFindingRecord = {
    key: r.key,
    control: r.control,
    severity: r.severity,
    status: r.status as ScanFindingRecord['status'],
    resource: ref(r),
    path: r.path,
    message: r.message,
    location: r.location,
  };
  if (r.exception !== null) f.exception = r.exception;
  return f;
}

export function scanFindingValues(f: ScanFindingRecord): (string | null)[] {
  return [f.key, f.control, f.severity, f.status, f.resource.apiVersion, f.resource.kind, f.resource.namespace ?? null, f.resource.name, f.path, f.message, f.location, f.exception ?? null];
}

export function toScanObject(r: ScanObjectRow): ScanObjectRecord {
  return { category: r.category as ScanObjectCategory, key: r.key, resource: ref(r), hash: r.hash, canonical: r.canonical };
}

export function scanObjectValues(o: ScanObjectRecord): (string | null)[] {
  return [o.key, o.category, o.resource.apiVersion, o.resource.kind, o.resource.namespace ?? null, o.resource.name, o.hash, o.canonical];
}

/** Rejects duplicate keys before they reach the database (a clear message rather than a constraint error). */
export function checkUniqueKeys(what: string, items: readonly { key: string }[]): void {
  const seen = new Set<string>();
  for (const i of items) {
    if (seen.has(i.key)) throw new Error(`duplicate ${what} key ${i.key} in one scan`);
    seen.add(i.key);
  }
}
