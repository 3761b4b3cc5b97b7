/**
 * The audit webhook backend of `kubecomply serve`: the API server POSTs audit.k8s.io/v1 EventList bodies
 * (--audit-webhook-config-file) to /audit; every event goes through the detection rules of
 * `kubecomply audit analyze` (src/audit, analyzeEventList), and what they find is kept
 *
 *   - in memory, in a ring buffer of the newest `bufferSize` detections, served by GET /audit/findings;
 *   - counted in /metrics (batches, events, detections by rule and severity);
 *   - optionally as evidence records ("audit-detection") in the store, written after the answer, in order,
 *     by one writer; while the store is slow, at most `maxPending` detections wait, the rest are counted
 *     as dropped (the API server is never held up by the store).
 *
 * The answer is 200 as soon as the rules have run (they are synchronous and fast), also for an EventList
 * with no items; a body that is not JSON, or not an EventList or Event, is a 400 naming the problem.
 * Stateful rules (bursts of authentication failures) keep their state across batches.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { analyzeEventList, DetectionEngine, severityAtLeast, type Detection } from '../audit/index.js';
import { BUILTIN_RULES, type AuditRule } from '../audit/rules.js';
import { SEVERITIES, type Severity } from '../audit/types.js';
import type { ServerMetrics } from './metrics.js';

export const DEFAULT_AUDIT_BUFFER = 1000;
export const DEFAULT_AUDIT_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_AUDIT_MAX_PENDING = 10_000;

export interface StoredDetection {
  /** 1, 2, 3 … in the order detections were made since the server started. */
  seq: number;
  received: string;
  detection: Detection;
}

export interface AuditSinkOptions {
  /** Detection rules (default: the built-in ones; add user rules with loadUserRules). */
  rules?: AuditRule[];
  /** Detections kept in memory for GET /audit/findings (default 1000). */
  bufferSize?: number;
  /** Largest body accepted on POST /audit (default 10 MiB: a batch of 400 RequestResponse events can be large). */
  maxBodyBytes?: number;
  /** Persists detections (e.g. as evidence records); called with one detection at a time, in order. */
  record?: (d: Detection) => Promise<unknown>;
  /** Detections waiting for `record` at most; further ones are dropped and counted (default 10,000). */
  maxPending?: number;
  /**
   * A file holding the bearer token the API server must send (the audit webhook kubeconfig's user.token);
   * re-read when it changes. Without it, /audit and /audit/findings accept anyone who can reach the port.
   */
  tokenFile?: string;
  metrics?: ServerMetrics;
  log?: (line: string) => void;
  now?: () => Date;
}

export interface IngestAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class AuditSink {
  readonly maxBodyBytes: number;
  private readonly engine: DetectionEngine;
  private readonly size: number;
  private readonly ring: StoredDetection[] = [];
  private next = 0;
  private seq = 0;
  private events = 0;
  private batches = 0;
  private readonly pending: Detection[] = [];
  private writing: Promise<void> | undefined;
  private recorded = 0;
  private recordFailures = 0;
  private dropped = 0;
  private failing = false;
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private token: { value: Buffer } | undefined;

  constructor(private readonly opts: AuditSinkOptions = {}) {
    this.engine = new DetectionEngine(opts.rules ?? BUILTIN_RULES);
    this.size = Math.max(1, opts.bufferSize ?? DEFAULT_AUDIT_BUFFER);
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_AUDIT_MAX_BODY_BYTES;
    this.log = opts.log ?? ((l) => void process.stderr.write(`${l}\n`));
    this.now = opts.now ?? (() => new Date());
    if (opts.tokenFile) this.readToken();
  }

