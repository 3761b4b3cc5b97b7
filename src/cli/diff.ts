import { displayName } from '../core/types.js';
import { Command, Option } from 'commander';
import { diffScans, loadScan, type ObjectChange, type ScanDiff } from '../store/scans.js';
import type { ScanFindingRecord } from '../store/types.js';
import { emit, EXIT_FINDINGS, EXIT_OK, UsageError } from './util.js';
import { resolveScanId, STORE_HELP, withCliStore } from './history.js';

const FORMATS = ['table', 'json'] as const;

interface DiffFlags {
  store?: string;
  output: (typeof FORMATS)[number];
  failOnChange?: boolean;
}

export function diffCommand(): Command {
  return new Command('diff')
    .summary('what changed between two recorded scans: findings and security-relevant objects')
    .description(
      'Compares two scans recorded with "kubecomply scan <paths> --store" (default: the last two): new, resolved ' +
        'and still-open findings, framework scores, and every change to security-relevant objects — ' +
        'NetworkPolicies, RBAC (Roles, ClusterRoles, bindings), Namespaces\' Pod Security labels, admission ' +
        'webhook and policy configurations, and ComplianceExceptions — added, removed or changed field by field.',
    )
    .argument('[scanA]', 'the earlier scan: an id from "kubecomply history", latest or latest~N (default: latest~1)')
    .argument('[scanB]', 'the later scan (default: latest)')
    .option('--store <url>', STORE_HELP)
    .option('--fail-on-change', 'also exit 1 when any security-relevant object was added, removed or changed')
    .addOption(new Option('-o, --output <format>', 'output format').choices(FORMATS).default('table'))
    .addHelpText(
      'after',
      `
Exit codes:
  0  nothing newly failing (and, with --fail-on-change, no security-relevant object changed)
  1  a finding fails in scanB that did not fail in scanA (a new finding, or one whose exception lapsed);
     with --fail-on-change, also any added, removed or changed security-relevant object
  2  usage error, an unknown scan id, fewer than two recorded scans, or a store that cannot be opened

Examples:
  kubecomply diff                      # the last two recorded scans
  kubecomply diff 3 7 -o json
  kubecomply diff latest~7 latest --fail-on-change`,
    )
    .action(async (a: string | undefined, b: string | undefined, flags: DiffFlags) => {
      const diff = await withCliStore(flags.store, async (store) => {
        let ida: number;
        let idb: number;
        if (a === undefined) {
          const last = await store.listScans({ limit: 2 });
          if (last.length < 2) {
            throw new UsageError(`diff needs two recorded scans; the store holds ${last.length}`, 'record scans with "kubecomply scan <paths> --store"');
          }
          [ida, idb] = [last[0].id, last[1].id];
        } else {
          ida = await resolveScanId(store, a, 'scanA');
          idb = b === undefined ? await resolveScanId(store, 'latest') : await resolveScanId(store, b, 'scanB');
        }
        const [x, y] = [await loadScan(store, ida), await loadScan(store, idb)];
        if (!x || !y) throw new UsageError(`scan ${!x ? ida : idb} vanished while reading`);
        return diffScans(x, y);
      });
      await emit([flags.output === 'json' ? `${JSON.stringify(diff, null, 2)}\n` : diffTable(diff)], undefined);
      const changed = diff.objects.length > 0;
      process.exitCode = diff.regressions > 0 || (flags.failOnChange && changed) ? EXIT_FINDINGS : EXIT_OK;
    });
}

const short = (v: unknown): string => {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 99)}…` : s;
};

const CATEGORY_TITLE: Record<ObjectChange['category'], string> = {
  'network-policy': 'NetworkPolicy',
  rbac: 'RBAC',
  'pod-security': 'Pod Security labels',
  webhook: 'admission webhooks/policies',
  exception: 'exception',
};

export function diffTable(d: ScanDiff): string {
  const out: string[] = [];
  out.push(`scan ${d.from.id} (${d.from.time}) → scan ${d.to.id} (${d.to.time})`);
  out.push(`findings: ${d.findings.new.length} new, ${d.findings.resolved.length} resolved, ${d.findings.open.length} still open; ${d.regressions} newly failing`);
  const moved = d.scores.filter((s) => s.from !== s.to);
  if (moved.length > 0) out.push(`scores: ${moved.map((s) => `${s.framework} ${s.from ?? '–'} → ${s.to ?? '–'}`).join(', ')}`);
  const finding = (mark: string, f: ScanFindingRecord & { previousStatus?: string }): string =>
    `  ${mark} ${f.severity.toUpperCase().padEnd(8)} ${f.control}  ${displayName(f.resource)}  ${f.path}${f.status === 'excepted' ? '  (excepted)' : ''}${f.previousStatus ? `  (was ${f.previousStatus})` : ''}\n      ${f.message}`;
  if (d.findings.new.length > 0) {
    out.push('', 'NEW FINDINGS');
    for (const f of d.findings.new) out.push(finding('+', f));
  }
  if (d.findings.resolved.length > 0) {
    out.push('', 'RESOLVED FINDINGS');
    for (const f of d.findings.resolved) out.push(finding('-', f));
  }
  const changedStatus = d.findings.open.filter((f) => f.previousStatus !== undefined);
  if (changedStatus.length > 0) {
    out.push('', 'STILL OPEN, STATUS CHANGED');
    for (const f of changedStatus) out.push(finding('~', f));
  }
  out.push('', d.objects.length === 0 ? 'SECURITY-RELEVANT OBJECTS: no change' : `SECURITY-RELEVANT OBJECTS: ${d.objects.length} changed`);
  for (const o of d.objects) {
    const mark = o.change === 'added' ? '+' : o.change === 'removed' ? '-' : '~';
    out.push(`  ${mark} ${o.change.padEnd(8)} ${CATEGORY_TITLE[o.category].padEnd(14)} ${displayName(o.resource)}`);
    for (const f of o.fields ?? []) out.push(`      ${f.path}: ${short(f.before)} → ${short(f.after)}`);
  }
  return `${out.join('\n')}\n`;
}
