import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareVersions, diffSboms, diffToJson, formatDiffTable } from '../../src/supply/sbom/diff.js';
import { emptySbom, type Component, type Sbom } from '../../src/supply/sbom/model.js';

function comp(name: string, version: string | undefined, extra: Partial<Component> = {}): Component {
  const c: Component = { ref: `${name}@${version ?? ''}`, type: 'library', name, licenses: [], hashes: [], properties: [], ...extra };
  if (version !== undefined) c.version = version;
  return c;
}

const npm = (name: string, version: string, extra: Partial<Component> = {}): Component => comp(name, version, { purl: `pkg:npm/${name}@${version}`, ...extra });

function sbom(...components: Component[]): Sbom {
  return { ...emptySbom(), components };
}

const summary = (d: ReturnType<typeof diffSboms>): string[] => [
  ...d.added.map((c) => `+${c.name}@${c.version ?? ''}`),
  ...d.removed.map((c) => `-${c.name}@${c.version ?? ''}`),
  ...d.changed.map((c) => `~${c.before.name}@${c.before.version ?? ''}>${c.after.version ?? ''}[${c.fields.join(',')}]`),
];

describe('diffSboms', () => {
  test('added, removed, version-changed and unchanged components, matched by purl without version', () => {
    const d = diffSboms(
      sbom(npm('express', '4.18.2'), npm('request', '2.88.2'), npm('lodash', '4.17.20'), npm('debug', '4.3.4')),
      sbom(npm('express', '4.19.2'), npm('left-pad', '1.3.0'), npm('lodash', '4.17.20'), npm('debug', '4.3.4')),
    );
    assert.deepEqual(summary(d), ['+left-pad@1.3.0', '-request@2.88.2', '~express@4.18.2>4.19.2[version]']);
    assert.equal(d.unchanged, 2);
  });

  test('purl qualifiers do not change identity; licenses and hashes changes are reported', () => {
    const d = diffSboms(
      sbom(
        comp('openssl', '3.0.13', { purl: 'pkg:deb/debian/openssl@3.0.13?arch=amd64', licenses: [{ id: 'Apache-2.0' }] }),
        comp('zlib', '1.3', { purl: 'pkg:deb/debian/zlib@1.3', hashes: [{ alg: 'SHA-256', content: 'aa' }] }),
      ),
      sbom(
        comp('openssl', '3.0.13', { purl: 'pkg:deb/debian/openssl@3.0.13?arch=arm64', licenses: [{ expression: 'Apache-2.0 OR MIT' }] }),
        comp('zlib', '1.3', { purl: 'pkg:deb/debian/zlib@1.3', hashes: [{ alg: 'SHA-256', content: 'AA' }] }),
      ),
    );
    assert.deepEqual(summary(d), ['~openssl@3.0.13>3.0.13[licenses]']);
    assert.equal(d.unchanged, 1, 'hash hex compares case-insensitively');
  });

  test('two versions of one package on both sides pair exact versions first, then by closeness', () => {
    const d = diffSboms(sbom(npm('lodash', '3.10.1'), npm('lodash', '4.17.20'), npm('lodash', '4.17.15')), sbom(npm('lodash', '4.17.21'), npm('lodash', '4.17.15')));
    // 4.17.15 is unchanged; 4.17.20 → 4.17.21 is the upgrade; 3.10.1 is gone.
    assert.deepEqual(summary(d), ['-lodash@3.10.1', '~lodash@4.17.20>4.17.21[version]']);
    assert.equal(d.unchanged, 1);

    const both = diffSboms(sbom(npm('lodash', '4.17.20'), npm('lodash', '3.10.1')), sbom(npm('lodash', '3.10.2'), npm('lodash', '4.17.21')));
    assert.deepEqual(summary(both), ['~lodash@3.10.1>3.10.2[version]', '~lodash@4.17.20>4.17.21[version]']);
  });

  test('the same package version listed twice counts once; nested components are compared', () => {
    const parent = comp('app', '1.0', { purl: 'pkg:generic/app@1.0', components: [npm('chalk', '5.0.0'), npm('chalk', '5.0.0', { ref: 'other' })] });
    const after = comp('app', '1.0', { purl: 'pkg:generic/app@1.0', components: [npm('chalk', '5.3.0')] });
    const d = diffSboms(sbom(parent), sbom(after));
    assert.deepEqual(summary(d), ['~chalk@5.0.0>5.3.0[version]']);
    assert.equal(d.unchanged, 1);
  });

  test('without purl, components match by (type, group, name); oci images also by repository', () => {
    const d = diffSboms(
      sbom(comp('busybox', '1.36', { group: 'core' }), comp('nginx', '1.26', { type: 'container', purl: 'pkg:oci/nginx?repository_url=docker.io/library/nginx&tag=1.26' })),
      sbom(comp('busybox', '1.37', { group: 'core' }), comp('busybox', '1.37', { group: 'other' }), comp('nginx', '1.27', { type: 'container', purl: 'pkg:oci/nginx?repository_url=registry.example.com/nginx&tag=1.27' })),
    );
    assert.deepEqual(summary(d), ['+nginx@1.27', '+busybox@1.37', '-nginx@1.26', '~busybox@1.36>1.37[version]']);
    assert.equal(d.added[1]!.group, 'other', 'sorted by display name other/busybox');
  });

  test('Kubernetes components sharing k8s.io/kubernetes stay apart by subpath', () => {
    const k = (cmd: string, v: string): Component => comp(cmd, v, { type: 'application', purl: `pkg:golang/k8s.io/kubernetes@${v}#cmd/${cmd}` });
    const d = diffSboms(sbom(k('kube-apiserver', 'v1.30.4'), k('kube-scheduler', 'v1.30.4')), sbom(k('kube-apiserver', 'v1.31.0'), k('kube-scheduler', 'v1.30.4')));
    assert.deepEqual(summary(d), ['~kube-apiserver@v1.30.4>v1.31.0[version]']);
    assert.equal(d.unchanged, 1);
  });

  test('version order is natural', () => {
    assert.ok(compareVersions('1.10.0', '1.9.9') > 0);
    assert.ok(compareVersions('v1.2', 'v1.2.1') < 0);
    assert.equal(compareVersions('2.0', '2.0'), 0);
  });
});

