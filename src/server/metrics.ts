/**
 * Prometheus metrics in the text exposition format 0.0.4, hand-written: counters with labels, one
 * histogram, gauges read at scrape time. Recording is a Map lookup and an addition, so it costs
 * nothing next to a review.
 *
 * Label values come from requests (kinds, control ids, exception names), so each metric keeps at most
 * `maxSeries` label combinations; further ones are counted under the value "other" rather than growing
 * memory and scrape size without bound.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Review latency buckets, in seconds: 0.5 ms … 1 s (the API server's webhook timeout is 1–30 s). */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Prometheus float formatting: integers plainly, the special values by name. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Metric {
  render(out: string[]): void;
}

interface Series {
  labels: string;
  value: number;
}

/** Label values → series, one Map level per label name (the last level holds the series). */
type SeriesTrie = Map<string, SeriesTrie | Series>;

export class Counter<L extends string> implements Metric {
  private readonly series = new Map<string, Series>();
  /**
   * The same series by label values, a level per label: a review records several series, and looking
   * each up by its (mostly constant) label strings avoids building a key string per increment. Holds
   * only series of their own (at most maxSeries): those counted under "other" take the keyed path.
   */
  private readonly trie: SeriesTrie = new Map();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    private readonly maxSeries = 1000,
  ) {}

  /** Adds `by` (default 1) to the series with these label values. */
  inc(labels: Record<L, string>, by = 1): void {
    const names = this.labelNames;
    let node: SeriesTrie | Series | undefined = this.trie;
    for (let i = 0; i < names.length && node !== undefined; i++) node = (node as SeriesTrie).get(labels[names[i]]);
    if (node !== undefined && names.length > 0) {
      (node as Series).value += by;
      return;
    }
    let key = this.keyOf(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      if (this.series.size >= this.maxSeries) {
        const other = {} as Record<L, string>;
        for (const n of this.labelNames) other[n] = 'other';
        key = '\u0000other';
        s = this.series.get(key);
        if (s === undefined) {
          s = { labels: this.labelText(other), value: 0 };
          this.series.set(key, s);
        }
      } else {
        s = { labels: this.labelText(labels), value: 0 };
        this.series.set(key, s);
        this.remember(labels, s);
      }
    }
    s.value += by;
  }

  /** Files a series of its own under its label values in the trie. */
  private remember(labels: Record<L, string>, s: Series): void {
    const names = this.labelNames;
    if (names.length === 0) return;
    let node = this.trie;
    for (let i = 0; i < names.length - 1; i++) {
      const v = labels[names[i]];
      let next = node.get(v) as SeriesTrie | undefined;
      if (next === undefined) node.set(v, (next = new Map()));
      node = next;
    }
    node.set(labels[names[names.length - 1]], s);
  }

  /** The value of one series (0 when it was never incremented). */
  get(labels: Record<L, string>): number {
    return this.series.get(this.keyOf(labels))?.value ?? 0;
  }

  private keyOf(labels: Record<L, string>): string {
    let key = '';
    for (const n of this.labelNames) key += `${labels[n]}\u0000`;
    return key;
  }

  /** Sum over every series. */
  total(): number {
    let t = 0;
    for (const s of this.series.values()) t += s.value;
    return t;
  }

  private labelText(labels: Record<L, string>): string {
    if (this.labelNames.length === 0) return '';
    return `{${this.labelNames.map((n) => `${n}="${escapeLabel(String(labels[n] ?? ''))}"`).join(',')}}`;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`);
    for (const s of this.series.values()) out.push(`${this.name}${s.labels} ${formatValue(s.value)}`);
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = DURATION_BUCKETS,
  ) {
    for (let i = 1; i < buckets.length; i++) if (!(buckets[i] > buckets[i - 1])) throw new RangeError(`${name}: buckets must increase`);
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observe(v: number): void {
    const b = this.buckets;
    // Few buckets: a linear scan beats a binary search, and most reviews land in the first ones.
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }

  get observations(): number {
    return this.count;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} histogram`);
    let cumulative = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cumulative += this.counts[i];
      out.push(`${this.name}_bucket{le="${formatValue(this.buckets[i])}"} ${cumulative}`);
    }
    cumulative += this.counts[this.buckets.length];
    out.push(`${this.name}_bucket{le="+Inf"} ${cumulative}`, `${this.name}_sum ${formatValue(this.sum)}`, `${this.name}_count ${this.count}`);
  }
}

