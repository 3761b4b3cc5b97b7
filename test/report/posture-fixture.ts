/**
 * Two recorded scans of the sample platform in a temporary SQLite store, with a ComplianceException in force
 * whose justification carries markup (to prove the renderers escape it), for the posture report tests.
 */
import path from 'node:path';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { defaultExceptionPolicy } from '../../src/config/defaults.js';
import { FRAMEWORKS } from '../../src/frameworks/index.js';
import { buildComplianceReport, type ComplianceReport } from '../../src/report/compliance-report.js';
import { scan } from '../../src/scanner.js';
import { loadOrCreateKey, type EvidenceKey } from '../../src/store/evidence.js';
import { openStore } from '../../src/store/index.js';
import { buildScan, loadScan, recordScan, verifyScanSummary } from '../../src/store/scans.js';
import type { Store } from '../../src/store/types.js';
import { tempDir } from '../helpers/tmp.js';

export const NOW = new Date('2026-12-01T12:00:00Z');
export const HOSTILE = '<script>console.error("xss")</script><img src="http://127.0.0.1:9/x.png" onerror="console.error(1)"> & "quotes"';

const EXCEPTION = `apiVersion: kubecomply.io/v1alpha1
kind: ComplianceException
metadata: {name: node-exporter-host-access, namespace: monitoring}
spec:
  controls: [pss-host-namespaces, pss-host-ports, pss-restricted-volumes, sensitive-host-path-mount]
  match: {kinds: [DaemonSet], names: [node-exporter]}
  justification: >-
    node-exporter reads the host's /proc and /sys read-only to export metrics. ${HOSTILE}
  approvedBy: sre-lead@example.com
  approvedAt: 2026-11-20
  expires: 2027-02-15
  ticket: SEC-4821
`;

export interface PostureFixture {
  dir: string;
  storeFile: string;
  keyFile: string;
  key: EvidenceKey;
  withStore<T>(fn: (s: Store) => Promise<T>): Promise<T>;
  /** The report of the latest scan for a framework, built as `kubecomply report` builds it. */
  report(frameworkId: string): Promise<ComplianceReport>;
}

/** `dir` must outlive the tests: make it at module level (tempDir called inside a hook is removed when the hook ends). */
export async function postureFixture(dir: string = tempDir('kubecomply-posture-')): Promise<PostureFixture> {
  const storeFile = path.join(dir, 'kubecomply.db');
  const keyFile = path.join(dir, 'evidence-ed25519.pem');
  const key = loadOrCreateKey(keyFile);
  const excFile = path.join(dir, 'exception.yaml');
  writeFileSync(excFile, EXCEPTION);
  // The second input: the sample platform with one NetworkPolicy port changed and a cluster-admin binding added.
  const next = path.join(dir, 'platform-next');
  cpSync('examples/platform', next, { recursive: true });
  const np = path.join(next, 'network-policies.yaml');
  writeFileSync(np, readFileSync(np, 'utf8').replace('- port: 8080', '- port: 9090'));
  writeFileSync(
    path.join(next, 'admin.yaml'),
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: dev-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: dev@example.com, apiGroup: rbac.authorization.k8s.io}]\n',
  );
  const withStore = async <T>(fn: (s: Store) => Promise<T>): Promise<T> => {
    const s = await openStore(storeFile);
    try {
      return await fn(s);
    } finally {
      await s.close();
    }
  };
  const policy = defaultExceptionPolicy();
  for (const input of ['examples/platform', next]) {
    const result = await scan([input], {
      config: { pss: { level: 'restricted', version: { major: 1, minor: 37 } }, defaultNamespace: 'default' },
      frameworks: FRAMEWORKS,
      exceptions: { policy, now: NOW, files: [excFile] },
      hashInputs: true,
    });
    await withStore((s) => recordScan(s, buildScan(result), { key, now: () => NOW }));
  }
  return {
    dir,
    storeFile,
    keyFile,
    key,
    withStore,
    report: (frameworkId) =>
      withStore(async (s) => {
        const [latest] = await s.listScans({ limit: 1 });
        const loaded = (await loadScan(s, latest.id))!;
        const head = await s.headEvidence();
        return buildComplianceReport({
          frameworkId,
          scan: loaded.scan,
          findings: loaded.findings,
          summaryVerified: verifyScanSummary(loaded.scan, loaded.findings, loaded.objects),
          history: await s.listScans({ upToId: latest.id }),
          ...(head ? { chainHead: head } : {}),
          minScore: 50,
          now: NOW,
        });
      }),
  };
}
