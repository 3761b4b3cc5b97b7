/**
 * The committed deployment files: deploy/manifests/kubecomply.yaml is what `kubecomply install
 * --namespace kubecomply` produces (certificate bytes aside), and the Helm chart agrees with the
 * install command.
 *
 * These are the chart's static checks: Chart.yaml and values.yaml, that every value a template reads
 * exists, that every include has a define, that template blocks are balanced, that the values (rules,
 * configuration, defaults) equal the install command's, and that the templates carry the same kinds
 * and the same fixed settings (paths, ports, identities, grace period). The chart is rendered, compared
 * with the install output and scanned in helm-render.test.ts (with tools/helm-template, a
 * Helm-compatible renderer: Helm itself cannot be installed on the build machine).
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG_TEXT } from '../../src/install/config.js';
import { DEFAULT_IMAGE, defaultInstallOptions } from '../../src/install/index.js';
import { CONTAINER_PORT, DEFAULT_IMAGE_REPOSITORY, PATHS, RESOURCES, RUN_AS, TERMINATION_GRACE_SECONDS } from '../../src/install/options.js';
import { NAMESPACE_RULE, WEBHOOK_RULES } from '../../src/install/webhook.js';
import { parseYamlDocument } from '../../src/sources/yaml.js';
import { CHART, freshInstall } from '../helpers/deploy.js';
import { one, withoutCertificates, yamlDocs, type Obj } from './helpers.js';

const MANIFESTS = 'deploy/manifests/kubecomply.yaml';
const REGENERATE = 'regenerate it: npm run build && node deploy/generate.mjs';

function yamlFile(file: string): Obj {
  const r = parseYamlDocument(readFileSync(file, 'utf8'), file);
  assert.ok(r.ok, `${file} is valid YAML`);
  return r.value as Obj;
}

describe('deploy/manifests/kubecomply.yaml', async () => {
  const committed = yamlDocs(readFileSync(MANIFESTS, 'utf8'));
  const fresh = await freshInstall();

  test('is what "kubecomply install --namespace kubecomply" produces, certificate bytes aside', () => {
    assert.deepEqual(withoutCertificates(committed), withoutCertificates(fresh), `${MANIFESTS} is out of date; ${REGENERATE}`);
    const text = readFileSync(MANIFESTS, 'utf8');
    assert.match(text, /^# Reference output .*\n.*\n# .*generate your own manifests/, 'it warns that its key is public');
    assert.match(text, /\n# kubecomply .*\n# {3}kubecomply install --namespace kubecomply\n/);
  });

  test('its certificate material is consistent: the caBundle verifies the serving certificate', () => {
    const secret = one(committed, 'Secret');
    const b64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');
    const ca = new X509Certificate(b64(secret.data['ca.crt']));
    const leaf = new X509Certificate(b64(secret.data['tls.crt']));
    assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
    for (const w of one(committed, 'ValidatingWebhookConfiguration').webhooks as Obj[]) assert.equal(w.clientConfig.caBundle, secret.data['ca.crt']);
  });
});

describe('the Helm chart (static checks; helm-render.test.ts renders it)', async () => {
  const chart = yamlFile(`${CHART}/Chart.yaml`);
  const values = yamlFile(`${CHART}/values.yaml`);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const templateFiles = readdirSync(`${CHART}/templates`).sort();
  const templates = Object.fromEntries(templateFiles.map((f) => [f, readFileSync(path.join(CHART, 'templates', f), 'utf8')]));
  const fresh = await freshInstall();

  test('Chart.yaml: apiVersion v2, versions of this release', () => {
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'kubecomply');
    assert.equal(chart.type, 'application');
    assert.equal(chart.version, pkg.version);
    assert.equal(chart.appVersion, pkg.version);
    assert.equal(`${values.image.repository}:${chart.appVersion}`, DEFAULT_IMAGE, 'the default image is the install default');
  });

  test('values.yaml defaults are the install defaults', () => {
    const d = defaultInstallOptions();
    assert.equal(values.name, d.name);
    assert.equal(values.replicas, d.replicas);
    assert.equal(values.image.repository, DEFAULT_IMAGE_REPOSITORY);
    assert.equal(values.antiAffinity, d.antiAffinity);
    assert.deepEqual(values.resources, RESOURCES);
    assert.equal(values.tls.certDays, d.certDays);
    assert.equal(values.tls.clusterDomain, d.clusterDomain);
    assert.deepEqual(values.webhook.exemptNamespaces, d.exemptNamespaces);
    assert.deepEqual(values.webhook.allowFrom, d.allowFrom);
    assert.deepEqual(values.labels, { owner: d.owner });
    assert.deepEqual(values.clusterExceptions, { enabled: d.clusterExceptions, apiServerCidrs: d.apiServerCidrs });
    const ns = one(fresh, 'Namespace').metadata.labels;
    for (const [k, v] of Object.entries(values.namespace.labels as Record<string, string>)) assert.equal(ns[k], v, `namespace label ${k}`);
  });

  test('values.config is the configuration the install ships', () => {
    const shipped = parseYamlDocument(DEFAULT_CONFIG_TEXT, 'default');
    assert.ok(shipped.ok);
    assert.deepEqual(values.config, shipped.value);
  });

  test('values.webhook.rules are the install rules', () => {
    const strip = (r: { apiGroups: string[]; resources: string[]; operations: string[] }): Obj => ({ apiGroups: r.apiGroups, resources: r.resources, operations: r.operations });
    assert.deepEqual(values.webhook.rules.namespaced, WEBHOOK_RULES.filter((r) => r.namespaced).map(strip));
    assert.deepEqual(values.webhook.rules.cluster, WEBHOOK_RULES.filter((r) => !r.namespaced).map(strip));
    assert.deepEqual(values.webhook.rules.namespaces, [strip(NAMESPACE_RULE)]);
  });

  test('crds/ holds the install CRD (Helm installs it before the templates)', () => {
    const crd = yamlFile(`${CHART}/crds/complianceexceptions.yaml`);
    const installed = one(fresh, 'CustomResourceDefinition');
    assert.deepEqual({ ...crd, metadata: { name: crd.metadata.name } }, { ...installed, metadata: { name: installed.metadata.name } }, `the chart's CRD is out of date; ${REGENERATE}`);
  });

  test('every value a template reads exists in values.yaml', () => {
    const has = (p: string[]): boolean => {
      let v: unknown = values;
      for (const k of p) {
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return false;
        v = (v as Obj)[k];
      }
      return true;
    };
    let seen = 0;
    for (const [f, text] of Object.entries(templates)) {
      for (const m of text.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) {
        seen++;
        assert.ok(has(m[1].slice(1).split('.')), `${f}: .Values${m[1]} is not in values.yaml`);
      }
    }
    assert.ok(seen > 30, `found ${seen} value references`);
  });

  test('every include has a define; template blocks and delimiters balance', () => {
    const all = Object.values(templates).join('\n');
    const defined = new Set([...all.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1]));
    for (const m of all.matchAll(/include\s+"([^"]+)"/g)) assert.ok(defined.has(m[1]), `include "${m[1]}" has no define`);
    for (const [f, text] of Object.entries(templates)) {
      const actions = [...text.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/gs)].map((m) => m[1]);
      assert.equal((text.match(/\{\{/g) ?? []).length, (text.match(/\}\}/g) ?? []).length, `${f}: {{ and }} balance`);
      const open = actions.filter((a) => /^(if|range|with|define)\b/.test(a)).length;
      const close = actions.filter((a) => /^end\b/.test(a)).length;
      assert.equal(open, close, `${f}: ${open} blocks opened, ${close} closed`);
    }
  });

  test('the templates make the objects the install makes, with the same fixed settings', () => {
    const kinds = new Set(Object.values(templates).flatMap((t) => [...t.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1])));
    assert.deepEqual([...kinds].sort(), [...new Set(fresh.map((o) => o.kind).filter((k) => k !== 'CustomResourceDefinition'))].sort());
    // Lines that are only an if/else/end action are left out: with the default values they render nothing.
    const d = templates['deployment.yaml'].replace(/^[ \t]*\{\{-?\s*(if|else|end)\b[^}]*\}\}[ \t]*\n/gm, '');
    const pod = one(fresh, 'Deployment').spec.template.spec;
    const cmd = pod.containers[0].command as string[];
    assert.ok(d.includes(cmd.map((a) => `            - ${/^\d+$/.test(a) ? `"${a}"` : a}`).join('\n')), 'the same serve command');
    // The projected token of cluster exceptions: the same path, lifetime and sources.
    const projected = pod.volumes.find((v: Obj) => v.projected).projected;
    assert.ok(d.includes(`expirationSeconds: ${projected.sources[0].serviceAccountToken.expirationSeconds}`));
    assert.ok(d.includes(`mountPath: ${PATHS.serviceAccountDir}`) && d.includes('name: kube-root-ca.crt') && d.includes('defaultMode: 0440'));
    assert.ok(d.includes(`terminationGracePeriodSeconds: ${TERMINATION_GRACE_SECONDS}`));
    assert.ok(d.includes(`containerPort: ${CONTAINER_PORT}`));
    assert.ok(d.includes(`runAsUser: ${RUN_AS}`) && d.includes(`fsGroup: ${RUN_AS}`));
    assert.ok(d.includes(`mountPath: ${PATHS.tlsDir}`) && d.includes(`mountPath: ${PATHS.configDir}`));
    for (const s of ['readOnlyRootFilesystem: true', 'allowPrivilegeEscalation: false', 'automountServiceAccountToken: false', 'path: /healthz', 'path: /readyz', 'scheme: HTTPS', 'type: RuntimeDefault']) {
      assert.ok(d.includes(s), s);
    }
    const w = templates['webhook.yaml'] + templates['_helpers.tpl'];
    for (const s of ['"/validate/enforce"', '"/validate/warn"', '"/validate/audit"', '"/validate"', 'sideEffects: None', 'matchPolicy: Equivalent', 'admissionReviewVersions: ["v1", "v1beta1"]', 'genCA', 'genSignedCert', 'kubernetes.io/metadata.name']) {
      assert.ok(w.includes(s), s);
    }
    assert.ok(templates['serviceaccount.yaml'].includes('Its only permission is to read ComplianceExceptions'));
    // The RBAC: the install's ClusterRole rules, written out.
    const role = one(fresh, 'ClusterRole');
    const rules = role.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    assert.equal(rules.length, 1);
    const expected = ['rules:', '  - apiGroups:', ...rules[0].apiGroups.map((g) => `      - ${g}`), '    resources:', ...rules[0].resources.map((r) => `      - ${r}`), '    verbs:', ...rules[0].verbs.map((v) => `      - ${v}`)].join('\n');
    assert.ok(templates['rbac.yaml'].includes(`${expected}\n`), 'the same rules');
    const egress = one(fresh, 'NetworkPolicy', 'kubecomply-api-egress').spec.egress[0].ports as { port: number }[];
    for (const p of egress) assert.ok(templates['networkpolicy.yaml'].includes(`port: ${p.port}`), `egress port ${p.port}`);
  });
});
