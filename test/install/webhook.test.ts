/**
 * The ValidatingWebhookConfiguration: entries per mode, paths, namespace selectors evaluated the way
 * the API server evaluates them, rules, and the settings from the configuration and the flags.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorMatches } from '../../src/core/selector.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { objectsOf, one, run, webhook, type Obj } from './helpers.js';

type Labels = Record<string, string>;

interface Request {
  group: string;
  resource: string;
  operation: string;
  /** Namespace of a namespaced request, with the namespace's labels. */
  namespace?: { name: string; labels: Labels };
  /** For a Namespace object: its own (new) labels. */
  namespaceObject?: { name: string; labels: Labels };
}

/** Which webhooks the API server calls for a request (k8s.io/apiserver webhook matching, simplified to what the rules use). */
function called(webhooks: Obj[], r: Request): string[] {
  const out: string[] = [];
  for (const w of webhooks) {
    const scoped = r.namespace !== undefined ? 'Namespaced' : 'Cluster';
    const ruleMatch = (w.rules as Obj[]).some(
      (rule) =>
        rule.apiGroups.includes(r.group) &&
        rule.resources.includes(r.resource) &&
        rule.operations.includes(r.operation) &&
        (rule.scope === '*' || rule.scope === scoped),
    );
    if (!ruleMatch) continue;
    // A namespaceSelector applies to namespaced requests (the namespace's labels, with the
    // kubernetes.io/metadata.name label every namespace has) and to Namespace objects (their own
    // labels); other cluster-scoped objects always match it.
    const target = r.namespace ?? r.namespaceObject;
    // metav1.LabelSelector semantics from src/core/selector.ts (which src/install/webhook.ts does not use).
    if (target && !selectorMatches(w.namespaceSelector, { ...target.labels, 'kubernetes.io/metadata.name': target.name })) continue;
    out.push(`${w.name} ${w.clientConfig.service.path}`);
  }
  return out;
}

const pod = (ns: string, labels: Labels = {}): Request => ({ group: '', resource: 'pods', operation: 'CREATE', namespace: { name: ns, labels } });

