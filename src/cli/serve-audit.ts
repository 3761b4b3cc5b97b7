/**
 * The audit webhook backend's flags for `kubecomply serve` (--audit …) and the sink they configure:
 * kept apart from serve.ts so the admission options and the audit options each stay in one place.
 */
import type { Command } from 'commander';
import { auditRulesFrom } from './audit.js';
import { appendEvidence } from '../store/evidence.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { AuditSink, DEFAULT_AUDIT_BUFFER, detectionEvidence } from '../server/audit-sink.js';
import type { ServerMetrics } from '../server/metrics.js';
import { evidenceKey } from './history.js';
import { collectList, UsageError } from './util.js';

export interface AuditFlags {
  audit?: boolean;
  auditRules: string[];
  auditBuffer: string;
  auditMaxBody: string;
  auditTokenFile?: string;
  store?: string | true;
  evidenceKey?: string;
}

export function addAuditOptions(cmd: Command): Command {
  return cmd
    .option('--audit', 'also be the API server\'s audit webhook backend: POST /audit takes audit.k8s.io/v1 EventLists and runs the audit rules ("kubecomply audit analyze"); GET /audit/findings lists the detections')
    .option('--audit-rules <files>', 'with --audit: more detection rules (YAML, as for "kubecomply audit analyze --rules"; repeatable)', collectList, [])
    .option('--audit-buffer <n>', 'with --audit: detections kept in memory for GET /audit/findings', String(DEFAULT_AUDIT_BUFFER))
    .option('--audit-max-body <MiB>', 'with --audit: largest POST /audit body (a batch of RequestResponse events can be large)', '10')
    .option('--audit-token-file <file>', 'with --audit: the bearer token the API server must send (its webhook kubeconfig\'s user token), re-read on every request; without it anyone who can reach the port may post events')
    .option('--store [url]', 'with --audit: also record every detection as an "audit-detection" evidence record in the store (SQLite file, sqlite:FILE or postgres://…; bare: the default store)')
    .option('--evidence-key <file>', 'with --store: the Ed25519 key that signs evidence checkpoints (default: as for "kubecomply evidence")');
}


export interface AuditSetup {
  sink: AuditSink;
  /** One line for the "listening" message. */
  describe: string;
  /** Waits for queued evidence records, then closes the store. */
  close(): Promise<void>;
}

/** The sink the flags ask for (undefined without --audit); a UsageError for flags that need --audit or bad values. */
export async function auditSetupOf(flags: AuditFlags, cmd: Command, metrics: ServerMetrics, log: (line: string) => void, config?: string | false): Promise<AuditSetup | undefined> {
  if (!flags.audit) {
    const given = ['auditRules', 'auditBuffer', 'auditMaxBody', 'auditTokenFile', 'store', 'evidenceKey'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
    if (given.length > 0) throw new UsageError(`--${given[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for --audit`, 'add --audit to receive audit events on POST /audit');
    return undefined;
  }
  const bufferSize = Number(flags.auditBuffer);
  if (!/^\d+$/.test(flags.auditBuffer) || bufferSize < 1 || bufferSize > 1_000_000) throw new UsageError(`invalid --audit-buffer "${flags.auditBuffer}": expected a number of detections from 1 to 1000000`);
  const mib = Number(flags.auditMaxBody);
  if (flags.auditMaxBody.trim() === '' || !Number.isFinite(mib) || mib <= 0 || mib > 1024) throw new UsageError(`invalid --audit-max-body "${flags.auditMaxBody}": expected MiB from 0 to 1024`);
  const rules = auditRulesFrom(flags.auditRules, config, '--audit-rules');
  let store: Store | undefined;
  let record: ((d: Parameters<typeof detectionEvidence>[0]) => Promise<unknown>) | undefined;
  if (flags.store !== undefined) {
    const url = flags.store === true ? undefined : flags.store;
    const key = evidenceKey(flags.evidenceKey, url);
    try {
      store = await openStore(url);
    } catch (e) {
      throw new UsageError(`cannot open the store: ${(e as Error).message}`);
    }
    const s = store;
    record = (d) => appendEvidence(s, 'audit-detection', detectionEvidence(d), { key });
  }
  let sink: AuditSink;
  try {
    sink = new AuditSink({
      rules,
      bufferSize,
      maxBodyBytes: Math.floor(mib * 1024 * 1024),
      metrics,
      log,
      ...(record ? { record } : {}),
      ...(flags.auditTokenFile ? { tokenFile: flags.auditTokenFile } : {}),
    });
  } catch (e) {
    await store?.close();
    throw new UsageError((e as Error).message);
  }
  if (!flags.auditTokenFile) log('kubecomply serve: warning: --audit without --audit-token-file: anyone who can reach the port can post audit events and read /audit/findings');
  return {
    sink,
    describe: `audit webhook backend on POST /audit (${rules.length} rules${store ? `, detections recorded in ${store.location}` : ''})`,
    close: async () => {
      await sink.drain();
      await store?.close();
    },
  };
}
