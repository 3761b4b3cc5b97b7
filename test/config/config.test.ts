import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, findConfig, loadConfig } from '../../src/config/config.js';
import { defaultSettings } from '../../src/config/defaults.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

function write(text: string, name = 'kubecomply.yaml'): string {
  const dir = tempDir();
  writeTree(dir, { [name]: text });
  return path.join(dir, name);
}

describe('kubecomply.yaml', () => {
  test('a valid file sets settings; omitted fields keep their defaults', () => {
    const file = write(`apiVersion: kubecomply.io/v1
kind: Config
podSecurity:
  level: baseline
  version: v1.30
images:
  allowedRegistries: [registry.example.com, ghcr.io/acme]
dataProtection:
  allowedRegions: [eu-west-1]
controls:
  disabled: [pss-host-ports]
  severity:
    pss-privileged: high
`);
    const c = loadConfig(file, (id) => id.startsWith('pss-'));
    assert.deepEqual(c.settings.images.allowedRegistries, ['registry.example.com', 'ghcr.io/acme']);
    assert.deepEqual(c.settings.dataProtection.allowedRegions, ['eu-west-1']);
    assert.equal(c.settings.dataProtection.dataClassLabel, defaultSettings().dataProtection.dataClassLabel);
    assert.deepEqual(c.settings.labels, defaultSettings().labels);
    assert.deepEqual(c.podSecurity, { level: 'baseline', version: 'v1.30' });
    assert.deepEqual(c.disabled, ['pss-host-ports']);
    assert.deepEqual(c.severity, { 'pss-privileged': 'high' });
  });

  test('an invalid file is an error naming file, line and field — every problem at once', () => {
    const file = write(`images:
  allowedRegistry: [registry.example.com]
labels:
  namespaces: [owner, "Not A Label!"]
podSecurity:
  level: strict
controls:
  severity:
    pss-privileged: urgent
`);
    assert.throws(
      () => loadConfig(file),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        const text = e.message;
        assert.match(text, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: images\\.allowedRegistry: is not a known setting`));
        assert.match(text, /:4: labels\.namespaces\[1\]: must be a valid Kubernetes label key/);
        assert.match(text, /:6: podSecurity\.level: must be one of "privileged", "baseline", "restricted"/);
        assert.match(text, /:9: controls\.severity\.pss-privileged: must be one of "critical"/);
        return true;
      },
    );
  });

  test('unknown control ids are named; broken YAML is reported with its line', () => {
    const file = write('controls:\n  disabled: [pss-privileged, no-such-control]\n');
    assert.throws(() => loadConfig(file, (id) => id === 'pss-privileged'), /:2: controls\.disabled\[1\]: unknown control "no-such-control"/);
    const broken = write('images:\n  allowedRegistries: [a\n');
    assert.throws(() => loadConfig(broken), /kubecomply\.yaml:\d+: not valid YAML/);
  });

  test('the file is found in the working directory under its usual names', () => {
    const dir = tempDir();
    assert.equal(findConfig(dir), undefined);
    writeTree(dir, { '.kubecomply.yaml': 'images: {}\n' });
    assert.equal(findConfig(dir), path.join(dir, '.kubecomply.yaml'));
  });
});
