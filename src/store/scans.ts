/**
 * Scan history: what `kubecomply scan --store` records, and the diff between two recorded scans.
 *
 * A recorded scan keeps
 * - its inputs with SHA-256 hashes (a file's bytes; a directory's files; standard input's documents),
 * - the configuration (hash and summary), counts, each framework's requirement-by-requirement result as
 *   the engine judged it at scan time, and the exceptions it judged;
 * - every finding (control, resource, path, severity, status, message), keyed stably across scans;
 * - the security-relevant objects it saw — NetworkPolicies, RBAC, Namespaces' Pod Security labels,
 *   admission webhook and policy configurations, ComplianceExceptions — as canonical JSON with a hash;
 * - a summary hash over all of that, carried by a "scan recorded" evidence record, so the hash chain
 *   vouches for the scan's rows (verifyScanSummary recomputes it).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PSA_LABEL_PREFIX } from '../controls/pod-security/index.js';
import { formatVersion } from '../controls/pod-security/version.js';
import { ADMISSION_CONFIGURATION_KINDS } from '../core/kinds.js';
import { isObject } from '../core/inventory.js';
import { SEVERITY_RANK, type Resource } from '../core/types.js';
import { BINDING_KINDS, ROLE_KINDS } from '../controls/rbac/model.js';
import { frameworkToJson, exceptionToJson } from '../report/json.js';
import { exceptionKey } from '../policy/exceptions.js';
import type { ScanResult } from '../scanner.js';
import { appendEvidence, canonicalJson, type AppendOptions } from './evidence.js';
import type { EvidenceRecord, ScanFindingRecord, ScanFrameworkRecord, ScanInput, ScanObjectCategory, ScanObjectRecord, ScanRecord, Store } from './types.js';

export const SCAN_EVIDENCE_KIND = 'scan-summary';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A scan ready to be stored (or reported on without storing). */
export interface BuiltScan {
  scan: Omit<ScanRecord, 'id'>;
  findings: ScanFindingRecord[];
  objects: ScanObjectRecord[];
}

// ------------------------------------------------------------------------------------------ inputs

/**
 * Each input with its hash, from what the scan read (ScanOptions.hashInputs): a file's bytes; a
 * directory's files in the order the loader walked them, as "relpath\0sha256\n"; standard input,
 * which has no bytes to read again, over the documents read from it. Hashing what was read, not the
 * files as they are now, keeps the record true when a file changes while or after it is scanned.
 */
export function hashInputs(result: Pick<ScanResult, 'inputs' | 'inputFiles' | 'resources'>): ScanInput[] {
  const read = result.inputFiles;
  if (read === undefined || read.length !== result.inputs.length) throw new Error('recording a scan needs its input hashes: scan with hashInputs: true');
  return read.map((input): ScanInput => {
    const bytes = input.files.reduce((a, f) => a + f.bytes, 0);
    switch (input.kind) {
      case 'stdin': {
        const docs = result.resources.filter((r) => (r.origin.stream?.file ?? r.origin.file) === '<stdin>');
        return { path: '-', kind: 'stdin', sha256: sha256(docs.map((r) => canonicalJson(r.object)).join('\n')), files: 1, bytes: 0 };
      }
      case 'missing':
        return { path: input.path, kind: 'missing', sha256: null, files: 0, bytes: 0 };
      case 'file':
        return { path: input.path, kind: 'file', sha256: input.files[0]?.sha256 ?? null, files: 1, bytes };
      case 'directory': {
        const h = createHash('sha256');
        for (const f of input.files) h.update(`${path.relative(input.path, f.file).split(path.sep).join('/')}\0${f.sha256 ?? 'unreadable'}\n`);
        return { path: input.path, kind: 'directory', sha256: h.digest('hex'), files: input.files.length, bytes };
      }
    }
  });
}

// ---------------------------------------------------------------------------------------- objects

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] : 'core');

