/**
 * Version boundaries of the Pod Security Standards that the upstream fixtures do not pin down, taken
 * from ../shared/reference/regulations.md §10 (PSA `policy/check_*.go`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { safeSysctls } from '../../src/controls/pod-security/checks.js';
import { PSS_CONTROLS } from '../../src/controls/pod-security/index.js';
import { LATEST_PSS_VERSION, parsePssVersion, v } from '../../src/controls/pod-security/version.js';
import { evaluate } from '../../src/core/engine.js';
import { Inventory } from '../../src/core/inventory.js';
import type { JsonObject, PssLevel, Resource, ScanConfig } from '../../src/core/types.js';

function cfg(level: PssLevel, minor: number): ScanConfig {
  return { pss: { level, version: v(1, minor) }, defaultNamespace: 'default' };
}

function active(level: PssLevel, minor: number): string[] {
  return PSS_CONTROLS.filter((c) => c.isActive!(cfg(level, minor))).map((c) => c.id);
}

function pod(spec: JsonObject): Resource {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec };
  return { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default', metadata: object.metadata, object, origin: { file: 't', doc: 0, line: 1 } };
}

function deniedBy(spec: JsonObject, level: PssLevel, minor: number): string[] {
  return [...new Set(evaluate(new Inventory([pod(spec)]), PSS_CONTROLS, cfg(level, minor)).findings.map((f) => f.control.id))];
}

describe('policy versions', () => {
  test('parsing: latest, vX.Y, X.Y; newer versions clamp; nonsense is an error', () => {
    assert.deepEqual(parsePssVersion('latest'), { version: LATEST_PSS_VERSION });
    assert.deepEqual(parsePssVersion('v1.30'), { version: v(1, 30) });
    assert.deepEqual(parsePssVersion('1.8'), { version: v(1, 8) });
    assert.deepEqual(parsePssVersion('v1.99'), { version: LATEST_PSS_VERSION, clampedFrom: 'v1.99' });
    assert.match(parsePssVersion('v2.0') as string, /only v1\.x/);
    assert.match(parsePssVersion('newest') as string, /expected "latest"/);
  });

  test('which checks take part, and which restricted checks replace baseline ones, at each boundary', () => {
    const has = (level: PssLevel, minor: number, id: string): boolean => active(level, minor).includes(id);
    assert.equal(has('restricted', 7, 'pss-allow-privilege-escalation'), false);
    assert.equal(has('restricted', 8, 'pss-allow-privilege-escalation'), true);
    assert.equal(has('restricted', 18, 'pss-seccomp-baseline'), true);
    assert.equal(has('restricted', 18, 'pss-seccomp-restricted'), false);
    assert.equal(has('restricted', 19, 'pss-seccomp-baseline'), false);
    assert.equal(has('restricted', 19, 'pss-seccomp-restricted'), true);
    assert.equal(has('restricted', 21, 'pss-capabilities-baseline'), true);
    assert.equal(has('restricted', 22, 'pss-capabilities-baseline'), false);
    assert.equal(has('restricted', 22, 'pss-capabilities-restricted'), true);
    assert.equal(has('restricted', 22, 'pss-run-as-user'), false);
    assert.equal(has('restricted', 23, 'pss-run-as-user'), true);
    assert.equal(has('baseline', 33, 'pss-host-probes-lifecycle'), false);
    assert.equal(has('baseline', 34, 'pss-host-probes-lifecycle'), true);
    assert.equal(has('restricted', 34, 'pss-proc-mount'), true);
    assert.equal(has('restricted', 35, 'pss-proc-mount'), false);
    assert.equal(has('restricted', 35, 'pss-proc-mount-restricted'), true);
    assert.equal(has('restricted', 0, 'pss-host-path-volumes'), false, 'restrictedVolumes replaces hostPathVolumes at every version');
    assert.equal(has('baseline', 37, 'pss-host-path-volumes'), true);
    assert.deepEqual(active('privileged', 37), []);
    assert.equal(active('baseline', 37).length, 12);
    assert.equal(active('restricted', 37).length, 15);
  });

  test('safe sysctls grow at v1.27, v1.29, v1.32 and v1.37', () => {
    const newAt = (minor: number, name: string): void => {
      assert.equal(safeSysctls(v(1, minor - 1)).has(name), false, `${name} before v1.${minor}`);
      assert.equal(safeSysctls(v(1, minor)).has(name), true, `${name} at v1.${minor}`);
    };
    newAt(27, 'net.ipv4.ip_local_reserved_ports');
    for (const n of ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']) newAt(29, n);
    newAt(32, 'net.ipv4.tcp_rmem');
    newAt(32, 'net.ipv4.tcp_wmem');
    newAt(37, 'net.ipv4.tcp_slow_start_after_idle');
    newAt(37, 'net.ipv4.tcp_notsent_lowat');
    assert.equal(safeSysctls(v(1, 0)).size, 5);
    assert.equal(safeSysctls(v(1, 37)).size, 14);
  });

  test('SELinux container_engine_t is allowed from v1.31', () => {
    const spec = { containers: [{ name: 'c', securityContext: { seLinuxOptions: { type: 'container_engine_t' } } }] };
    assert.deepEqual(deniedBy(spec, 'baseline', 30), ['pss-selinux']);
    assert.deepEqual(deniedBy(spec, 'baseline', 31), []);
  });

  test('Windows pods are exempt from the Linux-only restricted checks from v1.25', () => {
    const spec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'c' }] };
    assert.deepEqual(deniedBy(spec, 'restricted', 24).sort(), ['pss-allow-privilege-escalation', 'pss-capabilities-restricted', 'pss-seccomp-restricted']);
    assert.deepEqual(deniedBy(spec, 'restricted', 25), []);
  });

  test('user-namespaced pods (hostUsers: false) are relaxed from v1.35 — but not for restricted procMount', () => {
    const base = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
    const spec = { hostUsers: false, securityContext: { runAsUser: 0 }, containers: [{ name: 'c', securityContext: { ...base } }] };
    assert.deepEqual(deniedBy(spec, 'restricted', 34).sort(), ['pss-run-as-non-root', 'pss-run-as-user']);
    assert.deepEqual(deniedBy(spec, 'restricted', 35), []);
    const unmasked = { hostUsers: false, containers: [{ name: 'c', securityContext: { ...base, runAsNonRoot: true, procMount: 'Unmasked' } }] };
    assert.deepEqual(deniedBy(unmasked, 'baseline', 35), []);
    assert.deepEqual(deniedBy(unmasked, 'restricted', 35), ['pss-proc-mount-restricted']);
    assert.deepEqual(deniedBy(unmasked, 'baseline', 34), ['pss-proc-mount']);
  });

  test('odd input types never crash a check', () => {
    const weird = { containers: 'not-a-list', initContainers: [null, 5, { securityContext: 'x', ports: 'y' }], volumes: { a: 1 }, securityContext: { sysctls: [null, { name: 7 }] } };
    const ids = deniedBy(weird as unknown as JsonObject, 'restricted', 37);
    assert.ok(ids.includes('pss-sysctls'));
  });
});