  /** Whether a request may use the audit routes (the bearer token, when one is configured). */
  authorized(header: string | undefined): boolean {
    if (!this.opts.tokenFile) return true;
    const want = this.readToken();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m || !want) return false;
    const got = Buffer.from(m[1]);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private readToken(): Buffer | undefined {
    const file = this.opts.tokenFile!;
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (text === '') throw new Error('the file is empty');
      this.token = { value: Buffer.from(text) };
    } catch (e) {
      if (!this.token) throw new Error(`cannot read the audit token file ${file}: ${(e as Error).message}`);
      // Keep the last good token while the file is being replaced.
    }
    return this.token?.value;
  }

  /** Runs the rules over one POSTed body (already size-checked, UTF-8 and JSON-parsed by the server). */
  ingest(doc: unknown): IngestAnswer {
    const m = this.opts.metrics;
    const r = analyzeEventList(doc, this.engine);
    if (r.events === 0 && r.diagnostics.length > 0) {
      m?.auditBatches.inc({ result: 'rejected' });
      return { status: 400, body: { message: `the request body is not an audit.k8s.io/v1 EventList or Event: ${r.diagnostics[0].message}` } };
    }
    this.batches++;
    this.events += r.events;
    m?.auditBatches.inc({ result: 'accepted' });
    m?.auditEvents.inc({}, r.events);
    const received = this.now().toISOString();
    for (const d of r.detections) {
      this.seq++;
      m?.auditDetections.inc({ rule: d.rule, severity: d.severity });
      const s: StoredDetection = { seq: this.seq, received, detection: d };
      if (this.ring.length < this.size) this.ring.push(s);
      else this.ring[this.next] = s;
      this.next = (this.next + 1) % this.size;
      this.enqueue(d);
    }
    return {
      status: 200,
      body: { events: r.events, detections: r.detections.length, ...(r.diagnostics.length > 0 ? { skipped: r.diagnostics.map((x) => x.message).slice(0, 10) } : {}) },
    };
  }

  private enqueue(d: Detection): void {
    if (!this.opts.record) return;
    if (this.pending.length >= (this.opts.maxPending ?? DEFAULT_AUDIT_MAX_PENDING)) {
      this.dropped++;
      this.opts.metrics?.auditEvidence.inc({ result: 'dropped' });
      return;
    }
    this.pending.push(d);
    this.writing ??= this.flush().finally(() => {
      this.writing = undefined;
    });
  }

  private async flush(): Promise<void> {
    const record = this.opts.record!;
    for (let d = this.pending.shift(); d !== undefined; d = this.pending.shift()) {
      try {
        await record(d);
        this.recorded++;
        this.opts.metrics?.auditEvidence.inc({ result: 'recorded' });
        if (this.failing) {
          this.failing = false;
          this.log('kubecomply serve: audit detections are being recorded as evidence again');
        }
      } catch (e) {
        this.recordFailures++;
        this.opts.metrics?.auditEvidence.inc({ result: 'failed' });
        if (!this.failing) {
          this.failing = true;
          this.log(`kubecomply serve: cannot record an audit detection as evidence (kept in memory; counted in kubecomply_audit_evidence_records_total{result="failed"}): ${(e as Error).message}`);
        }
      }
    }
  }

  /** Waits until every queued detection has been recorded (or failed). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** The newest detections, oldest first; `after` a seq, at or above a severity, of a rule, at most `limit`. */
  list(q: { after?: number; severity?: Severity; rule?: string; limit?: number } = {}): StoredDetection[] {
    const ordered = this.ring.length < this.size ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    const out = ordered.filter((s) => (q.after === undefined || s.seq > q.after) && (q.severity === undefined || severityAtLeast(s.detection.severity, q.severity)) && (q.rule === undefined || s.detection.rule === q.rule));
    return q.limit !== undefined && out.length > q.limit ? out.slice(out.length - q.limit) : out;
  }

  /** GET /audit/findings: the answer to a query string (400 for a bad parameter). */
  findings(search: URLSearchParams): IngestAnswer {
    const q: Parameters<AuditSink['list']>[0] = {};
    for (const [k, v] of search) {
      if (k === 'after' || k === 'limit') {
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) return { status: 400, body: { message: `invalid ${k} "${v.slice(0, 40)}": expected a non-negative integer` } };
        q[k] = n;
      } else if (k === 'severity') {
        if (!SEVERITIES.includes(v as Severity)) return { status: 400, body: { message: `invalid severity "${v.slice(0, 40)}": expected one of ${SEVERITIES.join(', ')}` } };
        q.severity = v as Severity;
      } else if (k === 'rule') q.rule = v;
      else return { status: 400, body: { message: `unknown parameter "${k.slice(0, 40)}" (known: after, severity, rule, limit)` } };
    }
    const items = this.list(q);
    return {
      status: 200,
      body: {
        kind: 'AuditDetectionList',
        batches: this.batches,
        events: this.events,
        detections: this.seq,
        buffered: this.ring.length,
        bufferSize: this.size,
        ...(this.opts.record ? { evidence: { recorded: this.recorded, failed: this.recordFailures, dropped: this.dropped, pending: this.pending.length } } : {}),
        items: items.map((s) => ({ seq: s.seq, received: s.received, ...s.detection })),
      },
    };
  }
}

/** The evidence record of one detection: what happened, who, where, and the rule's MITRE ids. */
export function detectionEvidence(d: Detection): Record<string, unknown> {
  return {
    message: `audit detection: ${d.rule} (${d.severity}) — ${d.user || 'unknown user'} ${d.verb} ${d.resource}${d.namespace ? ` in ${d.namespace}` : ''}${d.name ? ` ${d.name}` : ''}`,
    rule: d.rule,
    title: d.title,
    severity: d.severity,
    mitre: d.mitre,
    time: d.time,
    user: d.user,
    ...(d.impersonatedUser ? { impersonatedUser: d.impersonatedUser } : {}),
    verb: d.verb,
    resource: d.resource,
    namespace: d.namespace,
    name: d.name,
    sourceIP: d.sourceIP,
    auditID: d.auditID,
    requestURI: d.requestURI,
    ...(d.code !== undefined ? { code: d.code } : {}),
    ...(d.count !== undefined ? { count: d.count } : {}),
    source: d.source,
  };
}