/** `group/Kind/namespace/name`: the same object across API versions and scans. */
export function objectKey(r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }): string {
  return `${groupOf(r.apiVersion)}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

const RBAC_KINDS: ReadonlySet<string> = new Set([...ROLE_KINDS, ...BINDING_KINDS]);
const WEBHOOK_KINDS: ReadonlySet<string> = new Set(ADMISSION_CONFIGURATION_KINDS);
/** Annotations that change without a change of intent. */
const VOLATILE_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision']);

export function objectCategory(r: Pick<Resource, 'apiVersion' | 'kind'>): ScanObjectCategory | undefined {
  const group = groupOf(r.apiVersion);
  if (r.kind.endsWith('NetworkPolicy')) return 'network-policy';
  if (RBAC_KINDS.has(r.kind) && group === 'rbac.authorization.k8s.io') return 'rbac';
  if (r.kind === 'Namespace' && group === 'core') return 'pod-security';
  if (WEBHOOK_KINDS.has(r.kind) && group === 'admissionregistration.k8s.io') return 'webhook';
  return undefined;
}

function metaOf(r: Resource): Record<string, unknown> {
  const m = r.metadata;
  const annotations = Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => !VOLATILE_ANNOTATIONS.has(k)));
  return {
    name: r.name,
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    ...(m.labels && Object.keys(m.labels).length > 0 ? { labels: m.labels } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/** caBundle rotates with certificates: kept as its hash so a rotation is visible but short. */
function hashCaBundles(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hashCaBundles);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, k === 'caBundle' && typeof x === 'string' ? `sha256:${sha256(x)}` : hashCaBundles(x)]),
  );
}

/** The security-relevant content of an object (volatile metadata and status removed), or undefined for other kinds. */
export function securityContent(r: Resource): { category: ScanObjectCategory; content: Record<string, unknown> } | undefined {
  const category = objectCategory(r);
  if (!category) return undefined;
  const o = r.object;
  const base = { apiVersion: r.apiVersion, kind: r.kind };
  switch (category) {
    case 'pod-security': {
      const labels = Object.fromEntries(Object.entries(r.metadata.labels ?? {}).filter(([k]) => k.startsWith(PSA_LABEL_PREFIX)));
      return { category, content: { ...base, metadata: { name: r.name }, podSecurityLabels: labels } };
    }
    case 'rbac': {
      const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
      return { category, content: { ...base, metadata: metaOf(r), ...rest } };
    }
    default: {
      const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = o;
      return { category, content: { ...base, metadata: metaOf(r), ...(hashCaBundles(rest) as Record<string, unknown>) } };
    }
  }
}

function objectRecord(category: ScanObjectCategory, resource: ScanObjectRecord['resource'], content: unknown): ScanObjectRecord {
  const canonical = canonicalJson(content);
  return { category, key: objectKey(resource), resource, hash: sha256(canonical), canonical };
}

const refOf = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }): ScanObjectRecord['resource'] =>
  r.namespace !== undefined ? { apiVersion: r.apiVersion, kind: r.kind, namespace: r.namespace, name: r.name } : { apiVersion: r.apiVersion, kind: r.kind, name: r.name };

/** The security-relevant objects of a scan (the first of two documents naming the same object wins). */
export function securityObjects(result: ScanResult): ScanObjectRecord[] {
  const out = new Map<string, ScanObjectRecord>();
  for (const r of result.resources) {
    const c = securityContent(r);
    if (!c) continue;
    const rec = objectRecord(c.category, refOf(r), c.content);
    if (!out.has(rec.key)) out.set(rec.key, rec);
  }
  for (const s of result.exceptions?.statuses ?? []) {
    const e = s.exception;
    const ref = refOf({ apiVersion: 'kubecomply.io/v1alpha1', kind: 'ComplianceException', namespace: e.namespace, name: e.name });
    const content = {
      controls: e.controls,
      ...(e.vulnerabilities ? { vulnerabilities: e.vulnerabilities } : {}),
      match: JSON.parse(JSON.stringify(e.match)) as unknown,
      justification: e.justification,
      approvedBy: e.approvedBy,
      approvedAt: e.approvedAt,
      expires: e.expires,
      ticket: e.ticket,
      state: s.state,
    };
    const rec = objectRecord('exception', ref, content);
    if (!out.has(rec.key)) out.set(rec.key, rec);
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// --------------------------------------------------------------------------------------- findings

/** The stable identity of a finding across scans: control, object and path (not the message, which may carry values). */
export function findingKey(control: string, resource: ScanFindingRecord['resource'], p: string): string {
  return sha256(`${control}\0${objectKey(resource)}\0${p}`);
}

export function scanFindings(result: ScanResult): ScanFindingRecord[] {
  const list = result.findings.map((f): ScanFindingRecord => {
    const resource = refOf(f.resource);
    const rec: ScanFindingRecord = {
      key: findingKey(f.control.id, resource, f.path),
      control: f.control.id,
      severity: f.control.severity,
      status: f.status,
      resource,
      path: f.path,
      message: f.message,
      location: `${f.resource.origin.file}:${f.position?.line ?? f.resource.origin.line}`,
    };
    if (f.exception) rec.exception = exceptionKey(f.exception);
    return rec;
  });
  // One control can report one path twice (a list judged element by element, or a duplicated document):
  // number the repeats, in message order, so every key is unique within the scan.
  const groups = new Map<string, ScanFindingRecord[]>();
  for (const f of list) {
    const g = groups.get(f.key);
    if (g) g.push(f);
    else groups.set(f.key, [f]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    g.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : a.location < b.location ? -1 : 1));
    g.forEach((f, i) => {
      if (i > 0) f.key = `${f.key}#${i + 1}`;
    });
  }
  return list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---------------------------------------------------------------------------------------- summary

