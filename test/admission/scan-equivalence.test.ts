/**
 * The same answer as `kubecomply scan`: for the same object and configuration, the controls (and the
 * paths and messages) the decider names are exactly those a scan of the object as a manifest reports,
 * restricted to the controls admission evaluates.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createDecider, selectAdmissionControls } from '../../src/admission/index.js';
import { defaultAdmissionSettings, defaultSettings } from '../../src/config/defaults.js';
import { v } from '../../src/controls/pod-security/version.js';
import type { AdmissionSettings, ScanConfig } from '../../src/core/types.js';
import { scan } from '../../src/scanner.js';
import { tempDir } from '../helpers/tmp.js';
import { fixtures, isRequest } from './kubewarden.js';
import { admissionReview, ALICE, COMPLIANT_POD_SPEC, PRIVILEGED_POD_SPEC, workloads } from './helpers.js';

interface Case {
  name: string;
  object: Record<string, any>;
}

/** Objects: every workload kind, good and bad, and every workload object in the kubewarden requests. */
function cases(): Case[] {
  const out: Case[] = [];
  const specs: Record<string, Record<string, unknown>> = {
    compliant: COMPLIANT_POD_SPEC,
    privileged: PRIVILEGED_POD_SPEC,
    hostile: {
      hostNetwork: true,
      hostPID: true,
      shareProcessNamespace: true,
      securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }] },
      volumes: [{ name: 'sock', hostPath: { path: '/run/containerd/containerd.sock' } }, { name: 'etc', hostPath: { path: '/etc' } }],
      initContainers: [{ name: 'init', image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }],
      containers: [{ name: 'app', image: 'evil.example.net/miner:latest', ports: [{ containerPort: 80, hostPort: 80 }], volumeMounts: [{ name: 'sock', mountPath: '/sock' }, { name: 'etc', mountPath: '/host-etc' }] }],
    },
  };
  for (const [name, spec] of Object.entries(specs)) for (const o of workloads(spec)) out.push({ name: `${o.kind} (${name})`, object: o });
  for (const f of fixtures()) {
    if (!isRequest(f.value)) continue;
    const r = f.value;
    if (r.operation !== 'CREATE' || !r.object || typeof r.object !== 'object') continue;
    const kind = r.kind?.kind;
    if (typeof kind !== 'string' || (r.object.kind !== undefined && r.object.kind !== kind)) continue;
    const apiVersion = r.kind.group ? `${r.kind.group}/${r.kind.version}` : r.kind.version;
    const object = { apiVersion, kind, ...r.object };
    object.metadata = { ...(object.metadata ?? {}), namespace: object.metadata?.namespace ?? r.namespace ?? 'default' };
    if (kind === 'Namespace') delete object.metadata.namespace;
    out.push({ name: f.file, object });
  }
  return out;
}

const CONFIGS: { name: string; config: ScanConfig; admission: Partial<AdmissionSettings> }[] = [
  { name: 'restricted, latest, default controls', config: { pss: { level: 'restricted', version: v(1, 37) }, defaultNamespace: 'default' }, admission: {} },
  { name: 'baseline v1.25', config: { pss: { level: 'baseline', version: v(1, 25) }, defaultNamespace: 'default' }, admission: {} },
  {
    name: 'restricted v1.30 with an allow-list, more required labels and more controls',
    config: {
      pss: { level: 'restricted', version: v(1, 30) },
      defaultNamespace: 'default',
      settings: { ...defaultSettings(), images: { allowedRegistries: ['registry.example.com', 'ghcr.io/kubewarden'] }, labels: { namespaces: ['owner'], workloads: ['owner', 'app'] } },
    },
    admission: { controls: [...defaultAdmissionSettings().controls, 'container-readonly-root-fs', 'secret-in-env', 'credentials-in-env-value', 'credentials-in-annotations', 'ingress-without-tls', 'service-nodeport', 'namespace-required-labels'] },
  },
];

describe('the same answer as scan', () => {
  const all = cases();

  test('there are enough objects to compare', () => {
    assert.ok(all.length > 100, `${all.length} objects`);
  });

  for (const cfg of CONFIGS) {
    test(`${cfg.name}: the decider names exactly the controls, paths and messages scan reports`, async () => {
      const admission = { ...defaultAdmissionSettings(), ...cfg.admission };
      const controls = selectAdmissionControls(admission.controls, cfg.config).controls;
      const d = createDecider({ config: cfg.config, admission });
      const dir = tempDir();
      let compared = 0;
      let withFindings = 0;
      let messagesCompared = 0;
      for (let i = 0; i < all.length; i++) {
        const c = all[i];
        const file = path.join(dir, `object-${i}.json`);
        writeFileSync(file, JSON.stringify(c.object));
        const result = await scan([file], { config: cfg.config, controls, workers: 0, frameworks: [] });
        assert.deepEqual(result.diagnostics.filter((x) => x.level === 'error'), [], c.name);
        const scanned = result.findings.map((f) => ({ control: f.control.id, path: f.path, message: f.message }));

        const review = admissionReview({ operation: 'CREATE', object: c.object, user: ALICE });
        const r = d.review(review);
        assert.equal(r.httpStatus, 200, c.name);
        const resp = (r.body as Record<string, any>).response;
        const details: { control: string; path?: string; message: string; more?: number }[] = resp.auditAnnotations.details ? JSON.parse(resp.auditAnnotations.details) : [];
        const catalogIds = new Set(controls.map((x) => x.id));
        const named = r.outcome.controls.filter((id) => catalogIds.has(id));
        assert.deepEqual([...new Set(named)].sort(), [...new Set(scanned.map((f) => f.control))].sort(), `${c.name}: controls differ`);
        {
          // The audit annotation keeps each message to one line of at most 300 characters, and holds
          // the first findings (1.5 KB) with a count of the rest: every listed finding must be one scan
          // reports, and listed + rest must be all of them.
          const key = (control: string, p: string | undefined, message: string): string => `${control} ${p ?? ''} ${message.replace(/\s+/g, ' ').slice(0, 200)}`;
          const more = details.find((x) => x.more !== undefined)?.more ?? 0;
          const listed = details.filter((x) => x.more === undefined);
          const fromDecider = listed.filter((x) => catalogIds.has(x.control)).map((x) => key(x.control, x.path, x.message));
          const fromScan = scanned.map((f) => key(f.control, f.path, f.message));
          if (more === 0) assert.deepEqual(fromDecider.sort(), fromScan.sort(), `${c.name}: findings differ`);
          else {
            const left = [...fromScan];
            for (const k of fromDecider) {
              const at = left.indexOf(k);
              assert.ok(at >= 0, `${c.name}: the decider lists ${k}, which scan does not report`);
              left.splice(at, 1);
            }
            const guards = listed.length - fromDecider.length;
            assert.equal(fromDecider.length + more, fromScan.length + guards, `${c.name}: listed and counted findings do not add up to scan's`);
          }
          if (fromScan.length > 0) messagesCompared++;
        }
        // And the decision follows: denied exactly when scan reports a (non-info) finding, or a safeguard fires.
        const guardFired = r.outcome.controls.some((id) => !catalogIds.has(id));
        if (!guardFired) assert.equal(resp.allowed, scanned.length === 0, `${c.name}: ${resp.status?.message}`);
        compared++;
        if (scanned.length > 0) withFindings++;
      }
      assert.ok(compared === all.length && withFindings > 50, `${compared} compared, ${withFindings} with findings`);
      assert.equal(messagesCompared, withFindings, 'every object with findings is compared to the message');
    });
  }
});
