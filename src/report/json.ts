/**
 * JSON output, schema `schemas/scan-result-v1.schema.json`. The `schemaVersion` field changes only
 * when a field is removed or changes meaning; new fields may be added within a version.
 */
import { formatVersion } from '../controls/pod-security/version.js';
import type { Diagnostic, Finding, Mappings } from '../core/types.js';
import type { FrameworkResult } from '../frameworks/assess.js';
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
      ...(q.requirement.guidance ? { guidance: q.requirement.guidance } : {}),
    })),
  };
}

function mappingsOf(m: Mappings): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(m)) if (Array.isArray(v) && v.length > 0) out[k] = [...v];
  return out;
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
      mappings: mappingsOf(c.control.mappings),
    })),
    frameworks: result.frameworks.map(frameworkToJson),
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
const resourcePart = new WeakMap<object, string>();

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
  let res = resourcePart.get(r);
  if (res === undefined) {
    res = indent(JSON.stringify({ apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), name: r.name }, null, 2), '      ');
    resourcePart.set(r, res);
  }
  const o = r.origin;
  let loc = `{\n        "file": ${JSON.stringify(o.file)},\n        "line": ${f.position?.line ?? o.line},\n        "column": ${f.position?.column ?? 1},\n        "document": ${o.doc},\n        "resourceLine": ${o.line}`;
  if (o.stream) loc += `,\n        "stream": {\n          "file": ${JSON.stringify(o.stream.file)},\n          "line": ${o.stream.line}\n        }`;
  if (o.sourcePath) loc += `,\n        "sourcePath": ${JSON.stringify(o.sourcePath)}`;
  loc += '\n      }';
  return `${c.head}${JSON.stringify(f.status)},\n      "message": ${JSON.stringify(f.message)},\n      "path": ${JSON.stringify(f.path)},\n      "resource": ${res},\n      "location": ${loc}${c.tail}`;
}