function frameworkRecord(f: ScanResult['frameworks'][number]): ScanFrameworkRecord {
  // The scan report's framework JSON, plus how many resources each requirement's controls evaluated.
  const j = frameworkToJson(f) as Omit<ScanFrameworkRecord, 'requirements'> & { requirements: Record<string, unknown>[] };
  return {
    id: j.id,
    name: j.name,
    version: j.version,
    source: j.source,
    score: j.score,
    counts: j.counts,
    requirements: j.requirements.map((q, i) => ({ ...q, evaluated: f.requirements[i]!.evaluated })) as unknown as ScanFrameworkRecord['requirements'],
  };
}

/** The hash a "scan recorded" evidence record carries: over the scan's summary and all its findings and objects. */
export function scanSummaryHash(scan: Omit<ScanRecord, 'id' | 'summaryHash' | 'evidence'> & { summaryHash?: string; id?: number; evidence?: unknown }, findings: readonly ScanFindingRecord[], objects: readonly ScanObjectRecord[]): string {
  const findingsHash = sha256(findings.map((f) => canonicalJson(f)).sort().join('\n'));
  const objectsHash = sha256(objects.map((o) => `${o.key}\0${o.category}\0${o.hash}\0${sha256(o.canonical)}`).sort().join('\n'));
  const summary = {
    v: 1,
    time: scan.time,
    tool: scan.tool,
    inputs: scan.inputs,
    configHash: scan.configHash,
    config: scan.config,
    counts: scan.counts,
    frameworks: scan.frameworks,
    exceptions: scan.exceptions,
    findingsHash,
    objectsHash,
  };
  return sha256(canonicalJson(summary));
}

/** Turns a scan result into the records the store keeps. */
export function buildScan(result: ScanResult): BuiltScan {
  const findings = scanFindings(result);
  const objects = securityObjects(result);
  const config: Record<string, unknown> = {
    podSecurity: { level: result.config.pss.level, version: formatVersion(result.config.pss.version) },
    defaultNamespace: result.config.defaultNamespace,
    controls: result.controls.map((c) => c.control.id).sort(),
    frameworks: result.frameworks.map((f) => f.framework.id),
    exceptions: result.exceptions ? 'applied' : 'ignored',
    ...(result.config.settings ? { settings: result.config.settings } : {}),
  };
  const normalized = JSON.parse(canonicalJson(config)) as Record<string, unknown>;
  const failing = findings.filter((f) => f.status === 'fail').length;
  const x = result.exceptions;
  const partial = {
    time: result.startedAt.toISOString(),
    tool: `${result.tool.name} ${result.tool.version}`,
    inputs: hashInputs(result),
    configHash: sha256(canonicalJson(normalized)),
    config: normalized,
    counts: {
      resources: result.stats.resources,
      documents: result.stats.documents,
      findings: failing,
      excepted: findings.length - failing,
      bySeverity: { ...result.bySeverity },
      controls: result.controls.length,
      objects: objects.length,
      inputErrors: result.diagnostics.filter((d) => d.level === 'error').length,
    },
    frameworks: result.frameworks.map(frameworkRecord),
    exceptions: x ? (JSON.parse(canonicalJson(x.statuses.map((s) => exceptionToJson(s, x.now, x.used.get(exceptionKey(s.exception)) ?? 0)))) as Record<string, unknown>[]) : [],
  };
  // Round-trip through JSON so what is hashed is exactly what the store gives back.
  const scan = JSON.parse(JSON.stringify(partial)) as typeof partial;
  return { scan: { ...scan, summaryHash: scanSummaryHash(scan, findings, objects) }, findings, objects };
}

