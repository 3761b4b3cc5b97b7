/**
 * The Kubernetes pod-security-admission conformance fixtures (../shared/conformance/pod-security-admission):
 * for every level and policy version, every `pass` pod must be allowed and every `fail` pod denied —
 * and denied by the control the fixture targets (or by the restricted control that replaces it).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { PSS_CONTROLS } from '../../src/controls/pod-security/index.js';
import { parsePssVersion } from '../../src/controls/pod-security/version.js';
import { evaluate } from '../../src/core/engine.js';
import { Inventory } from '../../src/core/inventory.js';
import type { PssLevel, ScanConfig } from '../../src/core/types.js';
import { loadSources } from '../../src/sources/loader.js';

const ROOT = '../shared/conformance/pod-security-admission';

/** Fixture name prefix (upstream check id, lower-cased) → our control id. */
const TARGET: Record<string, string> = {
  allowprivilegeescalation: 'pss-allow-privilege-escalation',
  apparmorprofile: 'pss-apparmor',
  capabilities_baseline: 'pss-capabilities-baseline',
  capabilities_restricted: 'pss-capabilities-restricted',
  hostnamespaces: 'pss-host-namespaces',
  hostpathvolumes: 'pss-host-path-volumes',
  hostports: 'pss-host-ports',
  hostprobesandhostlifecycle: 'pss-host-probes-lifecycle',
  privileged: 'pss-privileged',
  procmount: 'pss-proc-mount',
  procmount_restricted: 'pss-proc-mount-restricted',
  restrictedvolumes: 'pss-restricted-volumes',
  runasnonroot: 'pss-run-as-non-root',
  runasuser: 'pss-run-as-user',
  seccompprofile_baseline: 'pss-seccomp-baseline',
  seccompprofile_restricted: 'pss-seccomp-restricted',
  selinuxoptions: 'pss-selinux',
  sysctls: 'pss-sysctls',
  windowshostprocess: 'pss-host-process',
};

function versionsOf(level: string): string[] {
  return readdirSync(path.join(ROOT, level))
    .filter((d) => /^v\d+\.\d+$/.test(d))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

let totals = { pass: 0, fail: 0 };

for (const level of ['baseline', 'restricted'] as PssLevel[]) {
  describe(`Pod Security Standards conformance: ${level}`, () => {
    for (const version of versionsOf(level)) {
      test(`${level} ${version}`, async () => {
        const parsed = parsePssVersion(version);
        assert.ok(typeof parsed !== 'string' && !parsed.clampedFrom, `version ${version} must be supported`);
        const config: ScanConfig = { pss: { level, version: parsed.version }, defaultNamespace: 'default' };
        const problems: string[] = [];
        let checked = 0;
        for (const expect of ['pass', 'fail'] as const) {
          const dir = path.join(ROOT, level, version, expect);
          for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
            const loaded = await loadSources([path.join(dir, file)]);
            assert.equal(loaded.diagnostics.filter((d) => d.level === 'error').length, 0, `${file} must load cleanly`);
            assert.equal(loaded.resources.length, 1, `${file} holds one pod`);
            const result = evaluate(new Inventory(loaded.resources), PSS_CONTROLS, config);
            const ids = new Set(result.findings.map((f) => f.control.id));
            checked++;
            if (expect === 'pass' && ids.size > 0) {
              problems.push(`${expect}/${file}: should be allowed, denied by ${[...ids].join(', ')}: ${result.findings.map((f) => f.message).join('; ')}`);
            }
            if (expect === 'fail') {
              if (ids.size === 0) {
                problems.push(`${expect}/${file}: should be denied, was allowed`);
                continue;
              }
              const target = TARGET[file.replace(/\d+\.yaml$/, '')];
              assert.ok(target, `no target control known for ${file}`);
              // At restricted, a baseline check may be replaced by the restricted check that overrides it.
              const replacement = PSS_CONTROLS.find((c) => c.pss.overrides === target && c.isActive!(config));
              if (!ids.has(target) && !(replacement && ids.has(replacement.id))) {
                problems.push(`${expect}/${file}: denied by ${[...ids].join(', ')} but not by ${target}`);
              }
            }
          }
        }
        totals = { pass: totals.pass + checked - problems.length, fail: totals.fail + problems.length };
        assert.ok(checked > 0, `no fixtures under ${level}/${version}`);
        assert.deepEqual(problems, [], `${problems.length} of ${checked} fixtures disagree with pod-security-admission`);
      });
    }
  });
}
