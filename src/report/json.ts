/**
 * JSON output, schema `schemas/scan-result-v1.schema.json`. The `schemaVersion` field changes only
 * when a field is removed or changes meaning; new fields may be added within a version.
 */
import { formatVersion } from '../controls/pod-security/version.js';
import type { Diagnostic, ExceptionRef, Finding, Mappings } from '../core/types.js';
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

/** Streams the report as pretty-printed JSON, one finding at a time (outputs can be very large). */
export function* formatJson(result: ScanResult, opts: JsonReportOptions): Generator<string> {
  const report = toJsonReport(result, opts, false);
  const text = JSON.stringify(report, null, 2);
  const marker = '"findings": []';
  const at = text.indexOf(marker);
  yield text.slice(0, at) + '"findings": [';
  const n = result.findings.length;
  let batch = '';
  for (let i = 0; i < n; i++) {
    batch += (i === 0 ? '\n' : ',\n') + prettyFinding(result.findings[i]);
    if (batch.length > 65536) {
      yield batch;
      batch = '';
    }
  }
  yield batch + (n > 0 ? '\n  ]' : ']') + text.slice(at + marker.length) + '\n';
}

function indent(s: string, pad: string): string {
  return s.replace(/\n/g, '\n' + pad);
}

const controlPart = new WeakMap<object, { head: string; tail: string }>();
const resourcePart = new WeakMap<object, { res: string; file: string; tail: string }>();

/**
 * The same text as `JSON.stringify(findingToJson(f), null, 2)` indented by four spaces, built from
 * pieces cached per control and per resource: reports can hold hundreds of thousands of findings.
 */
function prettyFinding(f: Finding): string {
  let c = controlPart.get(f.control);
  if (!c) {
    const ctl = f.control;
    c = {
      head: `    {\n      "controlId": ${JSON.stringify(ctl.id)},\n      "title": ${JSON.stringify(ctl.title)},\n      "severity": ${JSON.stringify(ctl.severity)},\n      "family": ${JSON.stringify(ctl.family)},\n      "status": `,
      tail: '\n    }',
    };
    controlPart.set(f.control, c);
  }
  const r = f.resource;
  const o = r.origin;
  let rp = resourcePart.get(r);
  if (rp === undefined) {
    // Everything of the resource and its location but the finding's own line and column.
    let tail = `,\n        "document": ${o.doc},\n        "resourceLine": ${o.line}`;
    if (o.stream) tail += `,\n        "stream": {\n          "file": ${JSON.stringify(o.stream.file)},\n          "line": ${o.stream.line}\n        }`;
    if (o.sourcePath) tail += `,\n        "sourcePath": ${JSON.stringify(o.sourcePath)}`;
    rp = {
      res: indent(JSON.stringify({ apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), name: r.name }, null, 2), '      '),
      file: `{\n        "file": ${JSON.stringify(o.file)},\n        "line": `,
      tail: tail + '\n      }',
    };
    resourcePart.set(r, rp);
  }
  const res = rp.res;
  const loc = `${rp.file}${f.position?.line ?? o.line},\n        "column": ${f.position?.column ?? 1}${rp.tail}`;
  const exc = f.exception ? `,\n      "exception": ${indent(JSON.stringify(refToJson(f.exception), null, 2), '      ')}` : '';
  return `${c.head}${JSON.stringify(f.status)},\n      "message": ${JSON.stringify(f.message)},\n      "path": ${JSON.stringify(f.path)},\n      "resource": ${res},\n      "location": ${loc}${exc}${c.tail}`;
}
