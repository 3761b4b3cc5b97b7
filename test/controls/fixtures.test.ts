/**
 * The one generic control test. For every control in the catalog, `test/fixtures/controls/<id>/` holds
 * `pass/*.yaml` and `fail/*.yaml`:
 *  - in a pass file, the control reports nothing;
 *  - in a fail file, every resource of a kind the control applies to (and in its scope, see
 *    Control.inScope) gets at least one finding (other documents in the file are context, e.g. the
 *    Namespace of a pod);
 *  - a `# expect-path: <json path>` comment in a fail file requires a finding at exactly that path;
 *  - a first-line `# kubecomply-test: pss-level=baseline pss-version=v1.30 namespace=x` sets the scan
 *    configuration for that file, and `# kubecomply-settings: {json}` its settings (over the defaults).
 * Adding a control is: the control, its check, and this folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defaultSettings } from '../../src/config/defaults.js';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { parsePssVersion } from '../../src/controls/pod-security/version.js';
import { evaluate } from '../../src/core/engine.js';
import { Inventory } from '../../src/core/inventory.js';
import type { PssLevel, ScanConfig } from '../../src/core/types.js';
import { loadSources } from '../../src/sources/loader.js';

const ROOT = 'test/fixtures/controls';

function configFor(text: string): ScanConfig {
  const config: ScanConfig = { pss: { level: 'restricted', version: { major: 1, minor: 37 } }, defaultNamespace: 'default' };
  const m = /^# kubecomply-test:(.*)$/m.exec(text);
  if (!m) return config;
  for (const kv of m[1].trim().split(/\s+/)) {
    const [k, v] = kv.split('=');
    if (k === 'pss-level') config.pss.level = v as PssLevel;
    else if (k === 'pss-version') {
      const p = parsePssVersion(v);
      if (typeof p === 'string') throw new Error(p);
      config.pss.version = p.version;
    } else if (k === 'namespace') config.defaultNamespace = v;
    else throw new Error(`unknown kubecomply-test setting ${k}`);
  }
  return config;
}

/** `# kubecomply-settings: {"images": {"allowedRegistries": ["r.example.com"]}}` — merged over the defaults. */
function withSettings(config: ScanConfig, text: string): ScanConfig {
  const m = /^# kubecomply-settings:(.*)$/m.exec(text);
  if (!m) return config;
  const over = JSON.parse(m[1]) as Record<string, Record<string, unknown>>;
  const settings = defaultSettings() as unknown as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(over)) settings[k] = { ...settings[k], ...v };
  return { ...config, settings: settings as unknown as ScanConfig['settings'] };
}

function yamlFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort() : [];
}

describe('control fixtures', () => {
  for (const control of BUILTIN_CONTROLS) {
    test(control.id, async () => {
      const dir = path.join(ROOT, control.id);
      const passFiles = yamlFiles(path.join(dir, 'pass'));
      const failFiles = yamlFiles(path.join(dir, 'fail'));
      assert.ok(passFiles.length > 0, `${dir}/pass/ needs at least one fixture`);
      assert.ok(failFiles.length > 0, `${dir}/fail/ needs at least one fixture`);
      const problems: string[] = [];
      for (const [expect, files] of [['pass', passFiles], ['fail', failFiles]] as const) {
        for (const file of files) {
          const full = path.join(dir, expect, file);
          const text = readFileSync(full, 'utf8');
          const config = withSettings(configFor(text), text);
          const loaded = await loadSources([full], { defaultNamespace: config.defaultNamespace });
          const errors = loaded.diagnostics.filter((d) => d.level === 'error');
          assert.deepEqual(errors, [], `${full} must load without errors`);
          assert.ok(control.isActive ? control.isActive(config) : true, `${full}: control is not active with this file's configuration`);
          const result = evaluate(new Inventory(loaded.resources), [control], config);
          if (expect === 'pass') {
            for (const f of result.findings) problems.push(`${expect}/${file}: unexpected finding on ${f.resource.kind}/${f.resource.name}: ${f.message} (${f.path})`);
            continue;
          }
          const inventory = new Inventory(loaded.resources);
          const ctx = { config, inventory };
          const targets = loaded.resources.filter(
            (r) => (control.appliesTo.includes('*') || control.appliesTo.includes(r.kind)) && (control.inScope === undefined || control.inScope(r, ctx)),
          );
          if (targets.length === 0) problems.push(`${expect}/${file}: no resource the control applies to`);
          for (const r of targets) {
            if (!result.findings.some((f) => f.resource === r)) problems.push(`${expect}/${file}: no finding on ${r.kind}/${r.name} (line ${r.origin.line})`);
          }
          for (const m of text.matchAll(/^# expect-path: (.+)$/gm)) {
            const want = m[1].trim();
            if (!result.findings.some((f) => f.path === want)) {
              problems.push(`${expect}/${file}: no finding at ${want}; got ${result.findings.map((f) => f.path).join(', ')}`);
            }
          }
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
