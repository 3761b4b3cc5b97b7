/**
 * SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: one rule per control (with help
 * text, tags and a numeric `security-severity`), one result per finding located at the offending
 * field (file, line, column), and input problems as tool execution notifications.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Control, Diagnostic, Finding, Origin, Severity } from '../core/types.js';
import { INFORMATION_URI } from '../core/version.js';
import { exceptionKey } from '../policy/exceptions.js';
import type { ScanResult } from '../scanner.js';

/** GitHub maps security-severity > 9.0 to critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.5' };
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** An artifact URI relative to the working directory, with forward slashes, or undefined for stdin. */
export function artifactUri(file: string, cwd = process.cwd()): string | undefined {
  if (file === '<stdin>') return undefined;
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file;
  const posix = rel.split(path.sep).join('/').replace(/^\.\//, '');
  return posix.split('/').map(encodeURIComponent).join('/');
}

function ruleName(c: Control): string {
  return c.id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

function tagsOf(c: Control): string[] {
  const tags = ['security', 'kubernetes', c.family];
  const m = c.mappings;
  for (const id of m.cis ?? []) tags.push(`CIS-${id}`);
  for (const id of m.nsa ?? []) tags.push(`NSA-${id}`);
  for (const id of m.mitre ?? []) tags.push(`MITRE-${id}`);
  for (const id of m.nist80190 ?? []) tags.push(`NIST-800-190-${id}`);
  for (const id of m.pci ?? []) tags.push(`PCI-DSS-${id}`);
  for (const id of m.hipaa ?? []) tags.push(`HIPAA-${id}`);
  for (const id of m.gdpr ?? []) tags.push(`GDPR-${id}`);
  for (const id of m.soc2 ?? []) tags.push(`SOC2-${id}`);
  for (const id of m.cra ?? []) tags.push(`CRA-${id}`);
  for (const s of m.stride ?? []) tags.push(`STRIDE-${s}`);
  return tags;
}

function rule(c: Control): Record<string, unknown> {
  const markdown = `**${c.title}** (${c.severity})\n\n${c.description}\n\n**Why:** ${c.rationale}\n\n**Fix:** ${c.remediation}\n\n${c.references.map((r) => `- ${r}`).join('\n')}`;
  return {
    id: c.id,
    name: ruleName(c),
    shortDescription: { text: c.title },
    fullDescription: { text: c.description },
    help: { text: `${c.rationale}\n\nFix: ${c.remediation}`, markdown },
    ...(c.references[0]?.startsWith('http') ? { helpUri: c.references[0].split(' ')[0] } : {}),
    defaultConfiguration: { level: LEVEL[c.severity] },
    properties: {
      tags: tagsOf(c),
      precision: 'very-high',
      'problem.severity': LEVEL[c.severity] === 'note' ? 'recommendation' : LEVEL[c.severity],
      'security-severity': SECURITY_SEVERITY[c.severity],
      severity: c.severity,
      family: c.family,
      mappings: c.mappings,
    },
  };
}

/**
 * Stable across scans (no line numbers). Several findings of one control at one path (a list judged
 * as a whole, e.g. weak cipher suites in an embedded configuration) are told apart by their order,
 * so code scanning keeps each as its own alert; the first keeps the plain fingerprint.
 */
function fingerprint(f: Finding, seen: Map<string, number>): string {
  const r = f.resource;
  const key = `${f.control.id}\u0000${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}\u0000${f.path}`;
  const n = seen.get(key) ?? 0;
  seen.set(key, n + 1);
  return createHash('sha256')
    .update(n === 0 ? key : `${key}\u0000${n}`)
    .digest('hex')
    .slice(0, 32);
}

/**
 * SARIF 2.1.0 §3.35: an excepted finding carries an external, accepted suppression with the
 * exception's justification, located at the exception document when it is known.
 */
function suppressionOf(f: Finding, origins: ReadonlyMap<string, Origin>): Record<string, unknown>[] {
  const e = f.exception;
  if (!e) return [{ kind: 'external', status: 'accepted' }];
  const origin = origins.get(exceptionKey(e));
  const uri = origin ? artifactUri(origin.file) : undefined;
  return [
    {
      kind: 'external',
      status: 'accepted',
      justification: e.justification,
      ...(uri && origin ? { location: { physicalLocation: { artifactLocation: { uri, uriBaseId: '%SRCROOT%' }, region: { startLine: Math.max(1, origin.line) } } } } : {}),
      properties: {
        exception: exceptionKey(e),
        approvedBy: e.approvedBy,
        expires: e.expires,
        ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
      },
    },
  ];
}

function resultOf(f: Finding, ruleIndex: number, origins: ReadonlyMap<string, Origin>, seen: Map<string, number>): Record<string, unknown> {
  const r = f.resource;
  const uri = artifactUri(r.origin.file);
  const fqn = r.namespace !== undefined ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
  const line = Math.max(1, f.position?.line ?? r.origin.line);
  const column = Math.max(1, f.position?.column ?? 1);
  const locations = uri
    ? [
        {
          physicalLocation: {
            artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
            region: { startLine: line, startColumn: column },
          },
          logicalLocations: [{ fullyQualifiedName: `${fqn}/${f.path}`, kind: 'member' }],
        },
      ]
    : [{ logicalLocations: [{ fullyQualifiedName: `${fqn}/${f.path}`, kind: 'member' }] }];
  return {
    ruleId: f.control.id,
    ruleIndex,
    level: LEVEL[f.control.severity],
    ...(f.status === 'excepted' ? { suppressions: suppressionOf(f, origins) } : {}),
    message: { text: `${fqn}: ${f.message} (${f.path})` },
    locations,
    partialFingerprints: { 'kubecomply/v1': fingerprint(f, seen) },
    properties: {
      resource: { apiVersion: r.apiVersion, kind: r.kind, ...(r.namespace !== undefined ? { namespace: r.namespace } : {}), name: r.name },
      path: f.path,
      severity: f.control.severity,
      ...(f.status === 'excepted' ? { status: 'excepted' } : {}),
    },
  };
}

function notification(d: Diagnostic): Record<string, unknown> {
  const uri = artifactUri(d.file);
  return {
    level: d.level,
    message: { text: `${d.message} [${d.code}]` },
    descriptor: { id: d.code },
    ...(uri
      ? {
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
                ...(d.line !== undefined ? { region: { startLine: Math.max(1, d.line), ...(d.column !== undefined ? { startColumn: Math.max(1, d.column) } : {}) } } : {}),
              },
            },
          ],
        }
      : {}),
  };
}

