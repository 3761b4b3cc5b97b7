/**
 * Falco alerts in Falcosidekick's JSON format ({uuid, output, priority, rule, time, source, output_fields, hostname,
 * tags}) → detections. ATT&CK ids come from the rule's tags (Falco tags rules with e.g. "T1609" and "mitre_execution").
 */
import { readFile } from 'node:fs/promises';
import type { Detection } from './engine.js';
import type { AuditDiagnostic, Severity } from './types.js';

export interface FalcoAlert {
  uuid?: string;
  output?: string;
  priority?: string;
  rule?: string;
  time?: string;
  source?: string;
  hostname?: string;
  tags?: string[];
  output_fields?: Record<string, unknown>;
}

const PRIORITY: Record<string, Severity> = {
  emergency: 'critical', alert: 'critical', critical: 'critical', error: 'high', warning: 'medium', notice: 'low',
  informational: 'info', info: 'info', debug: 'info',
};

export function falcoSeverity(priority: string | undefined): Severity {
  return PRIORITY[(priority ?? '').toLowerCase()] ?? 'medium';
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const field = (f: Record<string, unknown>, ...keys: string[]): string => {
  for (const k of keys) if (typeof f[k] === 'string' && f[k] !== '<NA>') return f[k] as string;
  return '';
};

export function isFalcoAlert(v: unknown): v is FalcoAlert {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as FalcoAlert).rule === 'string' && typeof (v as FalcoAlert).priority === 'string';
}

export function falcoToDetection(a: FalcoAlert): Detection {
  const tags = Array.isArray(a.tags) ? a.tags.filter((t): t is string => typeof t === 'string') : [];
  const mitre = [...new Set(tags.filter((t) => /^T\d{4}(\.\d{3})?$/.test(t)))];
  const tactics = tags.filter((t) => t.startsWith('mitre_')).map((t) => t.slice(6).replace(/_/g, ' '));
  const f = a.output_fields ?? {};
  const rule = a.rule ?? 'falco alert';
  const t = Date.parse(a.time ?? '');
  return {
    rule: `falco-${slug(rule)}`,
    title: rule,
    severity: falcoSeverity(a.priority),
    mitre,
    explanation: `${a.output ?? rule}${tactics.length ? ` (ATT&CK tactics: ${tactics.join(', ')})` : ''}`,
    remediation: 'Investigate the Falco alert on the named host and container.',
    time: Number.isFinite(t) ? new Date(t).toISOString() : '',
    user: field(f, 'ka.user.name', 'user.name'),
    verb: field(f, 'ka.verb'),
    resource: field(f, 'ka.target.resource') || (field(f, 'k8s.pod.name') ? 'pods' : ''),
    namespace: field(f, 'ka.target.namespace', 'k8s.ns.name'),
    name: field(f, 'ka.target.name', 'k8s.pod.name', 'container.name'),
    sourceIP: field(f, 'ka.sourceips', 'fd.cip'),
    auditID: a.uuid ?? field(f, 'ka.auditid'),
    requestURI: field(f, 'ka.uri'),
    source: 'falco',
  };
}

/** Parses Falcosidekick payloads: one JSON object per line, a JSON array, or one (pretty-printed) object. */
export function parseFalcoText(text: string, file: string): { alerts: FalcoAlert[]; diagnostics: AuditDiagnostic[] } {
  const alerts: FalcoAlert[] = [];
  const diagnostics: AuditDiagnostic[] = [];
  const take = (v: unknown, line: number): void => {
    if (Array.isArray(v)) v.forEach((x) => take(x, line));
    else if (isFalcoAlert(v)) alerts.push(v);
    else diagnostics.push({ file, line, message: 'not a Falco alert (expected Falcosidekick JSON with "rule" and "priority"); skipped' });
  };
  const trimmed = text.trim();
  if (trimmed === '') return { alerts, diagnostics };
  try {
    take(JSON.parse(trimmed), 1);
    return { alerts, diagnostics };
  } catch {
    /* JSON lines */
  }
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      take(JSON.parse(l), i + 1);
    } catch (e) {
      diagnostics.push({ file, line: i + 1, message: `invalid JSON: ${(e as Error).message}` });
    }
  });
  return { alerts, diagnostics };
}

export async function readFalcoFile(file: string): Promise<{ alerts: FalcoAlert[]; diagnostics: AuditDiagnostic[] }> {
  return parseFalcoText(await readFile(file, 'utf8'), file);
}
