import { Command, Option } from 'commander';
import { defaultKeyPath, loadOrCreateKey } from '../store/evidence.js';
import { openStore, resolveStoreUrl } from '../store/index.js';
import type { ScanRecord, Store } from '../store/types.js';
import { collectList, emit, EXIT_OK, frameworkFlag, positiveIntFlag, UsageError } from './util.js';

export const STORE_HELP =
  'the store: a SQLite file or sqlite:FILE, or postgres://… (default: $KUBECOMPLY_STORE, else kubecomply.db in $KUBECOMPLY_DATA_DIR, $XDG_DATA_HOME/kubecomply or ~/.local/share/kubecomply)';

/** Opens the store named by --store (a UsageError naming it when it cannot be opened), runs fn, closes it. */
export async function withCliStore<T>(url: string | undefined, fn: (s: Store) => Promise<T>): Promise<T> {
  let target: string;
  try {
    const t = resolveStoreUrl(url);
    target = t.backend === 'sqlite' ? t.file : (url ?? process.env.KUBECOMPLY_STORE ?? '');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let store: Store;
  try {
    store = await openStore(url);
  } catch (e) {
    throw new UsageError(`cannot open the store ${target.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`);
  }
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The evidence signing key for commands that append records (created on first use). */
export function evidenceKey(keyFile: string | undefined, storeUrl: string | undefined): ReturnType<typeof loadOrCreateKey> {
  const file = keyFile ?? defaultKeyPath(storeUrl);
  try {
    return loadOrCreateKey(file);
  } catch (e) {
    throw new UsageError(`cannot load or create the evidence key ${file}: ${(e as Error).message}`);
  }
}

/** Validates framework ids from the command line. */
export function parseFrameworkIds(ids: readonly string[]): string[] {
  for (const id of ids) frameworkFlag(id);
  return [...ids];
}

/** A recorded scan id from the command line: a number, or "latest", "latest~N" (N scans before the latest). */
export async function resolveScanId(store: Store, value: string, what = 'scan'): Promise<number> {
  const rel = /^latest(?:~(\d+))?$/.exec(value);
  if (rel) {
    const back = Number(rel[1] ?? 0);
    const scans = await store.listScans({ limit: back + 1 });
    if (scans.length < back + 1) throw new UsageError(`${value}: the store holds ${scans.length} recorded ${scans.length === 1 ? 'scan' : 'scans'}`, 'record scans with "kubecomply scan <paths> --store"');
    return scans[0].id;
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid ${what} "${value}": expected a scan id (as "kubecomply history" lists them), latest or latest~N`);
  const id = Number(value);
  if (!(await store.getScan(id))) throw new UsageError(`no recorded scan ${id} in the store`, 'run "kubecomply history" to list the recorded scans');
  return id;
}

const FORMATS = ['table', 'json'] as const;

interface HistoryFlags {
  store?: string;
  framework: string[];
  limit?: number;
  since?: string;
  output: (typeof FORMATS)[number];
}

export function historyCommand(): Command {
  return new Command('history')
    .summary('list recorded scans with their findings and framework scores over time')
    .description(
      'Lists the scans recorded with "kubecomply scan <paths> --store", oldest first: when, what was scanned ' +
        '(with the inputs\' SHA-256), how many findings, and each framework\'s score — compliance over time.',
    )
    .option('--store <url>', STORE_HELP)
    .option('--framework <ids>', 'show only these frameworks\' scores, one column each (comma-separated, e.g. cis,pci-dss)', collectList, [])
    .option('--limit <n>', 'only the newest n scans', positiveIntFlag('--limit'))
    .option('--since <time>', 'only scans at or after a date or RFC 3339 time')
    .addOption(new Option('-o, --output <format>', 'output format').choices(FORMATS).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  kubecomply scan k8s/ --store                  # record a scan in the default store
  kubecomply history
  kubecomply history --framework cis,pci-dss -o json
  kubecomply history --store postgres://kc@db/kubecomply --limit 30

Exit codes: 0 listed (also when the store holds no scan), 2 usage error or a store that cannot be opened.`,
    )
    .action(async (flags: HistoryFlags) => {
      const frameworks = parseFrameworkIds(flags.framework);
      let since: string | undefined;
      if (flags.since !== undefined) {
        const ms = Date.parse(flags.since);
        if (Number.isNaN(ms)) throw new UsageError(`invalid --since "${flags.since}"`, 'use a date (2026-12-01) or an RFC 3339 time');
        since = new Date(ms).toISOString();
      }
      const scans = await withCliStore(flags.store, (s) => s.listScans({ ...(flags.limit ? { limit: flags.limit } : {}), ...(since ? { since } : {}) }));
      const out = flags.output === 'json' ? [`${JSON.stringify(historyJson(scans, frameworks), null, 2)}\n`] : [historyTable(scans, frameworks)];
      await emit(out, undefined);
      process.exitCode = EXIT_OK;
    });
}

function scoresOf(s: ScanRecord, frameworks: readonly string[]): { framework: string; score: number | null }[] {
  const list = frameworks.length > 0 ? frameworks.map((id) => s.frameworks.find((f) => f.id === id) ?? { id, score: null }) : s.frameworks;
  return list.map((f) => ({ framework: f.id, score: f.score }));
}

export function historyJson(scans: readonly ScanRecord[], frameworks: readonly string[]): Record<string, unknown> {
  return {
    scans: scans.map((s) => ({
      id: s.id,
      time: s.time,
      tool: s.tool,
      inputs: s.inputs,
      configHash: s.configHash,
      counts: s.counts,
      scores: scoresOf(s, frameworks),
      summaryHash: s.summaryHash,
      ...(s.evidence ? { evidence: s.evidence } : {}),
    })),
  };
}

const inputsText = (s: ScanRecord): string => s.inputs.map((i) => `${i.path}${i.sha256 ? `@${i.sha256.slice(0, 8)}` : ''}`).join(' ');
const score = (v: number | null): string => (v === null ? '–' : `${v}%`);

export function historyTable(scans: readonly ScanRecord[], frameworks: readonly string[]): string {
  if (scans.length === 0) return 'no recorded scans (record one with "kubecomply scan <paths> --store")\n';
  const head = ['ID', 'TIME', 'INPUTS', 'RESOURCES', 'FINDINGS', 'EXCEPTED', ...(frameworks.length > 0 ? frameworks.map((f) => f.toUpperCase()) : ['SCORES'])];
  const rows = scans.map((s) => {
    const scores = scoresOf(s, frameworks);
    return [
      String(s.id),
      s.time.replace(/\.\d{3}Z$/, 'Z'),
      inputsText(s),
      String(s.counts.resources),
      String(s.counts.findings),
      String(s.counts.excepted),
      ...(frameworks.length > 0 ? scores.map((x) => score(x.score)) : [scores.map((x) => `${x.framework} ${score(x.score)}`).join(', ')]),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols: string[]): string => cols.map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return `${[line(head), ...rows.map(line)].join('\n')}\n`;
}
