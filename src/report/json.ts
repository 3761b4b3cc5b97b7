/**
 * JSON output, schema `schemas/scan-result-v1.schema.json`. The `schemaVersion` field changes only
 * when a field is removed or changes meaning; new fields may be added within a version.
 */
import { formatVersion } from '../controls/pod-security/version.js';
import type { Control, Diagnostic, ExceptionRef, Finding, Mappings, Resource } from '../core/types.js';
import type { FrameworkResult } from '../frameworks/assess.js';
import { daysLeft, exceptionKey, type ExceptionStatus } from '../policy/exceptions.js';
import type { ScanResult } from '../scanner.js';

export const JSON_SCHEMA_VERSION = 'kubecomply.io/scan-result/v1';

export interface JsonReportOptions {
  failOn: string;
  failed: boolean;
  minScore?: number;
}

export function frameworkToJson(r: FrameworkResult): Record<string, unknown> {
  const f = r.framework;
  return {
    id: f.id,
    name: f.name,
    version: f.version,
    source: f.source,
    score: r.score,
    counts: { ...r.counts },
    requirements: r.requirements.map((q) => ({
      id: q.requirement.id,
      title: q.requirement.title,
      ...(q.requirement.section ? { section: q.requirement.section } : {}),
      status: q.status,
      confidence: q.confidence,
      controls: q.controls.map((c) => c.id),
      findings: q.findings.length,
      excepted: q.excepted.length,
      ...(q.requirement.guidance ? { guidance: q.requirement.guidance } : {}),
    })),
  };
}

function mappingsOf(m: Mappings): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(m)) if (Array.isArray(v) && v.length > 0) out[k] = [...v];
  return out;
}

function refToJson(e: ExceptionRef): Record<string, unknown> {
  return {
    name: e.name,
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
    approvedBy: e.approvedBy,
    expires: e.expires,
    ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
    justification: e.justification,
  };
}

/** One exception as the JSON report (and `kubecomply exceptions list --format json`) shows it. */
export function exceptionToJson(s: ExceptionStatus, now: Date, used?: number): Record<string, unknown> {
  const e = s.exception;
  return {
    key: exceptionKey(e),
    name: e.name,
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
    state: s.state,
    controls: [...e.controls],
    match: JSON.parse(JSON.stringify(e.match)) as unknown,
    justification: e.justification,
    ...(e.approvedBy !== undefined ? { approvedBy: e.approvedBy } : {}),
    ...(e.approvedAt !== undefined ? { approvedAt: e.approvedAt } : {}),
    ...(e.expires !== undefined ? { expires: e.expires } : {}),
    ...(s.expiresAt ? { expiresAt: s.expiresAt.toISOString(), daysLeft: daysLeft(s.expiresAt, now) } : {}),
    ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
    ...(used !== undefined ? { findings: used } : {}),
    problems: s.issues.map((i) => ({ state: i.state, field: i.field, line: i.position.line, column: i.position.column, message: i.message })),
    location: { file: e.origin.file, line: e.origin.line },
  };
}

export function findingToJson(f: Finding): Record<string, unknown> {
  const r = f.resource;
  const location: Record<string, unknown> = {
    file: r.origin.file,
    line: f.position?.line ?? r.origin.line,
    column: f.position?.column ?? 1,
    document: r.origin.doc,
    resourceLine: r.origin.line,
  };
  if (r.origin.stream) location.stream = { ...r.origin.stream };
  if (r.origin.sourcePath) location.sourcePath = r.origin.sourcePath;
  return {
    controlId: f.control.id,
    title: f.control.title,
    severity: f.control.severity,
    family: f.control.family,
    status: f.status,
    message: f.message,
    path: f.path,
    resource: {
      apiVersion: r.apiVersion,
      kind: r.kind,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      name: r.name,
    },
    location,
    ...(f.exception ? { exception: refToJson(f.exception) } : {}),
  };
}

export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  return {
    level: d.level,
    code: d.code,
    file: d.file,
    ...(d.line !== undefined ? { line: d.line } : {}),
    ...(d.column !== undefined ? { column: d.column } : {}),
    message: d.message,
  };
}

