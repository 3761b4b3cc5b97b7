/** Kubernetes audit-log analysis: read events, run detection rules, query, lint policies, ingest Falco alerts. */
import { DetectionEngine, type Detection } from './engine.js';
import { falcoToDetection, isFalcoAlert } from './falco.js';
import { expandInputs, readAuditFile, routeValue } from './reader.js';
import { BUILTIN_RULES, type AuditRule } from './rules.js';
import type { AuditDiagnostic, AuditEvent, EventOrigin } from './types.js';

export * from './types.js';
export { BUILTIN_RULES, type AuditRule } from './rules.js';
export { DetectionEngine, type Detection, severityAtLeast, validateRule } from './engine.js';
export { compileCondition, validateCondition, type Condition } from './conditions.js';
export { readAuditFile, readAuditStream, expandInputs, sortRotated } from './reader.js';
export { loadUserRules, parseUserRules, RulesFileError } from './user-rules.js';
export { lintPolicy, parsePolicy, levelFor, type PolicyFinding, type AuditPolicy } from './policy-lint.js';
export { compileFilter, rowOf, timeline, parseTimeArg, type QueryFilter, type QueryRow } from './query.js';
export { detectionsToSarif } from './sarif.js';
export { falcoToDetection, parseFalcoText, readFalcoFile, type FalcoAlert } from './falco.js';

export interface AnalysisResult {
  events: number;
  detections: Detection[];
  diagnostics: AuditDiagnostic[];
}

/** Runs the rules over files (directories expand to rotated sets; "-" is stdin). */
export async function analyzeFiles(inputs: string[], opts: { rules?: AuditRule[]; rotated?: boolean; onEvent?: (e: AuditEvent, o: EventOrigin) => void } = {}): Promise<AnalysisResult> {
  const engine = new DetectionEngine(opts.rules ?? BUILTIN_RULES);
  const detections: Detection[] = [];
  const diagnostics: AuditDiagnostic[] = [];
  for (const f of await expandInputs(inputs, opts.rotated)) {
    await readAuditFile(
      f,
      (e, o) => {
        engine.evaluate(e, o, detections);
        opts.onEvent?.(e, o);
      },
      (d) => diagnostics.push(d),
    );
  }
  return { events: engine.events, detections, diagnostics };
}

let sharedEngine: DetectionEngine | undefined;

/**
 * For the audit webhook backend (POST /audit on kubecomply serve): the body is an audit.k8s.io/v1 EventList as
 * the API server sends it (a single Event or a Falcosidekick alert are accepted too). Stateful rules keep their
 * state across calls when the default engine is used; pass an engine for user rules.
 */
export function analyzeEventList(body: unknown, engine?: DetectionEngine): AnalysisResult {
  const eng = engine ?? (sharedEngine ??= new DetectionEngine(BUILTIN_RULES));
  const detections: Detection[] = [];
  const diagnostics: AuditDiagnostic[] = [];
  let value = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
    } catch (e) {
      return { events: 0, detections, diagnostics: [{ file: 'webhook', line: 1, message: `invalid JSON: ${(e as Error).message}` }] };
    }
  }
  if (isFalcoAlert(value)) return { events: 0, detections: [falcoToDetection(value)], diagnostics };
  const origin: EventOrigin = { file: 'webhook', line: 1 };
  const events = routeValue(value, origin, (e) => eng.evaluate(e, undefined, detections), (d) => diagnostics.push(d));
  return { events, detections, diagnostics };
}
