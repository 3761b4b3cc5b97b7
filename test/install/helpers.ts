import assert from 'node:assert/strict';
import { parseYamlDocument } from '../../src/sources/yaml.js';
import { defaultInstallOptions, install, type InstallOptions } from '../../src/install/index.js';
import type { InstallRequest, InstallResult } from '../../src/install/index.js';

export type Obj = Record<string, any>;

/** Runs the install in process (certificates generated) with option overrides. */
export function run(over: Partial<InstallOptions> = {}, req: Partial<Omit<InstallRequest, 'options'>> = {}): Promise<InstallResult> {
  return install({ options: { ...defaultInstallOptions(), ...over }, format: 'yaml', ...req });
}

/** The documents of a YAML stream, decoded as Kubernetes decodes them (YAML 1.1 scalars). */
export function yamlDocs(text: string): Obj[] {
  const out: Obj[] = [];
  for (const part of text.split(/^---\n/m)) {
    const r = parseYamlDocument(part, 'install.yaml');
    assert.ok(r.ok, `a document does not parse: ${r.ok ? '' : r.error.message}`);
    if (r.value !== null && r.value !== undefined) out.push(r.value as Obj);
  }
  return out;
}

export function objectsOf(result: InstallResult): Obj[] {
  return result.manifests.map((m) => m.object as Obj);
}

export function one(objects: Obj[], kind: string, name?: string): Obj {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function webhook(objects: Obj[], name: string): Obj {
  const vwc = one(objects, 'ValidatingWebhookConfiguration');
  const w = (vwc.webhooks as Obj[]).find((x) => x.name === name);
  assert.ok(w, `no webhook ${name}; have ${(vwc.webhooks as Obj[]).map((x) => x.name).join(', ')}`);
  return w;
}

/** The objects with certificate bytes (and what derives from them) blanked, for structural comparison. */
export function withoutCertificates(objects: Obj[]): Obj[] {
  const copy = JSON.parse(JSON.stringify(objects)) as Obj[];
  for (const o of copy) {
    if (o.kind === 'Secret' && o.type === 'kubernetes.io/tls') for (const k of Object.keys(o.data)) o.data[k] = '<bytes>';
    if (o.kind === 'ValidatingWebhookConfiguration') for (const w of o.webhooks) w.clientConfig.caBundle = '<bytes>';
    const ann = o.spec?.template?.metadata?.annotations;
    if (ann?.['kubecomply.io/tls-sha256']) ann['kubecomply.io/tls-sha256'] = '<sha256>';
  }
  return copy;
}

/** A digest-pinned image reference for tests (not a real image). */
export const PINNED_IMAGE = `registry.example.com/kubecomply/kubecomply:0.1.0@sha256:${'a1'.repeat(32)}`;