export function toJsonReport(result: ScanResult, opts: JsonReportOptions, withFindings = true): Record<string, unknown> {
  const failing = result.findings.filter((f) => f.status === 'fail');
  const resourcesFailed = new Set(failing.map((f) => f.resource)).size;
  const inputErrors = result.diagnostics.filter((d) => d.level === 'error').length;
  const x = result.exceptions;
  const byState = (state: string): number => x?.statuses.filter((s) => s.state === state).length ?? 0;
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { ...result.tool },
    scan: {
      startedAt: result.startedAt.toISOString(),
      durationMs: Math.round(result.durationMs),
      inputs: result.inputs,
      podSecurity: { level: result.config.pss.level, version: formatVersion(result.config.pss.version) },
      defaultNamespace: result.config.defaultNamespace,
      failOn: opts.failOn,
      ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
    },
    summary: {
      result: inputErrors > 0 ? 'error' : opts.failed ? 'fail' : 'pass',
      files: result.stats.files,
      documents: result.stats.documents,
      resources: result.stats.resources,
      findings: failing.length,
      bySeverity: { ...result.bySeverity },
      excepted: result.findings.length - failing.length,
      exceptedBySeverity: { ...result.exceptedBySeverity },
      exceptions: { total: x?.statuses.length ?? 0, active: byState('active'), expired: byState('expired'), unapproved: byState('unapproved'), invalid: byState('invalid'), unused: x?.unused.length ?? 0 },
      resourcesFailed,
      controlsEvaluated: result.controls.length,
      controlsFailed: result.controls.filter((c) => c.failed > 0).length,
      inputErrors,
    },
    findings: withFindings ? result.findings.map(findingToJson) : [],
    controls: result.controls.map((c) => ({
      id: c.control.id,
      title: c.control.title,
      severity: c.control.severity,
      family: c.control.family,
      evaluated: c.evaluated,
      failed: c.failed,
      excepted: c.excepted,
      mappings: mappingsOf(c.control.mappings),
    })),
    frameworks: result.frameworks.map(frameworkToJson),
    exceptions: x ? x.statuses.map((s) => exceptionToJson(s, x.now, x.used.get(exceptionKey(s.exception)) ?? 0)) : [],
    diagnostics: result.diagnostics.map(diagnosticToJson),
  };
}

/** Findings are written into chunks of this many bytes (or more, for a finding larger than that). */
const CHUNK_BYTES = 1 << 20;

/**
 * Streams the report as pretty-printed JSON, one finding at a time (outputs can be very large): the
 * findings as UTF-8 bytes, written straight into large chunks from pieces encoded once per control,
 * resource and path; the rest as text.
 */
