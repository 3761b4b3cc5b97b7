/** The parts of an audit.k8s.io/v1 Event that kubecomply reads (k8s.io/apiserver pkg/apis/audit/v1). */
export interface AuditUser {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditObjectRef {
  resource?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiGroup?: string;
  apiVersion?: string;
  resourceVersion?: string;
  subresource?: string;
}

export interface AuditEvent {
  apiVersion?: string;
  kind?: string;
  level?: string;
  auditID?: string;
  stage?: string;
  requestURI?: string;
  verb?: string;
  user?: AuditUser;
  impersonatedUser?: AuditUser;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: AuditObjectRef;
  responseStatus?: { code?: number; status?: string; reason?: string; message?: string };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  /** audit.k8s.io/v1beta1 only. */
  timestamp?: string;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

/** Where an event came from: file (or "-" / "webhook") and 1-based line. */
export interface EventOrigin {
  file: string;
  line: number;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export function severityRank(s: Severity): number {
  return 4 - SEVERITIES.indexOf(s);
}

/** A problem with the input: reported with file:line, the rest is still read. */
export interface AuditDiagnostic {
  file: string;
  line: number;
  message: string;
}

/** Event time in ms since the epoch (stageTimestamp, else requestReceivedTimestamp, else v1beta1 timestamp), NaN if none. */
export function eventTime(e: AuditEvent): number {
  const t = e.stageTimestamp ?? e.requestReceivedTimestamp ?? e.timestamp;
  return typeof t === 'string' ? Date.parse(t) : NaN;
}

/** The resource with its subresource, e.g. "pods/exec". */
export function resourcePath(e: AuditEvent): string {
  const r = e.objectRef;
  if (!r || !r.resource) return '';
  return r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
}

/** The last source IP: the only one the API server saw itself (the others come from X-Forwarded-For / X-Real-Ip). */
export function sourceIP(e: AuditEvent): string {
  const ips = e.sourceIPs;
  return Array.isArray(ips) && ips.length > 0 ? String(ips[ips.length - 1]) : '';
}