/** A gauge whose value (or labelled values) is read when scraped. */
export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number | { labels: Record<string, string>; value: number }[],
  ) {}

  render(out: string[]): void {
    const v = this.read();
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`);
    if (typeof v === 'number') {
      out.push(`${this.name} ${formatValue(v)}`);
      return;
    }
    for (const s of v) {
      const names = Object.keys(s.labels);
      const labels = names.length === 0 ? '' : `{${names.map((n) => `${n}="${escapeLabel(s.labels[n])}"`).join(',')}}`;
      out.push(`${this.name}${labels} ${formatValue(s.value)}`);
    }
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }

  /** The exposition text: every metric with HELP and TYPE, a newline after the last line. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}

export type RequestErrorReason =
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'bad_request'
  | 'invalid_review'
  | 'invalid_audit'
  | 'unauthorized'
  | 'request_timeout'
  | 'aborted'
  | 'handler_error'
  | 'tls_handshake';

/** Every metric `kubecomply serve` exports. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly startedAt = Date.now();
  readonly reviews: Counter<'mode' | 'result' | 'kind' | 'operation'>;
  readonly violations: Counter<'control' | 'mode'>;
  readonly exceptionsUsed: Counter<'exception'>;
  readonly duration: Histogram;
  readonly requestErrors: Counter<'reason'>;
  readonly tlsReloads: Counter<'result'>;
  readonly exceptionSourceErrors: Counter<'source' | 'reason'>;
  readonly auditBatches: Counter<'result'>;
  readonly auditEvents: Counter<never>;
  readonly auditDetections: Counter<'rule' | 'severity'>;
  readonly auditEvidence: Counter<'result'>;
  /** Per exception source (`files`, `cluster`): 1 while it is in sync, 0 while it is failing (or has not synced yet). */
  readonly exceptionSourceSynced = new Map<string, number>();
  /** The exceptions in force by source and state, read at scrape time (set by whoever holds them). */
  exceptionStates: () => { source: string; state: string; count: number }[] = () => [];
  inFlight = 0;
  /** Not-after of the serving certificate in use, seconds since the epoch (0 before one is loaded). */
  certificateExpiry = 0;

  constructor(opts: { version?: string } = {}) {
    const r = this.registry;
    this.reviews = r.add(
      new Counter('kubecomply_admission_reviews_total', 'AdmissionReviews answered, by effective mode, result (allowed, denied, warned, audited, error), object kind and operation.', [
        'mode',
        'result',
        'kind',
        'operation',
      ]),
    );
    this.violations = r.add(new Counter('kubecomply_admission_control_violations_total', 'Controls that found a violation in a reviewed object, by control id and effective mode.', ['control', 'mode']));
    this.exceptionsUsed = r.add(new Counter('kubecomply_admission_exceptions_used_total', 'ComplianceExceptions that excused a violation at admission, by exception.', ['exception']));
    this.duration = r.add(new Histogram('kubecomply_admission_review_duration_seconds', 'Time from a review request being received to its answer being written, in seconds.'));
    this.requestErrors = r.add(
      new Counter('kubecomply_admission_request_errors_total', 'Requests answered with an error status or dropped, by reason (not_found, method_not_allowed, unsupported_media_type, body_too_large, invalid_utf8, invalid_json, bad_request, invalid_review, invalid_audit, unauthorized, request_timeout, aborted, handler_error, tls_handshake).', [
        'reason',
      ]),
    );
    this.tlsReloads = r.add(new Counter('kubecomply_tls_reloads_total', 'Serving certificate reloads from disk, by result (success, failure).', ['result']));
    this.exceptionSourceErrors = r.add(
      new Counter('kubecomply_exception_source_errors_total', 'Failed attempts to read ComplianceExceptions, by source (files, cluster) and reason (read; unauthorized, forbidden, not_found, http, timeout, network, stream, decode, credentials, watch_error).', ['source', 'reason']),
    );
    this.auditBatches = r.add(new Counter('kubecomply_audit_batches_total', 'Audit webhook bodies (EventLists) POSTed to /audit, by result (accepted, rejected).', ['result']));
    this.auditEvents = r.add(new Counter<never>('kubecomply_audit_events_total', 'Audit events received on /audit and run through the detection rules.', []));
    this.auditDetections = r.add(new Counter('kubecomply_audit_detections_total', 'Detections made by the audit rules on /audit, by rule and severity.', ['rule', 'severity']));
    this.auditEvidence = r.add(new Counter('kubecomply_audit_evidence_records_total', 'Audit detections written to the evidence log (serve --store), by result (recorded, failed, dropped).', ['result']));
    r.add(
      new Gauge('kubecomply_exception_source_synced', 'Whether an exception source is in sync (1) or failing and serving its last known exceptions (0), by source (files, cluster).', () =>
        [...this.exceptionSourceSynced].map(([source, value]) => ({ labels: { source }, value })),
      ),
    );
    r.add(
      new Gauge('kubecomply_exceptions', 'ComplianceExceptions known to the webhook, by source (files, cluster) and state (active, expired, unapproved, invalid); only active ones are honoured.', () =>
        this.exceptionStates().map((e) => ({ labels: { source: e.source, state: e.state }, value: e.count })),
      ),
    );
    r.add(new Gauge('kubecomply_tls_certificate_expiry_timestamp_seconds', 'Not-after time of the serving certificate in use, seconds since the epoch.', () => this.certificateExpiry));
    r.add(new Gauge('kubecomply_admission_in_flight_reviews', 'Reviews being processed now.', () => this.inFlight));
    r.add(new Gauge('kubecomply_build_info', 'Build information; the value is always 1.', () => [{ labels: { version: opts.version ?? 'unknown', node: process.version }, value: 1 }]));
    r.add(new Gauge('process_start_time_seconds', 'Start time of the process since the epoch, in seconds.', () => Math.floor(this.startedAt / 1000)));
    r.add(new Gauge('kubecomply_process_uptime_seconds', 'Seconds since the server process started.', () => Math.round(process.uptime() * 1000) / 1000));
    r.add(new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage.rss()));
    r.add(new Gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed));
  }

  error(reason: RequestErrorReason): void {
    this.requestErrors.inc({ reason });
  }

  render(): string {
    return this.registry.render();
  }
}