export function* formatJson(result: ScanResult, opts: JsonReportOptions): Generator<string | Uint8Array> {
  const report = toJsonReport(result, opts, false);
  const text = JSON.stringify(report, null, 2);
  const marker = '"findings": []';
  const at = text.indexOf(marker);
  yield text.slice(0, at) + '"findings": [';
  const n = result.findings.length;
  const w = new ChunkWriter(CHUNK_BYTES);
  for (let i = 0; i < n; i++) {
    const full = w.reserve(i === 0, result.findings[i]);
    if (full !== undefined) yield full;
  }
  const last = w.take();
  if (last !== undefined) yield last;
  yield (n > 0 ? '\n  ]' : ']') + text.slice(at + marker.length) + '\n';
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const SEP_FIRST = utf8('\n');
const SEP = utf8(',\n');
const COLUMN = utf8(',\n        "column": ');
/** `COLUMN` and the column, for the columns most findings have. */
const COLUMNS: readonly Buffer[] = Array.from({ length: 128 }, (_, n) => utf8(`,\n        "column": ${n}`));

const controlBytes = new WeakMap<object, { first: Buffer; next: Buffer }>();
const resourceBytes = new WeakMap<object, { res: Buffer; tail: Buffer }>();
/** `"path": …` as UTF-8 JSON text, by path: checks build the same few hundred paths for every resource. */
const pathBytes = new Map<string, Buffer>();

/**
 * Writes findings as `prettyFinding` renders them, straight into a byte buffer: the pieces that
 * repeat are encoded once, so a finding costs its message and two numbers.
 */
class ChunkWriter {
  private buf: Buffer;
  private off = 0;
  private lastResource: Resource | undefined;
  private lastPieces: { res: Buffer; tail: Buffer } | undefined;

  constructor(private readonly size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Appends a finding (the first of the list, or after a comma); returns the previous chunk when it had to start a new one. */
  reserve(first: boolean, f: Finding): Buffer | undefined {
    if (f.status !== 'fail' || f.exception !== undefined) {
      // Rare (excepted findings): the text renderer.
      const sep = first ? SEP_FIRST : SEP;
      const s = prettyFinding(f);
      const full = this.room(sep.length + s.length * 3);
      this.put(sep);
      this.off += this.buf.write(s, this.off, 'utf8');
      return full;
    }
    let cp = controlBytes.get(f.control);
    if (cp === undefined) {
      const head = `${controlHead(f.control)}"fail",\n      "message": `;
      controlBytes.set(f.control, (cp = { first: utf8(`\n${head}`), next: utf8(`,\n${head}`) }));
    }
    const c = first ? cp.first : cp.next;
    const r = f.resource;
    // A resource's findings come one after another: its pieces are usually the last ones used.
    let rp = r === this.lastResource ? this.lastPieces : resourceBytes.get(r);
    if (rp === undefined) {
      const t = resourceText(r);
      rp = { res: utf8(t.res), tail: utf8(`${t.tail}\n    }`) };
      resourceBytes.set(r, rp);
    }
    this.lastResource = r;
    this.lastPieces = rp;
    let p = pathBytes.get(f.path);
    if (p === undefined) {
      p = utf8(pathText(f.path));
      if (pathBytes.size < 100_000) pathBytes.set(f.path, p);
    }
    const message = JSON.stringify(f.message);
    const full = this.room(c.length + message.length * 3 + p.length + rp.res.length + COLUMN.length + rp.tail.length + 64);
    this.put(c);
    this.off += this.buf.write(message, this.off, 'utf8');
    this.put(p);
    this.put(rp.res);
    this.int(f.position?.line ?? r.origin.line);
    const column = f.position?.column ?? 1;
    if (Number.isInteger(column) && column >= 0 && column < COLUMNS.length) this.put(COLUMNS[column]);
    else {
      this.put(COLUMN);
      this.int(column);
    }
    this.put(rp.tail);
    return full;
  }

  /** The bytes written so far, if any. */
  take(): Buffer | undefined {
    if (this.off === 0) return undefined;
    const out = this.buf.subarray(0, this.off);
    this.buf = Buffer.allocUnsafe(this.size);
    this.off = 0;
    return out;
  }

  private room(bytes: number): Buffer | undefined {
    if (this.off + bytes <= this.buf.length) return undefined;
    const full = this.take();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
    return full;
  }

  private put(b: Buffer): void {
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /** A number as `${n}` spells it. */
  private int(n: number): void {
    if (Number.isInteger(n) && n >= 0 && n < 1e9) {
      if (n < 10) {
        this.buf[this.off++] = 48 + n;
        return;
      }
      const s = String(n);
      for (let i = 0; i < s.length; i++) this.buf[this.off + i] = s.charCodeAt(i);
      this.off += s.length;
      return;
    }
    this.off += this.buf.write(String(n), this.off, 'utf8');
  }
}

function indent(s: string, pad: string): string {
  return s.replace(/\n/g, '\n' + pad);
}

const controlPart = new WeakMap<object, { head: string; fail: string }>();
/** `"path": …` as JSON text, by path: checks build the same few hundred paths for every resource. */
const pathPart = new Map<string, string>();
const resourcePart = new WeakMap<object, { res: string; tail: string; end: string }>();

/** A finding's text up to its status. */
function controlHead(ctl: Control): string {
  return `    {\n      "controlId": ${JSON.stringify(ctl.id)},\n      "title": ${JSON.stringify(ctl.title)},\n      "severity": ${JSON.stringify(ctl.severity)},\n      "family": ${JSON.stringify(ctl.family)},\n      "status": `;
}

/** From after the path to the finding's line (`res`), and from after its column to the end of the location (`tail`). */
function resourceText(r: Resource): { res: string; tail: string } {
  const o = r.origin;
  let tail = `,\n        "document": ${o.doc},\n        "resourceLine": ${o.line}`;
  if (o.stream) tail += `,\n        "stream": {\n          "file": ${JSON.stringify(o.stream.file)},\n          "line": ${o.stream.line}\n        }`;
  if (o.sourcePath) tail += `,\n        "sourcePath": ${JSON.stringify(o.sourcePath)}`;
  tail += '\n      }';
  const res = indent(JSON.stringify({ apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), name: r.name }, null, 2), '      ');
  return { res: `,\n      "resource": ${res},\n      "location": {\n        "file": ${JSON.stringify(o.file)},\n        "line": `, tail };
}

function pathText(path: string): string {
  return `,\n      "path": ${JSON.stringify(path)}`;
}

/**
 * The same text as `JSON.stringify(findingToJson(f), null, 2)` indented by four spaces, built from
 * pieces cached per control, per resource and per path: reports can hold millions of findings.
 */
function prettyFinding(f: Finding): string {
  let c = controlPart.get(f.control);
  if (!c) {
    const head = controlHead(f.control);
    c = { head, fail: `${head}"fail",\n      "message": ` };
    controlPart.set(f.control, c);
  }
  const r = f.resource;
  let rp = resourcePart.get(r);
  if (rp === undefined) {
    const t = resourceText(r);
    rp = { res: t.res, tail: t.tail, end: `${t.tail}\n    }` };
    resourcePart.set(r, rp);
  }
  let path = pathPart.get(f.path);
  if (path === undefined) {
    path = pathText(f.path);
    if (pathPart.size < 100_000) pathPart.set(f.path, path);
  }
  const head = f.status === 'fail' ? c.fail : `${c.head}${JSON.stringify(f.status)},\n      "message": `;
  const end = f.exception ? `${rp.tail},\n      "exception": ${indent(JSON.stringify(refToJson(f.exception), null, 2), '      ')}\n    }` : rp.end;
  return `${head}${JSON.stringify(f.message)}${path}${rp.res}${f.position?.line ?? r.origin.line},\n        "column": ${f.position?.column ?? 1}${end}`;
}