export function* formatSarif(result: ScanResult): Generator<string> {
  const rules = result.controls.map((c) => c.control);
  const index = new Map(rules.map((c, i) => [c.id, i]));
  // A control outside the active set can still have findings when callers build results by hand.
  for (const f of result.findings) {
    if (!index.has(f.control.id)) {
      index.set(f.control.id, rules.length);
      rules.push(f.control);
    }
  }
  const inputErrors = result.diagnostics.some((d) => d.level === 'error');
  const origins = new Map<string, Origin>();
  for (const s of result.exceptions?.statuses ?? []) if (s.state === 'active') origins.set(exceptionKey(s.exception), s.exception.origin);
  const doc = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: result.tool.name,
            version: result.tool.version,
            semanticVersion: result.tool.version,
            informationUri: INFORMATION_URI,
            rules: rules.map(rule),
          },
        },
        invocations: [
          {
            executionSuccessful: !inputErrors,
            startTimeUtc: result.startedAt.toISOString(),
            toolExecutionNotifications: result.diagnostics.filter((d) => d.level !== 'note').map(notification),
          },
        ],
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileUri(process.cwd()) } },
        columnKind: 'utf16CodeUnits',
        properties: {
          frameworks: result.frameworks.map((f) => ({ id: f.framework.id, name: f.framework.name, version: f.framework.version, score: f.score, counts: f.counts })),
        },
        results: [] as unknown[],
      },
    ],
  };
  const text = JSON.stringify(doc, null, 2);
  const marker = '"results": []';
  const at = text.indexOf(marker);
  yield text.slice(0, at) + '"results": [';
  let batch = '';
  const n = result.findings.length;
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const f = result.findings[i];
    batch += (i === 0 ? '\n' : ',\n') + indent(JSON.stringify(resultOf(f, index.get(f.control.id) ?? 0, origins, seen), null, 2), '        ');
    if (batch.length > 65536) {
      yield batch;
      batch = '';
    }
  }
  yield batch + (n > 0 ? '\n      ]' : ']') + text.slice(at + marker.length) + '\n';
}

function indent(s: string, pad: string): string {
  return pad + s.replace(/\n/g, '\n' + pad);
}

function pathToFileUri(p: string): string {
  const posix = p.split(path.sep).join('/');
  return 'file://' + (posix.startsWith('/') ? '' : '/') + posix.split('/').map(encodeURIComponent).join('/') + '/';
}
