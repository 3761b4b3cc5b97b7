/**
 * The ComplianceExceptions a running webhook honours: read from files and directories
 * (kubecomply.yaml `exceptions.files`, `--exceptions`), validated against the exception policy, and
 * read again when they change on disk (watched, with a periodic re-read as a fallback). The periodic
 * re-read also re-judges them against the clock, so an exception whose approval date arrives becomes
 * active without a restart (the decider itself stops honouring expired ones at once).
 *
 * A re-read that fails (a file that cannot be read, a YAML error) keeps the previous set and says why:
 * a half-written edit never drops every exception at once.
 */
import { watch, type FSWatcher, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, ExceptionPolicy } from '../core/types.js';
import { exceptionKey, parseExceptions, type ExceptionStatus } from '../policy/exceptions.js';
import { loadExceptionDocuments } from '../scanner.js';

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

export function formatDiagnosticLine(d: Diagnostic): string {
  const where = `${d.file}${d.line !== undefined ? `:${d.line}` : ''}${d.line !== undefined && d.column !== undefined ? `:${d.column}` : ''}`;
  return `${where}: ${d.level}: ${d.message}`;
}

export class ExceptionSet {
  private statuses: readonly ExceptionStatus[] = [];
  private ident = '[]';
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: ExceptionSetOptions) {}

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
    if (this.opts.files.length === 0) return { statuses: [], diagnostics: [], failed: false };
    const loaded = await loadExceptionDocuments(this.opts.files);
    const parsed = parseExceptions(loaded.resources, this.opts.policy, this.opts.knownControl, (this.opts.now ?? (() => new Date()))());
    const diagnostics = [...loaded.diagnostics, ...parsed.diagnostics];
    const failed = loaded.diagnostics.some((d) => d.level === 'error' && !(missingIsEmpty && d.code === 'input-missing'));
    if (!failed) {
      this.statuses = parsed.statuses;
      this.ident = identity(parsed.statuses);
    }
    return { statuses: parsed.statuses, diagnostics, failed };
  }

  describe(): string {
    return summary(this.statuses);
  }

  start(): void {
    if (this.opts.files.length === 0) return;
    const targets = new Set<string>();
    for (const f of this.opts.files) {
      const abs = path.resolve(f);
      let dir = false;
      try {
        dir = statSync(abs).isDirectory();
      } catch {
        // Missing now: its parent directory is watched, for when it appears.
      }
      targets.add(dir ? abs : path.dirname(abs));
    }
    for (const t of targets) {
      try {
        const w = watch(t, { persistent: false, recursive: true }, () => this.schedule());
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // Not watchable: the periodic re-read covers it.
      }
    }
    const pollMs = this.opts.pollMs ?? 30_000;
    if (pollMs > 0) {
      this.timer = setInterval(() => void this.reload(), pollMs);
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), this.opts.debounceMs ?? 250);
    this.debounce.unref();
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
            this.opts.log(`kubecomply serve: exceptions reloaded: ${summary(this.statuses)}`);
            for (const d of r.diagnostics.filter((x) => x.level !== 'note')) this.opts.log(`  ${formatDiagnosticLine(d)}`);
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
