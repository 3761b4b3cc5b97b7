/** Audit detections as SARIF 2.1.0: one rule per fired detection rule, one result per detection at file:line. */
import path from 'node:path';
import type { Detection } from './engine.js';
import type { AuditDiagnostic, Severity } from './types.js';

/** GitHub maps security-severity > 9.0 to critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.5' };
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

function uri(file: string): string | undefined {
  if (file === '-' || file === 'webhook') return undefined;
  const rel = path.isAbsolute(file) ? path.relative(process.cwd(), file) : file;
  return rel.split(path.sep).join('/').split('/').map(encodeURIComponent).join('/');
}

export function detectionsToSarif(dets: Detection[], diagnostics: AuditDiagnostic[], tool: { name: string; version: string }): object {
  const rules = new Map<string, Detection>();
  for (const d of dets) if (!rules.has(d.rule)) rules.set(d.rule, d);
  const ids = [...rules.keys()];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            rules: [...rules.values()].map((d) => ({
              id: d.rule,
              name: d.title,
              shortDescription: { text: d.title },
              fullDescription: { text: d.explanation || d.title },
              help: { text: d.remediation || d.title },
              defaultConfiguration: { level: LEVEL[d.severity] },
              properties: { tags: ['security', 'kubernetes-audit', ...d.mitre.map((m) => `mitre-attack/${m}`)], 'security-severity': SECURITY_SEVERITY[d.severity] },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: diagnostics.length === 0,
            toolExecutionNotifications: diagnostics.map((x) => ({
              level: 'warning',
              message: { text: x.message },
              locations: uri(x.file) ? [{ physicalLocation: { artifactLocation: { uri: uri(x.file) }, region: { startLine: x.line } } }] : [],
            })),
          },
        ],
        results: dets.map((d) => {
          const u = d.origin ? uri(d.origin.file) : undefined;
          const who = `${d.user || 'unauthenticated'}${d.impersonatedUser ? ` as ${d.impersonatedUser}` : ''}`;
          const what = [d.verb, d.resource, d.namespace ? `${d.namespace}/${d.name}` : d.name].filter(Boolean).join(' ');
          return {
            ruleId: d.rule,
            ruleIndex: ids.indexOf(d.rule),
            level: LEVEL[d.severity],
            message: { text: `${d.title}: ${who} ${what} at ${d.time || 'unknown time'} from ${d.sourceIP || 'unknown source'}${d.count ? ` (${d.count} events)` : ''}` },
            locations: u ? [{ physicalLocation: { artifactLocation: { uri: u }, region: { startLine: d.origin!.line } } }] : [],
            partialFingerprints: { auditID: `${d.rule}/${d.auditID}` },
            properties: { time: d.time, user: d.user, verb: d.verb, resource: d.resource, namespace: d.namespace, name: d.name, sourceIP: d.sourceIP, auditID: d.auditID, mitre: d.mitre },
          };
        }),
      },
    ],
  };
}