/** Recomputes a recorded scan's summary hash from its rows: false when a row was altered, added or removed. */
export function verifyScanSummary(scan: ScanRecord, findings: readonly ScanFindingRecord[], objects: readonly ScanObjectRecord[]): boolean {
  return scanSummaryHash(scan, findings, objects) === scan.summaryHash;
}

/** Whether an evidence record is the "scan recorded" record a scan links to, carrying its summary hash. */
export function recordVouchesFor(scan: ScanRecord, rec: EvidenceRecord | undefined): boolean {
  const ev = scan.evidence;
  return ev !== undefined && rec !== undefined && rec.seq === ev.seq && rec.hash === ev.hash && (rec.payload as { summaryHash?: unknown } | null)?.summaryHash === scan.summaryHash;
}

/**
 * Whether a recorded scan is still what was recorded: its rows hash to its summary hash, and the
 * store's evidence log holds its "scan recorded" record carrying that hash. The row's own summary
 * hash alone proves nothing: whoever alters the rows can rewrite it too, not the signed log.
 */
export async function verifyRecordedScan(store: Store, loaded: { scan: ScanRecord; findings: readonly ScanFindingRecord[]; objects: readonly ScanObjectRecord[] }): Promise<boolean> {
  if (!verifyScanSummary(loaded.scan, loaded.findings, loaded.objects)) return false;
  const ev = loaded.scan.evidence;
  if (!ev) return false;
  const [rec] = await store.listEvidence({ afterSeq: ev.seq - 1, limit: 1 });
  return recordVouchesFor(loaded.scan, rec);
}

export interface RecordedScan {
  id: number;
  summaryHash: string;
  evidence: { seq: number; hash: string };
}

/** Stores the scan and appends its "scan recorded" evidence record (which carries the summary hash). */
export async function recordScan(store: Store, built: BuiltScan, evidence: AppendOptions): Promise<RecordedScan> {
  const id = await store.saveScan(built.scan, built.findings, built.objects);
  const s = built.scan;
  const rec = await appendEvidence(
    store,
    SCAN_EVIDENCE_KIND,
    {
      message: `scan recorded: scan ${id}, ${s.counts.findings} findings (${s.counts.excepted} excepted) in ${s.counts.resources} resources`,
      scanId: id,
      time: s.time,
      summaryHash: s.summaryHash,
      configHash: s.configHash,
      inputs: s.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })),
      counts: { findings: s.counts.findings, excepted: s.counts.excepted, resources: s.counts.resources, objects: s.counts.objects },
      scores: Object.fromEntries(s.frameworks.map((f) => [f.id, f.score])),
    },
    evidence,
  );
  const link = { seq: rec.seq, hash: rec.hash };
  await store.setScanEvidence(id, link);
  return { id, summaryHash: s.summaryHash, evidence: link };
}

// ------------------------------------------------------------------------------------------- diff

export interface FieldChange {
  /** JSON path inside the object's canonical content, e.g. `spec.ingress[0].from`. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ObjectChange {
  category: ScanObjectCategory;
  key: string;
  resource: ScanObjectRecord['resource'];
  change: 'added' | 'removed' | 'changed';
  beforeHash?: string;
  afterHash?: string;
  /** For a change: the fields that differ (at most MAX_FIELD_CHANGES). */
  fields?: FieldChange[];
}

export interface ScanSide {
  id: number;
  time: string;
  inputs: ScanInput[];
  summaryHash: string;
}

export interface ScanDiff {
  from: ScanSide;
  to: ScanSide;
  findings: {
    new: ScanFindingRecord[];
    resolved: ScanFindingRecord[];
    /** In both scans; `previousStatus` when the status changed (e.g. an exception expired). */
    open: (ScanFindingRecord & { previousStatus?: ScanFindingRecord['status'] })[];
  };
  /** Findings failing in `to` that were not failing in `from` (new ones and ones whose exception lapsed). */
  regressions: number;
  objects: ObjectChange[];
  scores: { framework: string; from: number | null; to: number | null }[];
}

export const MAX_FIELD_CHANGES = 50;

const join = (base: string, k: string): string => (/^[A-Za-z_$][\w$-]*$/.test(k) ? (base ? `${base}.${k}` : k) : `${base}[${JSON.stringify(k)}]`);

