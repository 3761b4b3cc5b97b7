/**
 * The ComplianceExceptions a running webhook honours: read from files and directories
 * (kubecomply.yaml `exceptions.files`, `--exceptions`), validated against the exception policy, and
 * read again when they change on disk (watched, with a periodic re-read as a fallback). The periodic
 * re-read also re-judges them against the clock, so an exception whose approval date arrives becomes
 * active without a restart (the decider itself stops honouring expired ones at once).
 *
 * With `--cluster-exceptions`, the ComplianceException resources of the cluster join them
 * (`setCluster`, fed by src/server/cluster-exceptions.ts). Both kinds are judged together by
 * parseExceptions, files first: the same governance (approver, approval date, expiry, maxDays,
 * justification, known controls), and a cluster exception with the `namespace/name` of a file one is a
 * duplicate, invalid. Cluster exceptions are reported as `cluster:complianceexceptions/<ns>/<name>`.
 *
 * A re-read that fails (a file that cannot be read, a YAML error) keeps the previous set and says why:
 * a half-written edit never drops every exception at once.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, ExceptionPolicy, Resource } from '../core/types.js';
import { exceptionKey, parseExceptions, type ExceptionStatus } from '../policy/exceptions.js';
import { loadExceptionDocuments } from '../scanner.js';
import type { ServerMetrics } from './metrics.js';
import { watchForChanges } from './watch.js';

/** The origin file of exceptions read from the cluster starts with this. */
export const CLUSTER_ORIGIN_PREFIX = 'cluster:';

export interface ExceptionSetOptions {
  files: readonly string[];
  policy: ExceptionPolicy;
  knownControl: (id: string) => boolean;
  /** Reports reloads and problems (one line each). */
  log: (line: string) => void;
  /** Re-read interval (default 30 s; 0: only on change events). */
  pollMs?: number;
  debounceMs?: number;
  now?: () => Date;
  /** Cluster exceptions will be given with setCluster (the periodic re-judging runs even without files). */
  cluster?: boolean;
  /** Counts failed file reloads and exports the exceptions by source and state. */
  metrics?: ServerMetrics;
}

export interface ExceptionLoad {
  statuses: ExceptionStatus[];
  diagnostics: Diagnostic[];
  /** Whether a file could not be read or parsed (diagnostics of level error). */
  failed: boolean;
}

