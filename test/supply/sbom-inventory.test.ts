import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { Resource } from '../../src/core/types.js';
import { loadSources } from '../../src/sources/loader.js';
import { parsePurl } from '../../src/supply/purl.js';
import { goModuleVersion, inventorySbom } from '../../src/supply/sbom/inventory.js';
import { diffSboms } from '../../src/supply/sbom/diff.js';
import { mergeLayers } from '../../src/supply/sbom/merge.js';
import { allComponents, property, type Component, type Sbom } from '../../src/supply/sbom/model.js';
import { parseSbom } from '../../src/supply/sbom/read.js';
import { writeSbom } from '../../src/supply/sbom/write.js';
import { ajvDraft07 } from '../helpers/schema.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

/** Validates against the official CycloneDX 1.6 JSON schema (shipped with @cyclonedx/cyclonedx-library). */
function validateCycloneDx16(doc: unknown): string[] {
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
  const load = (f: string, id: string): Record<string, unknown> => ({ ...(JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>), $id: id });
  const ajv = ajvDraft07({ strict: false });
  ajv.addSchema(load('spdx.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json'));
  ajv.addSchema(load('jsf-0.82.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json'));
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json', 'http://cyclonedx.org/schema/bom-1.6.schema.json'));
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const FRONTEND_DIGEST = 'sha256:4f9b5c0e6a3d2b1c8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d';

// What kubeadm writes to /etc/kubernetes/manifests/kube-apiserver.yaml (trimmed of most flags).
const KUBE_APISERVER = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.10:6443
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.0.10
    - --allow-privileged=true
    - --authorization-mode=Node,RBAC
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
    - --enable-admission-plugins=NodeRestriction
    - --etcd-servers=https://127.0.0.1:2379
    - --secure-port=6443
    - --service-cluster-ip-range=10.96.0.0/12
    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt
    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key
    image: registry.k8s.io/kube-apiserver:v1.31.0
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 10.0.0.10
        path: /livez
        port: 6443
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-apiserver
    resources:
      requests:
        cpu: 250m
    volumeMounts:
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
---
apiVersion: v1
kind: Pod
metadata:
  labels:
    component: etcd
    tier: control-plane
  name: etcd
  namespace: kube-system
spec:
  containers:
  - command:
    - etcd
    - --data-dir=/var/lib/etcd
    image: registry.k8s.io/etcd:3.5.15-0
    name: etcd
  hostNetwork: true
  priorityClassName: system-node-critical
`;

const APPS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: frontend
  namespace: shop
  labels:
    app.kubernetes.io/name: frontend
    app.kubernetes.io/version: "2.3.1"
spec:
  replicas: 3
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      initContainers:
      - name: migrate
        image: busybox:1.36
        command: ["sh", "-c", "echo migrating"]
      containers:
      - name: web
        image: ghcr.io/acme/frontend:2.3.1@${FRONTEND_DIGEST}
        ports:
        - containerPort: 8080
---
# The ReplicaSet and a Pod of the Deployment, as a live scan returns them: listed under the Deployment.
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: frontend-7d4b9c
  namespace: shop
  ownerReferences:
  - apiVersion: apps/v1
    kind: Deployment
    name: frontend
    uid: 0b6e2a4c-1111-2222-3333-444455556666
    controller: true
spec:
  selector:
    matchLabels:
      app: frontend
  template:
    metadata:
      labels:
        app: frontend
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/frontend:2.3.1@${FRONTEND_DIGEST}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-backup
  namespace: shop
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
          - name: wait
            image: docker.io/library/busybox:1.36
          containers:
          - name: backup
            image: bitnami/kubectl
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-dns
  template:
    metadata:
      labels:
        k8s-app: kube-dns
    spec:
      containers:
      - name: coredns
        image: registry.k8s.io/coredns/coredns:v1.11.3
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kube-proxy
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: kube-proxy
  template:
    metadata:
      labels:
        k8s-app: kube-proxy
    spec:
      containers:
      - name: kube-proxy
        image: registry.k8s.io/kube-proxy:v1.31.0
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
spec:
  selector:
    matchLabels:
      k8s-app: calico-node
  template:
    metadata:
      labels:
        k8s-app: calico-node
    spec:
      initContainers:
      - name: install-cni
        image: docker.io/calico/cni:v3.28.1
      containers:
      - name: calico-node
        image: docker.io/calico/node:v3.28.1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cert-manager
  namespace: cert-manager
spec:
  selector:
    matchLabels:
      app: cert-manager
  template:
    metadata:
      labels:
        app: cert-manager
    spec:
      containers:
      - name: cert-manager-controller
        image: quay.io/jetstack/cert-manager-controller:v1.15.3
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cert-manager-webhook
  namespace: cert-manager
spec:
  selector:
    matchLabels:
      app: webhook
  template:
    metadata:
      labels:
        app: webhook
    spec:
      containers:
      - name: cert-manager-webhook
        image: quay.io/jetstack/cert-manager-webhook:v1.15.3
---
apiVersion: v1
kind: Service
metadata:
  name: frontend
  namespace: shop
spec:
  selector:
    app: frontend
  ports:
  - port: 80
`;

const NODES = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata:
    name: cp-1
    labels:
      node-role.kubernetes.io/control-plane: ""
  status:
    nodeInfo:
      architecture: amd64
      bootID: 6c4a5e0f-0000-0000-0000-000000000000
      containerRuntimeVersion: containerd://1.7.20
      kernelVersion: 5.15.0-119-generic
      kubeProxyVersion: v1.31.0
      kubeletVersion: v1.31.0
      machineID: 0123456789abcdef0123456789abcdef
      operatingSystem: linux
      osImage: Ubuntu 22.04.4 LTS
      systemUUID: 00000000-0000-0000-0000-000000000000
- apiVersion: v1
  kind: Node
  metadata:
    name: worker-1
  status:
    nodeInfo:
      architecture: arm64
      containerRuntimeVersion: containerd://1.7.20
      kernelVersion: 5.15.0-119-generic
      kubeletVersion: v1.30.4
      operatingSystem: linux
      osImage: Ubuntu 22.04.4 LTS
`;

let resources: Resource[] = [];
let sbom: Sbom;

const byName = (name: string): Component => {
  const c = sbom.components.find((x) => x.name === name);
  assert.ok(c, `no component named ${name}: ${sbom.components.map((x) => x.name).join(', ')}`);
  return c;
};
const props = (c: Component, name: string): string[] => c.properties.filter((p) => p.name === name).map((p) => p.value);
const deps = (ref: string): string[] | undefined => sbom.dependencies.find((d) => d.ref === ref)?.dependsOn;

before(async () => {
  const dir = tempDir();
  writeTree(dir, { 'manifests/kube-apiserver.yaml': KUBE_APISERVER, 'apps.yaml': APPS, 'nodes.yaml': NODES });
  const loaded = await loadSources([path.join(dir, 'manifests'), path.join(dir, 'apps.yaml'), path.join(dir, 'nodes.yaml')]);
  assert.deepEqual(
    loaded.diagnostics.filter((d) => d.level === 'error'),
    [],
  );
  resources = loaded.resources;
  sbom = inventorySbom(resources, { name: 'prod-eu-1', now: new Date('2025-03-01T00:00:00Z') });
});

describe('inventorySbom', () => {
  test('the cluster is the subject; its version is the API server version', () => {
    assert.deepEqual(
      { ref: sbom.subject?.ref, type: sbom.subject?.type, name: sbom.subject?.name, version: sbom.subject?.version },
      { ref: 'cluster:prod-eu-1', type: 'platform', name: 'prod-eu-1', version: 'v1.31.0' },
    );
    assert.equal(sbom.created, '2025-03-01T00:00:00.000Z');
    assert.equal(sbom.name, 'prod-eu-1');
  });

  test('one component per workload, of every kind; owned ReplicaSets are not listed again', () => {
    const workloads = sbom.components.filter((c) => c.ref.startsWith('workload:'));
    assert.deepEqual(
      workloads.map((c) => c.name),
      [
        'Pod/kube-system/kube-apiserver',
        'Pod/kube-system/etcd',
        'Deployment/shop/frontend',
        'CronJob/shop/nightly-backup',
        'Deployment/kube-system/coredns',
        'DaemonSet/kube-system/kube-proxy',
        'DaemonSet/kube-system/calico-node',
        'Deployment/cert-manager/cert-manager',
        'Deployment/cert-manager/cert-manager-webhook',
      ],
    );
    const frontend = byName('Deployment/shop/frontend');
    assert.equal(frontend.type, 'application');
    assert.equal(frontend.version, '2.3.1', 'app.kubernetes.io/version');
    assert.equal(property(frontend, 'kubecomply:k8s:kind'), 'Deployment');
    assert.equal(property(frontend, 'kubecomply:k8s:namespace'), 'shop');
    assert.equal(property(frontend, 'kubecomply:k8s:name'), 'frontend');
  });

  test('images: one per distinct image, init containers included, digests where pinned', () => {
    const images = sbom.components.filter((c) => c.type === 'container');
    assert.deepEqual(
      images.map((c) => `${c.name} ${c.version}`),
      [
        'registry.k8s.io/kube-apiserver v1.31.0',
        'registry.k8s.io/etcd 3.5.15-0',
        'docker.io/library/busybox 1.36',
        'ghcr.io/acme/frontend 2.3.1',
        'docker.io/bitnami/kubectl latest',
        'registry.k8s.io/coredns/coredns v1.11.3',
        'registry.k8s.io/kube-proxy v1.31.0',
        'docker.io/calico/cni v3.28.1',
        'docker.io/calico/node v3.28.1',
        'quay.io/jetstack/cert-manager-controller v1.15.3',
        'quay.io/jetstack/cert-manager-webhook v1.15.3',
      ],
    );
    const frontend = byName('ghcr.io/acme/frontend');
    assert.equal(frontend.purl, `pkg:oci/frontend@${FRONTEND_DIGEST}?repository_url=ghcr.io%2Facme%2Ffrontend&tag=2.3.1`);
    const p = parsePurl(frontend.purl!)!;
    assert.deepEqual({ type: p.type, name: p.name, version: p.version, q: p.qualifiers }, { type: 'oci', name: 'frontend', version: FRONTEND_DIGEST, q: { repository_url: 'ghcr.io/acme/frontend', tag: '2.3.1' } });
    assert.deepEqual(frontend.hashes, [{ alg: 'SHA-256', content: FRONTEND_DIGEST.slice('sha256:'.length) }]);
    assert.deepEqual(props(frontend, 'kubecomply:image:reference'), [`ghcr.io/acme/frontend:2.3.1@${FRONTEND_DIGEST}`]);
    assert.equal(property(frontend, 'kubecomply:image:pinned'), 'true');

    const apiserver = byName('registry.k8s.io/kube-apiserver');
    assert.equal(apiserver.purl, 'pkg:oci/kube-apiserver?repository_url=registry.k8s.io%2Fkube-apiserver&tag=v1.31.0');
    assert.equal(property(apiserver, 'kubecomply:image:pinned'), 'false');
    assert.deepEqual(apiserver.hashes, []);

    // Written two ways, one image; every spelling recorded.
    assert.deepEqual(props(byName('docker.io/library/busybox'), 'kubecomply:image:reference'), ['busybox:1.36', 'docker.io/library/busybox:1.36']);
    assert.equal(byName('docker.io/bitnami/kubectl').purl, 'pkg:oci/kubectl?repository_url=docker.io%2Fbitnami%2Fkubectl&tag=latest');
  });

  test('Kubernetes components from the images, with versions and Go module purls', () => {
    const k8s = sbom.components.filter((c) => c.ref.startsWith('k8s:'));
    assert.deepEqual(
      k8s.map((c) => [c.name, c.version, c.purl, property(c, 'kubecomply:k8s:component-role')]),
      [
        ['kube-apiserver', 'v1.31.0', 'pkg:golang/k8s.io/kubernetes@v1.31.0#cmd/kube-apiserver', 'control-plane'],
        ['etcd', '3.5.15', 'pkg:golang/go.etcd.io/etcd/server/v3@v3.5.15', 'control-plane'],
        ['coredns', 'v1.11.3', 'pkg:golang/github.com/coredns/coredns@v1.11.3', 'dns'],
        ['kube-proxy', 'v1.31.0', 'pkg:golang/k8s.io/kubernetes@v1.31.0#cmd/kube-proxy', 'node'],
        ['calico', 'v3.28.1', 'pkg:golang/github.com/projectcalico/calico@v3.28.1', 'cni'],
        ['cert-manager', 'v1.15.3', 'pkg:golang/github.com/cert-manager/cert-manager@v1.15.3', 'addon'],
        ['kubelet', 'v1.31.0', 'pkg:golang/k8s.io/kubernetes@v1.31.0#cmd/kubelet', 'node'],
        ['kubelet', 'v1.30.4', 'pkg:golang/k8s.io/kubernetes@v1.30.4#cmd/kubelet', 'node'],
      ],
    );
    for (const c of k8s) assert.equal(c.type, 'application');
    // A component depends on its images (cert-manager: controller and webhook; calico: cni and node).
    assert.deepEqual(deps('k8s:cert-manager@v1.15.3'), ['image:quay.io/jetstack/cert-manager-controller:v1.15.3', 'image:quay.io/jetstack/cert-manager-webhook:v1.15.3']);
    assert.deepEqual(deps('k8s:calico@v3.28.1'), ['image:docker.io/calico/cni:v3.28.1', 'image:docker.io/calico/node:v3.28.1']);
    assert.deepEqual(deps('k8s:kube-apiserver@v1.31.0'), ['image:registry.k8s.io/kube-apiserver:v1.31.0']);
  });

  test('nodes: kubelet, container runtime, OS and kernel, shared by nodes on the same versions', () => {
    const cp = byName('Node/cp-1');
    assert.equal(cp.type, 'platform');
    assert.equal(property(cp, 'kubecomply:node:architecture'), 'amd64');
    const containerd = byName('containerd');
    assert.deepEqual([containerd.version, containerd.purl], ['1.7.20', 'pkg:golang/github.com/containerd/containerd@v1.7.20']);
    const os = byName('Ubuntu');
    assert.deepEqual([os.type, os.version, property(os, 'kubecomply:node:osImage')], ['operating-system', '22.04.4', 'Ubuntu 22.04.4 LTS']);
    const kernel = byName('linux-kernel');
    assert.equal(kernel.version, '5.15.0-119-generic');
    assert.equal(sbom.components.filter((c) => c.name === 'containerd').length, 1);
    assert.deepEqual(deps('node:cp-1'), ['k8s:kubelet@v1.31.0', 'runtime:containerd@1.7.20', 'os:Ubuntu 22.04.4 LTS', 'kernel:linux@5.15.0-119-generic']);
    assert.deepEqual(deps('node:worker-1'), ['k8s:kubelet@v1.30.4', 'runtime:containerd@1.7.20', 'os:Ubuntu 22.04.4 LTS', 'kernel:linux@5.15.0-119-generic']);
  });

  test('dependencies: cluster → workloads, Kubernetes components, nodes; workload → images; every ref exists', () => {
    const refs = new Set([sbom.subject!.ref, ...sbom.components.map((c) => c.ref)]);
    assert.equal(refs.size, sbom.components.length + 1, 'refs are unique');
    for (const d of sbom.dependencies) {
      assert.ok(refs.has(d.ref), d.ref);
      for (const t of d.dependsOn) assert.ok(refs.has(t), `${d.ref} → ${t}`);
    }
    const cluster = deps('cluster:prod-eu-1')!;
    assert.ok(cluster.includes('workload:Deployment/shop/frontend'));
    assert.ok(cluster.includes('k8s:kube-apiserver@v1.31.0'));
    assert.ok(cluster.includes('node:cp-1'));
    assert.ok(!cluster.some((r) => r.startsWith('image:')), 'images hang below workloads');
    assert.deepEqual(deps('workload:Deployment/shop/frontend'), ['image:docker.io/library/busybox:1.36', `image:ghcr.io/acme/frontend:2.3.1@${FRONTEND_DIGEST}`]);
    assert.deepEqual(deps('workload:CronJob/shop/nightly-backup'), ['image:docker.io/library/busybox:1.36', 'image:docker.io/bitnami/kubectl:latest']);
    // Every component is reachable from the cluster.
    const seen = new Set<string>();
    const walk = (ref: string): void => {
      if (seen.has(ref)) return;
      seen.add(ref);
      for (const t of deps(ref) ?? []) walk(t);
    };
    walk(sbom.subject!.ref);
    assert.deepEqual(
      sbom.components.map((c) => c.ref).filter((r) => !seen.has(r)),
      [],
    );
  });

  test('odd input: digest-only images, invalid references, image volumes, empty input', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const pod = (spec: Record<string, unknown>): Resource => ({
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'p',
      namespace: 'default',
      metadata: { name: 'p' },
      object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec },
      origin: { file: 'x.yaml', doc: 0, line: 1 },
    });
    const s = inventorySbom([
      pod({
        containers: [{ name: 'a', image: `registry.k8s.io/kube-scheduler@${digest}` }, { name: 'b', image: 'Not A Valid:Ref' }, { name: 'c' }],
        volumes: [{ name: 'models', image: { reference: 'ghcr.io/acme/models:v1' } }],
      }),
    ]);
    const names = s.components.map((c) => `${c.name}${c.version ? ` ${c.version}` : ''}`);
    assert.deepEqual(names, ['Pod/default/p', `registry.k8s.io/kube-scheduler ${digest}`, 'Not A Valid:Ref', 'ghcr.io/acme/models v1', 'kube-scheduler']);
    assert.equal(s.components[1]!.purl, `pkg:oci/kube-scheduler@${digest}?repository_url=registry.k8s.io%2Fkube-scheduler`);
    assert.ok(property(s.components[2]!, 'kubecomply:image:invalid'));
    assert.equal(s.components[4]!.purl, 'pkg:golang/k8s.io/kubernetes#cmd/kube-scheduler', 'no tag, no version');
    assert.equal(s.subject!.version, undefined);

    const empty = inventorySbom([]);
    assert.equal(empty.subject!.name, 'cluster');
    assert.deepEqual(empty.components, []);
    assert.deepEqual(empty.dependencies, [{ ref: 'cluster:cluster', dependsOn: [] }]);
  });

  test('end to end: written as CycloneDX 1.6 (schema-valid), read back unchanged, merged as a layer, diffed after an upgrade', () => {
    const text = writeSbom(sbom, 'cyclonedx-json', { now: new Date('2025-03-01T00:00:00Z') });
    assert.deepEqual(validateCycloneDx16(JSON.parse(text)), []);
    const back = parseSbom(text, 'cluster.cdx.json');
    assert.equal(back.subject?.name, 'prod-eu-1');
    assert.deepEqual(
      back.components.map((c) => [c.ref, c.name, c.version, c.purl]),
      sbom.components.map((c) => [c.ref, c.name, c.version, c.purl]),
    );
    assert.deepEqual(diffSboms(sbom, back), { added: [], removed: [], changed: [], unchanged: sbom.components.length });

    const merged = mergeLayers([{ name: 'kubernetes', sbom: back, file: 'cluster.cdx.json' }], { name: 'acme' });
    assert.deepEqual(validateCycloneDx16(JSON.parse(writeSbom(merged, 'cyclonedx-json'))), []);
    assert.equal([...allComponents(merged)].length, sbom.components.length + 1);

    // The API server and kubelets upgraded, the frontend re-pinned.
    const upgraded = inventorySbom(
      resources.map((r) => {
        const text = JSON.stringify(r.object)
          .replaceAll('v1.31.0', 'v1.31.2')
          .replaceAll('v1.30.4', 'v1.31.2')
          .replace(new RegExp(FRONTEND_DIGEST.slice(7), 'g'), 'b'.repeat(64));
        return { ...r, podSpecs: undefined, object: JSON.parse(text) as Resource['object'] };
      }),
      { name: 'prod-eu-1' },
    );
    const d = diffSboms(sbom, upgraded);
    const line = (c: { before: Component; after: Component; fields: string[] }): string => `${c.before.name} ${c.before.version ?? ''} → ${c.after.version ?? ''} [${c.fields.join(',')}]`;
    assert.deepEqual(d.changed.map(line), [
      'ghcr.io/acme/frontend 2.3.1 → 2.3.1 [hashes]',
      'kube-apiserver v1.31.0 → v1.31.2 [version]',
      'kube-proxy v1.31.0 → v1.31.2 [version]',
      'kubelet v1.31.0 → v1.31.2 [version]',
      'registry.k8s.io/kube-apiserver v1.31.0 → v1.31.2 [version]',
      'registry.k8s.io/kube-proxy v1.31.0 → v1.31.2 [version]',
    ]);
    // Both kubelets are now one version: one of the two old ones pairs, the other is gone.
    assert.deepEqual(
      d.removed.map((c) => `${c.name} ${c.version ?? ''}`),
      ['kubelet v1.30.4'],
    );
    assert.deepEqual(d.added, []);
  });

  test('Go module versions drop vendor build suffixes, keep pre-releases', () => {
    assert.equal(goModuleVersion('v1.30.2-eks-1552ad0'), 'v1.30.2');
    assert.equal(goModuleVersion('v1.29.6+k3s1'), 'v1.29.6');
    assert.equal(goModuleVersion('1.31.0-rc.1'), 'v1.31.0-rc.1');
    assert.equal(goModuleVersion('latest'), undefined);
  });
});