describe('formatters', () => {
  const d = diffSboms(
    sbom(npm('express', '4.18.2'), npm('request', '2.88.2'), npm('zlib', '1.0', { licenses: [{ id: 'Zlib' }] })),
    sbom(npm('express', '4.19.2'), npm('left-pad', '1.3.0'), npm('zlib', '1.0', { licenses: [{ id: 'MIT' }] })),
  );

  test('table: one line per change, aligned, with a summary', () => {
    assert.equal(
      formatDiffTable(d, { color: false }),
      ['+ left-pad  1.3.0', '- request   2.88.2', '~ express   4.18.2 → 4.19.2', '~ zlib      1.0 (licenses)', '1 added, 1 removed, 2 changed, 0 unchanged', ''].join('\n'),
    );
    const colored = formatDiffTable(d, { color: true });
    assert.match(colored, /\u001b\[32m\+ left-pad {2}1\.3\.0\u001b\[39m/);
    assert.match(colored, /\u001b\[31m- request/);
    assert.match(colored, /\u001b\[33m~ express/);
    assert.equal(formatDiffTable(diffSboms(sbom(npm('a', '1')), sbom(npm('a', '1'))), { color: true }), 'No component changes (1 unchanged)\n');
  });

  test('json: summary, lists and before/after details', () => {
    const j = diffToJson(d) as { summary: unknown; added: { name: string; purl: string }[]; changed: { name: string; fields: string[]; before: { version: string; licenses: string[] }; after: { version: string } }[] };
    assert.deepEqual(j.summary, { added: 1, removed: 1, changed: 2, unchanged: 0 });
    assert.equal(j.added[0]!.purl, 'pkg:npm/left-pad@1.3.0');
    assert.deepEqual(j.changed[0]!.fields, ['version']);
    assert.equal(j.changed[0]!.after.version, '4.19.2');
    assert.deepEqual(j.changed[1]!.before.licenses, ['Zlib']);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(j)));
  });
});