/** The fields that differ between two JSON values, depth first, in key order. */
export function fieldChanges(before: unknown, after: unknown, base = '', out: FieldChange[] = []): FieldChange[] {
  if (out.length >= MAX_FIELD_CHANGES) return out;
  if (isObject(before) && isObject(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      if (!(k in after)) out.push({ path: join(base, k), before: before[k] });
      else if (!(k in before)) out.push({ path: join(base, k), after: after[k] });
      else fieldChanges(before[k], after[k], join(base, k), out);
      if (out.length >= MAX_FIELD_CHANGES) break;
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${base}[${i}]`;
      if (i >= after.length) out.push({ path: p, before: before[i] });
      else if (i >= before.length) out.push({ path: p, after: after[i] });
      else fieldChanges(before[i], after[i], p, out);
      if (out.length >= MAX_FIELD_CHANGES) break;
    }
    return out;
  }
  if (canonicalJson(before) !== canonicalJson(after)) out.push({ path: base || '.', before, after });
  return out;
}

const RANK: Readonly<Record<string, number>> = SEVERITY_RANK;
const refKey = (r: ScanFindingRecord['resource']): string => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
/** Most severe first, then by resource, control and path. */
function byImportance(a: ScanFindingRecord, b: ScanFindingRecord): number {
  const d = (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0);
  if (d !== 0) return d;
  for (const [x, y] of [[refKey(a.resource), refKey(b.resource)], [a.control, b.control], [a.path, b.path], [a.key, b.key]]) if (x !== y) return x < y ? -1 : 1;
  return 0;
}

const side = (s: ScanRecord): ScanSide => ({ id: s.id, time: s.time, inputs: s.inputs, summaryHash: s.summaryHash });

export function diffScans(
  from: { scan: ScanRecord; findings: readonly ScanFindingRecord[]; objects: readonly ScanObjectRecord[] },
  to: { scan: ScanRecord; findings: readonly ScanFindingRecord[]; objects: readonly ScanObjectRecord[] },
): ScanDiff {
  const before = new Map(from.findings.map((f) => [f.key, f] as const));
  const after = new Map(to.findings.map((f) => [f.key, f] as const));
  const findings: ScanDiff['findings'] = { new: [], resolved: [], open: [] };
  let regressions = 0;
  for (const f of to.findings) {
    const b = before.get(f.key);
    if (!b) findings.new.push(f);
    else findings.open.push(b.status !== f.status ? { ...f, previousStatus: b.status } : f);
    if (f.status === 'fail' && b?.status !== 'fail') regressions++;
  }
  for (const f of from.findings) if (!after.has(f.key)) findings.resolved.push(f);
  for (const l of [findings.new, findings.resolved, findings.open]) l.sort(byImportance);

  const ob = new Map(from.objects.map((o) => [o.key, o] as const));
  const oa = new Map(to.objects.map((o) => [o.key, o] as const));
  const objects: ObjectChange[] = [];
  for (const key of [...new Set([...ob.keys(), ...oa.keys()])].sort()) {
    const b = ob.get(key);
    const a = oa.get(key);
    if (b && a) {
      if (b.hash === a.hash) continue;
      objects.push({
        category: a.category,
        key,
        resource: a.resource,
        change: 'changed',
        beforeHash: b.hash,
        afterHash: a.hash,
        fields: fieldChanges(JSON.parse(b.canonical), JSON.parse(a.canonical)),
      });
    } else if (a) objects.push({ category: a.category, key, resource: a.resource, change: 'added', afterHash: a.hash });
    else if (b) objects.push({ category: b.category, key, resource: b.resource, change: 'removed', beforeHash: b.hash });
  }
  const ids = [...new Set([...from.scan.frameworks.map((f) => f.id), ...to.scan.frameworks.map((f) => f.id)])];
  const scoreOf = (s: ScanRecord, id: string): number | null => s.frameworks.find((f) => f.id === id)?.score ?? null;
  return {
    from: side(from.scan),
    to: side(to.scan),
    findings,
    regressions,
    objects,
    scores: ids.map((id) => ({ framework: id, from: scoreOf(from.scan, id), to: scoreOf(to.scan, id) })),
  };
}

/** Loads a recorded scan with its findings and objects. */
export async function loadScan(store: Store, id: number): Promise<{ scan: ScanRecord; findings: ScanFindingRecord[]; objects: ScanObjectRecord[] } | undefined> {
  const scan = await store.getScan(id);
  if (!scan) return undefined;
  return { scan, findings: await store.listScanFindings(id), objects: await store.listScanObjects(id) };
}
