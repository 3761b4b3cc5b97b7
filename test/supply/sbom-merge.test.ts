import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, test } from 'node:test';
import { TOOL } from '../../src/core/version.js';
import { mergeLayers } from '../../src/supply/sbom/merge.js';
import { allComponents, emptySbom, property, type Component, type Sbom } from '../../src/supply/sbom/model.js';
import { parseSbom } from '../../src/supply/sbom/read.js';
import { writeSbom } from '../../src/supply/sbom/write.js';
import { ajvDraft07 } from '../helpers/schema.js';

/** Validates a document against the official CycloneDX 1.6 JSON schema (shipped with @cyclonedx/cyclonedx-library). */
function validateCycloneDx16(doc: unknown): string[] {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
  const load = (f: string, id: string): Record<string, unknown> => ({ ...(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>), $id: id });
  const ajv = ajvDraft07({ strict: false });
  ajv.addSchema(load('spdx.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json'));
  ajv.addSchema(load('jsf-0.82.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json'));
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/bom-1.6.schema.json'));
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

function comp(ref: string, name: string, version: string, extra: Partial<Component> = {}): Component {
  return { ref, type: 'library', name, version, licenses: [], hashes: [], properties: [], ...extra };
}

// Three layers that share OpenSSL (same purl, different refs and qualifier order).
function osLayer(): Sbom {
  return {
    ...emptySbom(),
    tools: ['syft 1.0'],
    subject: comp('os-root', 'debian', '12', { type: 'operating-system' }),
    components: [
      comp('deb:openssl', 'openssl', '3.0.13', { purl: 'pkg:deb/debian/openssl@3.0.13?distro=debian-12&arch=amd64' }),
      comp('deb:libc6', 'libc6', '2.36', { purl: 'pkg:deb/debian/libc6@2.36?arch=amd64' }),
      comp('deb:zlib', 'zlib1g', '1.2.13', { purl: 'pkg:deb/debian/zlib1g@1.2.13?arch=amd64' }),
    ],
    dependencies: [
      { ref: 'os-root', dependsOn: ['deb:openssl', 'deb:libc6', 'deb:zlib'] },
      { ref: 'deb:openssl', dependsOn: ['deb:libc6', 'deb:zlib'] },
      { ref: 'deb:libc6', dependsOn: [] },
    ],
  };
}

function k8sLayer(): Sbom {
  return {
    ...emptySbom(),
    tools: ['kubecomply 0.1.0'],
    subject: comp('cluster', 'prod', 'v1.31.0', { type: 'platform' }),
    components: [
      comp('apiserver', 'kube-apiserver', 'v1.31.0', { type: 'application', purl: 'pkg:golang/k8s.io/kubernetes@v1.31.0#cmd/kube-apiserver' }),
      // The same OpenSSL, written with the qualifiers in another order: one component after the merge.
      comp('openssl', 'openssl', '3.0.13', { purl: 'pkg:deb/debian/openssl@3.0.13?arch=amd64&distro=debian-12' }),
      // A ref the os layer already uses for something else: must be prefixed.
      comp('deb:libc6', 'etcd', '3.5.15', { type: 'application', purl: 'pkg:golang/go.etcd.io/etcd/server/v3@v3.5.15' }),
    ],
    dependencies: [
      { ref: 'cluster', dependsOn: ['apiserver', 'deb:libc6'] },
      { ref: 'apiserver', dependsOn: ['openssl', 'dangling-ref'] },
      { ref: 'openssl', dependsOn: [] },
    ],
  };
}

function platformLayer(): Sbom {
  return {
    ...emptySbom(),
    tools: ['syft 1.0'],
    // No subject and no dependency entry for it: the layer depends on all its top-level components.
    components: [
      comp('console', 'console', '2.4.0', {
        type: 'application',
        purl: 'pkg:oci/console@sha256:aaaa?repository_url=registry.example.com/console',
        components: [
          comp('npm:express', 'express', '4.19.2', { purl: 'pkg:npm/express@4.19.2' }),
          // A nested duplicate of the os layer's OpenSSL, with a child of its own that must survive.
          comp('nested-openssl', 'openssl', '3.0.13', { purl: 'pkg:deb/debian/openssl@3.0.13?arch=amd64&distro=debian-12', components: [comp('npm:ms', 'ms', '2.1.3', { purl: 'pkg:npm/ms@2.1.3' })] }),
        ],
      }),
      // Within-layer duplicates: by purl, and (no purl) by name, version and hashes.
      comp('npm:express-again', 'express', '4.19.2', { purl: 'pkg:npm/express@4.19.2' }),
      comp('cfg-1', 'config.yaml', '1', { type: 'file', hashes: [{ alg: 'SHA-256', content: 'ab'.repeat(32) }] }),
      comp('cfg-2', 'config.yaml', '1', { type: 'file', hashes: [{ alg: 'SHA-256', content: 'AB'.repeat(32) }] }),
      comp('cfg-3', 'config.yaml', '1', { type: 'file', hashes: [{ alg: 'SHA-256', content: 'cd'.repeat(32) }] }),
    ],
    dependencies: [
      { ref: 'console', dependsOn: ['npm:express', 'nested-openssl', 'cfg-2'] },
      { ref: 'nested-openssl', dependsOn: ['npm:ms'] },
      { ref: 'npm:express-again', dependsOn: ['npm:ms'] },
    ],
  };
}

function merged(): Sbom {
  return mergeLayers(
    [
      { name: 'os', sbom: osLayer(), file: 'os.json' },
      { name: 'kubernetes', sbom: k8sLayer(), file: 'k8s.json' },
      { name: 'platform', sbom: platformLayer(), file: 'console.json' },
    ],
    { name: 'acme-platform', version: '2025.1', now: new Date('2025-01-02T03:04:05Z') },
  );
}

const props = (c: Component, name: string): string[] => c.properties.filter((p) => p.name === name).map((p) => p.value);
const deps = (s: Sbom, ref: string): string[] | undefined => s.dependencies.find((d) => d.ref === ref)?.dependsOn;

describe('mergeLayers', () => {
  test('product subject, one component per layer, layer components nested beneath', () => {
    const m = merged();
    assert.deepEqual(
      { ref: m.subject?.ref, type: m.subject?.type, name: m.subject?.name, version: m.subject?.version },
      { ref: 'product:acme-platform', type: 'platform', name: 'acme-platform', version: '2025.1' },
    );
    assert.equal(m.created, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(
      m.components.map((c) => [c.ref, c.type, c.name, c.version]),
      [
        ['layer:os', 'operating-system', 'os', '12'],
        ['layer:kubernetes', 'platform', 'kubernetes', 'v1.31.0'],
        ['layer:platform', 'platform', 'platform', undefined],
      ],
    );
    const os = m.components[0]!;
    assert.equal(property(os, 'kubecomply:layer'), 'os');
    assert.equal(property(os, 'kubecomply:layer:subject-name'), 'debian');
    assert.equal(property(os, 'kubecomply:layer:subject-version'), '12');
    assert.equal(property(os, 'kubecomply:layer:file'), 'os.json');
    assert.deepEqual(
      os.components?.map((c) => c.name),
      ['openssl', 'libc6', 'zlib1g'],
    );
    assert.deepEqual(m.tools.slice(0, 2), ['syft 1.0', 'kubecomply 0.1.0'], 'tools of every layer, once');
    assert.ok(m.tools.includes(`${TOOL.name} ${TOOL.version}`));
  });

  test('a component in several layers appears once, in the first layer, with every layer recorded', () => {
    const m = merged();
    const openssl = [...allComponents(m)].filter((c) => c.name === 'openssl');
    assert.equal(openssl.length, 1);
    assert.equal(openssl[0]!.ref, 'deb:openssl');
    assert.deepEqual(props(openssl[0]!, 'kubecomply:layer'), ['os']);
    assert.deepEqual(props(openssl[0]!, 'kubecomply:also-in-layer'), ['kubernetes', 'platform']);
    // Every component carries its layer.
    for (const c of allComponents(m)) assert.equal(props(c, 'kubecomply:layer').length, 1, c.ref);
    const express = [...allComponents(m)].filter((c) => c.name === 'express');
    assert.equal(express.length, 1, 'within-layer duplicate by purl');
    assert.deepEqual(props(express[0]!, 'kubecomply:also-in-layer'), []);
    const cfg = [...allComponents(m)].filter((c) => c.name === 'config.yaml');
    assert.deepEqual(
      cfg.map((c) => c.ref),
      ['cfg-1', 'cfg-3'],
      'no purl: same name, version and hashes collapse within the layer',
    );
  });

  test('the children of a dropped duplicate move up to where it was', () => {
    const m = merged();
    const console_ = m.components[2]!.components!.find((c) => c.name === 'console')!;
    assert.deepEqual(
      console_.components?.map((c) => c.name),
      ['express', 'ms'],
    );
    assert.equal(property(console_.components![1]!, 'kubecomply:layer'), 'platform');
  });

  test('refs are unique; clashing ones are prefixed with the layer name', () => {
    const m = merged();
    const refs = [m.subject!.ref, ...[...allComponents(m)].map((c) => c.ref)];
    assert.equal(new Set(refs).size, refs.length);
    const etcd = [...allComponents(m)].find((c) => c.name === 'etcd')!;
    assert.equal(etcd.ref, 'kubernetes:deb:libc6');
  });

  test('dependency graph: remapped edges, product → layers, layer → top-level components; every ref exists', () => {
    const m = merged();
    const refs = new Set([m.subject!.ref, ...[...allComponents(m)].map((c) => c.ref)]);
    for (const d of m.dependencies) {
      assert.ok(refs.has(d.ref), `dependency entry for unknown ref ${d.ref}`);
      for (const t of d.dependsOn) assert.ok(refs.has(t), `${d.ref} depends on unknown ref ${t}`);
    }
    assert.equal(new Set(m.dependencies.map((d) => d.ref)).size, m.dependencies.length, 'one entry per ref');
    assert.deepEqual(deps(m, 'product:acme-platform'), ['layer:os', 'layer:kubernetes', 'layer:platform']);
    // The layer subject's direct dependencies, where the layer SBOM states them.
    assert.deepEqual(deps(m, 'layer:os'), ['deb:openssl', 'deb:libc6', 'deb:zlib']);
    assert.deepEqual(deps(m, 'layer:kubernetes'), ['apiserver', 'kubernetes:deb:libc6']);
    // No subject: all top-level components (duplicates remapped to the kept component).
    assert.deepEqual(deps(m, 'layer:platform'), ['console', 'npm:express', 'cfg-1', 'cfg-3']);
    // Edges of dropped duplicates point at the kept component; dangling refs are dropped.
    assert.deepEqual(deps(m, 'apiserver'), ['deb:openssl']);
    assert.deepEqual(deps(m, 'console'), ['npm:express', 'deb:openssl', 'cfg-1']);
    // The kept OpenSSL gathers the edges every layer gave it.
    assert.deepEqual(deps(m, 'deb:openssl'), ['deb:libc6', 'deb:zlib', 'npm:ms']);
    assert.deepEqual(deps(m, 'npm:express'), ['npm:ms']);
    assert.deepEqual(deps(m, 'deb:libc6'), []);
    assert.equal(deps(m, 'deb:zlib'), undefined, 'no entry in the input: dependencies stay unknown');
  });

  test('written as CycloneDX 1.6 JSON: schema-valid, nested layers, layer properties and graph survive a read back', () => {
    const m = merged();
    const text = writeSbom(m, 'cyclonedx-json', { now: new Date('2025-01-02T03:04:05Z') });
    const doc = JSON.parse(text) as {
      specVersion: string;
      metadata: { component: { 'bom-ref': string; name: string } };
      components: { 'bom-ref': string; components?: { 'bom-ref': string; properties?: { name: string; value: string }[] }[] }[];
      dependencies: { ref: string; dependsOn?: string[] }[];
    };
    assert.deepEqual(validateCycloneDx16(doc), []);
    assert.equal(doc.specVersion, '1.6');
    assert.equal(doc.metadata.component['bom-ref'], 'product:acme-platform');
    assert.deepEqual(
      doc.components.map((c) => c['bom-ref']),
      ['layer:os', 'layer:kubernetes', 'layer:platform'],
    );
    const openssl = doc.components[0]!.components!.find((c) => c['bom-ref'] === 'deb:openssl')!;
    assert.deepEqual(
      openssl.properties?.filter((p) => p.name.startsWith('kubecomply:')),
      [
        { name: 'kubecomply:layer', value: 'os' },
        { name: 'kubecomply:also-in-layer', value: 'kubernetes' },
        { name: 'kubecomply:also-in-layer', value: 'platform' },
      ],
    );
    // Every ref in the written graph is a component of the document.
    const refs = new Set<string>([doc.metadata.component['bom-ref']]);
    const collect = (cs: { 'bom-ref': string; components?: unknown[] }[]): void => {
      for (const c of cs) {
        refs.add(c['bom-ref']);
        if (c.components) collect(c.components as { 'bom-ref': string }[]);
      }
    };
    collect(doc.components);
    for (const d of doc.dependencies) for (const r of [d.ref, ...(d.dependsOn ?? [])]) assert.ok(refs.has(r), r);

    const back = parseSbom(text, 'product.json');
    assert.deepEqual(
      [...allComponents(back)].map((c) => c.ref),
      [...allComponents(m)].map((c) => c.ref),
    );
    const depsOf = (s: Sbom): Record<string, string[]> => Object.fromEntries(s.dependencies.map((d) => [d.ref, [...d.dependsOn].sort()]));
    const written = depsOf(back);
    for (const [ref, to] of Object.entries(depsOf(m))) assert.deepEqual(written[ref] ?? [], to, ref);
  });

  test('inputs are not modified', () => {
    const os = osLayer();
    const before = JSON.stringify(os);
    mergeLayers([
      { name: 'os', sbom: os },
      { name: 'again', sbom: osLayer() },
    ]);
    assert.equal(JSON.stringify(os), before);
  });

  test('empty, padded and duplicate layer names, and no layers, are errors', () => {
    const s = emptySbom();
    assert.throws(() => mergeLayers([]), /at least one layer/);
    assert.throws(() => mergeLayers([{ name: '', sbom: s, file: 'a.json' }]), /layer 1 \(a\.json\) has an empty name/);
    assert.throws(() => mergeLayers([{ name: '  ', sbom: s }]), /empty name/);
    assert.throws(() => mergeLayers([{ name: 'o s', sbom: s }]), /whitespace/);
    assert.throws(
      () =>
        mergeLayers([
          { name: 'os', sbom: s },
          { name: 'k8s', sbom: s },
          { name: 'OS', sbom: s },
        ]),
      /duplicate layer name "OS" \(layers 1 and 3\)/,
    );
  });
});
