import { DetectionEngine, type Detection } from '../../src/audit/engine.js';
import { BUILTIN_RULES } from '../../src/audit/rules.js';
import type { AuditEvent } from '../../src/audit/types.js';

let n = 0;
/** A realistic audit.k8s.io/v1 event; fields given override (objectRef is merged). */
export function ev(o: Partial<AuditEvent> & { at?: number } = {}): AuditEvent {
  n++;
  const t = new Date(Date.parse('2026-11-30T09:00:00Z') + (o.at ?? n) * 1000).toISOString();
  const { at, objectRef, ...rest } = o;
  void at;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Request',
    auditID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb: 'get',
    user: { username: 'jane@example.com', groups: ['developers', 'system:authenticated'] },
    sourceIPs: ['10.0.0.5'],
    userAgent: 'kubectl/v1.34.2',
    objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1', ...objectRef },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: t,
    stageTimestamp: t,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
    ...rest,
  };
}

export function detect(events: AuditEvent[], rules = BUILTIN_RULES): Detection[] {
  const engine = new DetectionEngine(rules);
  const out: Detection[] = [];
  for (const e of events) engine.evaluate(e, undefined, out);
  return out;
}

export const SA = (ns: string, name: string) => ({ username: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
export const ADMIN = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
export const CONTROLLER = { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] };