describe('webhook entries (default settings)', async () => {
  const objects = objectsOf(await run());
  const vwc = one(objects, 'ValidatingWebhookConfiguration');
  const hooks = vwc.webhooks as Obj[];

  test('four entries, each with versions v1 and v1beta1, sideEffects None, matchPolicy Equivalent, the Service on 443 and the CA bundle', () => {
    assert.deepEqual(
      hooks.map((w) => [w.name, w.clientConfig.service.path]),
      [
        ['enforce.kubecomply.io', '/validate/enforce'],
        ['namespaces.kubecomply.io', '/validate/enforce'],
        ['warn.kubecomply.io', '/validate/warn'],
        ['audit.kubecomply.io', '/validate/audit'],
      ],
    );
    const secret = one(objects, 'Secret');
    for (const w of hooks) {
      assert.deepEqual(w.admissionReviewVersions, ['v1', 'v1beta1']);
      assert.equal(w.sideEffects, 'None');
      assert.equal(w.matchPolicy, 'Equivalent');
      assert.equal(w.timeoutSeconds, 5);
      assert.deepEqual(w.clientConfig.service, { name: 'kubecomply', namespace: 'kubecomply', path: w.clientConfig.service.path, port: 443 });
      assert.equal(w.clientConfig.caBundle, secret.data['ca.crt']);
      assert.deepEqual(w.namespaceSelector.matchExpressions[0], { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kubecomply'] });
      assert.equal(w.objectSelector, undefined);
    }
  });

  test('enforcing entries fail closed; warn and audit, which never deny, fail open', () => {
    assert.deepEqual(
      hooks.map((w) => w.failurePolicy),
      ['Fail', 'Fail', 'Ignore', 'Ignore'],
    );
  });

  test('warn and audit see namespaced resources only; enforce all scopes; namespaces their own entry', () => {
    assert.ok(webhook(objects, 'enforce.kubecomply.io').rules.every((r: Obj) => r.scope === '*'));
    for (const n of ['warn.kubecomply.io', 'audit.kubecomply.io']) assert.ok(webhook(objects, n).rules.every((r: Obj) => r.scope === 'Namespaced'), n);
    assert.deepEqual(webhook(objects, 'namespaces.kubecomply.io').rules, [
      { apiGroups: [''], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['namespaces'], scope: 'Cluster' },
    ]);
    assert.ok(!webhook(objects, 'enforce.kubecomply.io').rules.some((r: Obj) => r.resources.includes('namespaces')), 'namespaces are not judged twice');
  });

  test('the rules cover the resources the safeguards need, and are bounded', () => {
    const rules = webhook(objects, 'enforce.kubecomply.io').rules as Obj[];
    const covered = (group: string, resource: string, op: string): boolean => rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.operations.includes(op));
    for (const [g, res] of [
      ['', 'pods'],
      ['', 'pods/ephemeralcontainers'],
      ['', 'replicationcontrollers'],
      ['', 'podtemplates'],
      ['apps', 'deployments'],
      ['apps', 'replicasets'],
      ['apps', 'statefulsets'],
      ['apps', 'daemonsets'],
      ['batch', 'jobs'],
      ['batch', 'cronjobs'],
    ]) {
      assert.ok(covered(g, res, 'CREATE') && covered(g, res, 'UPDATE'), `${g}/${res}`);
    }
    for (const res of ['pods/exec', 'pods/attach', 'pods/portforward', 'pods/proxy', 'nodes/proxy']) assert.ok(covered('', res, 'CONNECT'), res);
    for (const [g, res] of [
      ['rbac.authorization.k8s.io', 'roles'],
      ['rbac.authorization.k8s.io', 'rolebindings'],
      ['rbac.authorization.k8s.io', 'clusterroles'],
      ['rbac.authorization.k8s.io', 'clusterrolebindings'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'],
      ['apiregistration.k8s.io', 'apiservices'],
      ['', 'nodes'],
      ['kubecomply.io', 'complianceexceptions'],
    ]) {
      for (const op of ['CREATE', 'UPDATE', 'DELETE']) assert.ok(covered(g, res, op), `${op} ${g}/${res}`);
    }
    for (const r of rules) {
      assert.ok(!r.resources.includes('*') && !r.apiGroups.includes('*'), 'no wildcards');
      assert.deepEqual(r.apiVersions, ['*'], 'every version (matchPolicy Equivalent maps old ones anyway)');
      for (const res of r.resources) assert.ok(!/status$|^leases$|^events$|^endpoints/.test(res), `${res} is not gated`);
    }
    assert.ok(!rules.some((r) => r.apiGroups.includes('admissionregistration.k8s.io')), 'the API server never sends webhook configurations or admission policies to webhooks');
    assert.ok(!covered('', 'pods', 'DELETE'), 'pod deletions (constant, harmless) are not gated');
  });

  test('routing: each request reaches exactly one entry, by the namespace mode label', () => {
    // unlabelled and enforce namespaces, and unknown values (typos fail safe)
    assert.deepEqual(called(hooks, pod('team-a')), ['enforce.kubecomply.io /validate/enforce']);
    assert.deepEqual(called(hooks, pod('team-a', { 'kubecomply.io/mode': 'enforce' })), ['enforce.kubecomply.io /validate/enforce']);
    assert.deepEqual(called(hooks, pod('team-a', { 'kubecomply.io/mode': 'Warn' })), ['enforce.kubecomply.io /validate/enforce']);
    assert.deepEqual(called(hooks, pod('team-b', { 'kubecomply.io/mode': 'warn' })), ['warn.kubecomply.io /validate/warn']);
    assert.deepEqual(called(hooks, pod('team-c', { 'kubecomply.io/mode': 'audit' })), ['audit.kubecomply.io /validate/audit']);
    // kubecomply's own namespace: nothing, so its pods start while the webhook is down
    assert.deepEqual(called(hooks, pod('kubecomply')), []);
    // cluster-scoped objects: enforce only, even though every namespaceSelector "matches" them
    assert.deepEqual(called(hooks, { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', operation: 'CREATE' }), ['enforce.kubecomply.io /validate/enforce']);
    assert.deepEqual(called(hooks, { group: '', resource: 'nodes/proxy', operation: 'CONNECT' }), ['enforce.kubecomply.io /validate/enforce']);
    // a Namespace relabelled to audit is still judged in enforce mode
    const relabel: Request = { group: '', resource: 'namespaces', operation: 'UPDATE', namespaceObject: { name: 'team-a', labels: { 'kubecomply.io/mode': 'audit' } } };
    assert.deepEqual(called(hooks, relabel), ['namespaces.kubecomply.io /validate/enforce']);
    // kubectl exec in a warn namespace is only warned about
    assert.deepEqual(called(hooks, { group: '', resource: 'pods/exec', operation: 'CONNECT', namespace: { name: 'team-b', labels: { 'kubecomply.io/mode': 'warn' } } }), [
      'warn.kubecomply.io /validate/warn',
    ]);
  });
});

describe('webhook settings from the configuration and the flags', () => {
  async function withConfig(text: string, over: Parameters<typeof run>[0] = {}): Promise<Obj[]> {
    const dir = tempDir();
    writeTree(dir, { 'kubecomply.yaml': text });
    const objects = objectsOf(await run(over, { configFile: `${dir}/kubecomply.yaml` }));
    return one(objects, 'ValidatingWebhookConfiguration').webhooks as Obj[];
  }

  test('failurePolicy, timeoutSeconds and modeLabel come from the config', async () => {
    const hooks = await withConfig('admission:\n  failurePolicy: Ignore\n  timeoutSeconds: 12\n  modeLabel: example.com/kubecomply-mode\n');
    assert.deepEqual(
      hooks.map((w) => [w.name, w.failurePolicy, w.timeoutSeconds]),
      [
        ['enforce.kubecomply.io', 'Ignore', 12],
        ['namespaces.kubecomply.io', 'Ignore', 12],
        ['warn.kubecomply.io', 'Ignore', 12],
        ['audit.kubecomply.io', 'Ignore', 12],
      ],
    );
    assert.deepEqual(hooks[0].namespaceSelector.matchExpressions[1], { key: 'example.com/kubecomply-mode', operator: 'NotIn', values: ['warn', 'audit'] });
    assert.deepEqual(hooks[2].namespaceSelector.matchExpressions[1], { key: 'example.com/kubecomply-mode', operator: 'In', values: ['warn'] });
  });

  test('--failure-policy and --timeout win over the config', async () => {
    const hooks = await withConfig('admission:\n  failurePolicy: Ignore\n  timeoutSeconds: 12\n', { failurePolicy: 'Fail', timeoutSeconds: 3 });
    assert.deepEqual(hooks[0].failurePolicy, 'Fail');
    assert.deepEqual(
      hooks.map((w) => w.timeoutSeconds),
      [3, 3, 3, 3],
    );
  });

  test('--exempt-namespace leaves more namespaces out of every entry', async () => {
    const objects = objectsOf(await run({ exemptNamespaces: ['kube-system'] }));
    for (const w of one(objects, 'ValidatingWebhookConfiguration').webhooks) {
      assert.deepEqual(w.namespaceSelector.matchExpressions[0].values, ['kubecomply', 'kube-system']);
    }
  });

  test('a default mode other than enforce, or namespaceModes: unlabelled namespaces go to /validate, where the server decides', async () => {
    for (const text of ['admission:\n  mode: warn\n', 'admission:\n  namespaceModes:\n    legacy: audit\n']) {
      const hooks = await withConfig(text);
      assert.deepEqual(
        hooks.map((w) => [w.name, w.clientConfig.service.path]),
        [
          ['default.kubecomply.io', '/validate'],
          ['enforce.kubecomply.io', '/validate/enforce'],
          ['namespaces.kubecomply.io', '/validate'],
          ['warn.kubecomply.io', '/validate/warn'],
          ['audit.kubecomply.io', '/validate/audit'],
        ],
        text,
      );
      assert.deepEqual(called(hooks, pod('legacy')), ['default.kubecomply.io /validate']);
      assert.deepEqual(called(hooks, pod('team-a', { 'kubecomply.io/mode': 'enforce' })), ['enforce.kubecomply.io /validate/enforce']);
      assert.deepEqual(called(hooks, pod('team-a', { 'kubecomply.io/mode': 'bogus' })), ['enforce.kubecomply.io /validate/enforce']);
      assert.deepEqual(called(hooks, pod('team-b', { 'kubecomply.io/mode': 'warn' })), ['warn.kubecomply.io /validate/warn']);
      assert.deepEqual(called(hooks, { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', operation: 'CREATE' }), ['default.kubecomply.io /validate']);
      assert.deepEqual(called(hooks, pod('kubecomply')), []);
    }
  });
});