function summary(statuses: readonly ExceptionStatus[]): string {
  const by = new Map<string, number>();
  for (const s of statuses) by.set(s.state, (by.get(s.state) ?? 0) + 1);
  const parts = ['active', 'expired', 'unapproved', 'invalid'].filter((k) => by.has(k)).map((k) => `${by.get(k)} ${k}`);
  return `${statuses.length} ${statuses.length === 1 ? 'exception' : 'exceptions'}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

function identity(statuses: readonly ExceptionStatus[]): string {
  return JSON.stringify(statuses.map((s) => [exceptionKey(s.exception), s.state, s.exception.origin.file, s.exception.origin.line, s.exception.controls, s.exception.match, s.exception.expires, s.exception.approvedAt, s.exception.approvedBy]));
}

/** `file:line:column: level: message`; without a line for what has none (cluster exceptions: line 0). */
export function formatDiagnosticLine(d: Diagnostic): string {
  const line = d.line !== undefined && d.line > 0 ? d.line : undefined;
  const where = `${d.file}${line !== undefined ? `:${line}` : ''}${line !== undefined && d.column !== undefined ? `:${d.column}` : ''}`;
  return `${where}: ${d.level}: ${d.message}`;
}

/** Whether an exception came from the cluster (rather than a file). */
export function fromCluster(s: ExceptionStatus): boolean {
  return s.exception.origin.file.startsWith(CLUSTER_ORIGIN_PREFIX);
}

export class ExceptionSet {
  private statuses: readonly ExceptionStatus[] = [];
  private ident = '[]';
  /** The exception documents of the last successful file read, and the cluster's. */
  private fileResources: readonly Resource[] = [];
  private clusterResources: readonly Resource[] = [];
  /** Warnings about cluster exceptions already logged (each is logged once while it holds). */
  private clusterWarned = new Set<string>();
  private watch: { stop(): void } | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: ExceptionSetOptions) {
    const m = opts.metrics;
    if (m) {
      if (opts.files.length > 0) m.exceptionSourceSynced.set('files', 0);
      m.exceptionStates = () => {
        const by = new Map<string, { source: string; state: string; count: number }>();
        for (const s of this.statuses) {
          const source = fromCluster(s) ? 'cluster' : 'files';
          const k = `${source}\u0000${s.state}`;
          const e = by.get(k);
          if (e) e.count++;
          else by.set(k, { source, state: s.state, count: 1 });
        }
        return [...by.values()];
      };
    }
  }

  /** The current statuses (the decider's `exceptions` callback). */
  readonly current = (): readonly ExceptionStatus[] => this.statuses;

  get files(): readonly string[] {
    return this.opts.files;
  }

  /**
   * Reads the files now and keeps the result unless a file failed to load. With `missingIsEmpty`
   * (re-reads), a path that no longer exists holds no exceptions: deleting a file revokes them.
   */
  async load(missingIsEmpty = false): Promise<ExceptionLoad> {
    if (this.opts.files.length === 0) {
      const parsed = this.judge(this.fileResources);
      this.keep(parsed.statuses);
      return { statuses: parsed.statuses, diagnostics: parsed.diagnostics, failed: false };
    }
    const loaded = await loadExceptionDocuments(this.opts.files);
    const parsed = this.judge(loaded.resources);
    const diagnostics = [...loaded.diagnostics, ...parsed.diagnostics];
    const failed = loaded.diagnostics.some((d) => d.level === 'error' && !(missingIsEmpty && d.code === 'input-missing'));
    if (!failed) {
      this.fileResources = loaded.resources;
      this.keep(parsed.statuses);
    }
    this.opts.metrics?.exceptionSourceSynced.set('files', failed ? 0 : 1);
    if (failed) this.opts.metrics?.exceptionSourceErrors.inc({ source: 'files', reason: 'read' });
    return { statuses: parsed.statuses, diagnostics, failed };
  }

  /** Judges these file documents together with the cluster's, at the current time. */
  private judge(files: readonly Resource[]): { statuses: ExceptionStatus[]; diagnostics: Diagnostic[] } {
    return parseExceptions([...files, ...this.clusterResources], this.opts.policy, this.opts.knownControl, (this.opts.now ?? (() => new Date()))());
  }

  private keep(statuses: ExceptionStatus[]): void {
    this.statuses = statuses;
    this.ident = identity(statuses);
  }

  /**
   * Replaces the cluster's exceptions (the whole set, as the list-watch store holds it) and judges
   * everything again. Logs `note` and the new summary when what is in force changed, and each problem
   * of a cluster exception once.
   */
  setCluster(resources: readonly Resource[], note?: string): void {
    this.clusterResources = resources;
    const before = this.ident;
    const parsed = this.judge(this.fileResources);
    this.keep(parsed.statuses);
    if (this.ident !== before) this.opts.log(`kubecomply serve: exceptions updated${note ? ` (${note})` : ''}: ${this.describe()}`);
    this.logClusterWarnings(parsed.diagnostics);
  }

  private logClusterWarnings(diagnostics: readonly Diagnostic[]): void {
    const now = new Set<string>();
    for (const d of diagnostics) {
      if (d.level === 'note' || !d.file.startsWith(CLUSTER_ORIGIN_PREFIX)) continue;
      const line = formatDiagnosticLine(d);
      now.add(line);
      if (!this.clusterWarned.has(line)) this.opts.log(`  ${line}`);
    }
    this.clusterWarned = now;
  }

  /** How many exceptions, by state, and how many of them come from the cluster. */
  describe(): string {
    const cluster = this.statuses.filter(fromCluster).length;
    return `${summary(this.statuses)}${this.opts.cluster ? `, ${cluster} from the cluster` : ''}`;
  }

  start(): void {
    // Without files there is nothing to watch on disk; cluster exceptions are still re-judged against the clock.
    if (this.opts.files.length === 0 && !this.opts.cluster) return;
    const dirs = new Set<string>();
    for (const f of this.opts.files) {
      const abs = path.resolve(f);
      let dir = false;
      try {
        dir = statSync(abs).isDirectory();
      } catch {
        // Missing now: its parent directory is watched, for when it appears.
      }
      dirs.add(dir ? abs : path.dirname(abs));
    }
    this.watch = watchForChanges({ dirs, recursive: true, check: () => void this.reload(), debounceMs: this.opts.debounceMs ?? 250, pollMs: this.opts.pollMs ?? 30_000 });
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
  }

  /** Re-reads the files; logs when the set changed or could not be read. Never throws. */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        if (this.stopped) break;
        const before = this.ident;
        try {
          const r = await this.load(true);
          if (r.failed) {
            this.opts.log(`kubecomply serve: the exception files were not reloaded, the previous ${summary(this.statuses)} stay in force:`);
            for (const d of r.diagnostics.filter((x) => x.level === 'error')) this.opts.log(`  ${formatDiagnosticLine(d)}`);
          } else if (this.ident !== before) {
            this.opts.log(`kubecomply serve: exceptions reloaded: ${this.describe()}`);
            for (const d of r.diagnostics.filter((x) => x.level !== 'note' && !x.file.startsWith(CLUSTER_ORIGIN_PREFIX))) this.opts.log(`  ${formatDiagnosticLine(d)}`);
            this.logClusterWarnings(r.diagnostics);
          }
        } catch (e) {
          this.opts.log(`kubecomply serve: the exception files were not reloaded: ${e instanceof Error ? e.message : String(e)}`);
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
