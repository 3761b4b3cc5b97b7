import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLocator } from '../../src/sources/locate.js';

/** Positions as "line:column" for readability. */
function at(text: string, paths: string[], format: 'yaml' | 'json' = 'yaml', base = 1): string[] {
  return createLocator(text, base, format)
    .locate(paths)
    .map((p) => `${p.line}:${p.column}`);
}

const DEPLOY = `# comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    "quoted/key": x
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox
      containers:
      - name: app
        image: nginx
        command:
        - sh
        - -c
        - |
          echo hi
          name: not-a-key
        securityContext:
          capabilities:
            drop: ["ALL", 'NET_RAW']
            add: [SYS_ADMIN]
        ports:
        - containerPort: 80
          hostPort: 80
      - name: sidecar
        image: envoy
      volumes:
      - - nested
        - seq
`;

describe('YAML locator', () => {
  test('keys, sequence items (indented and compact), flow items and quoted keys', () => {
    assert.deepEqual(
      at(DEPLOY, [
        'kind',
        'metadata.annotations["quoted/key"]',
        'metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"]',
        'spec.template.spec.initContainers[0].image',
        'spec.template.spec.containers[0]',
        'spec.template.spec.containers[0].securityContext.capabilities.drop[1]',
        'spec.template.spec.containers[0].securityContext.capabilities.add[0]',
        'spec.template.spec.containers[0].ports[0].hostPort',
        'spec.template.spec.containers[1].image',
        'spec.template.spec.volumes[0][1]',
      ]),
      ['3:1', '7:5', '8:5', '14:11', '16:9', '26:27', '27:19', '30:11', '32:9', '35:11'],
    );
  });

  test('block scalars are skipped: their content never looks like keys', () => {
    assert.deepEqual(at(DEPLOY, ['spec.template.spec.containers[0].securityContext', 'spec.template.spec.containers[0].command[2]']), ['24:9', '21:11']);
  });

  test('a missing field resolves to its nearest existing parent', () => {
    assert.deepEqual(
      at(DEPLOY, ['spec.template.spec.containers[1].securityContext.runAsNonRoot', 'spec.template.spec.securityContext', 'nope.deeper']),
      ['31:9', '11:5', '2:1'],
    );
  });

  test('lines are offset by the document start; List items are reached through their prefix', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    hostNetwork: true\n- kind: Pod\n';
    assert.deepEqual(at(list, ['items[0].spec.hostNetwork', 'items[1]'], 'yaml', 100), ['106:5', '107:3']);
  });

  test('multi-line flow collections and quoted scalars do not derail the scan', () => {
    const text = 'a: [1,\n  2,\n  3]\nb: "multi\n  line"\nc:\n  d: {x: 1,\n    y: 2}\n  e: true\n';
    assert.deepEqual(at(text, ['a[2]', 'b', 'c.d.y', 'c.e']), ['3:3', '4:1', '8:5', '9:3']);
  });
});

describe('JSON locator', () => {
  test('pretty-printed JSON', () => {
    const text = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', securityContext: { privileged: true } }] } }, null, 2);
    assert.deepEqual(at(text, ['spec.containers[0].securityContext.privileged', 'spec.containers[0].securityContext.missing'], 'json'), ['9:11', '8:9']);
  });

  test('minified JSON points at the column', () => {
    const text = '{"kind":"Pod","spec":{"hostPID":true,"containers":[{"name":"a"},{"name":"b"}]}}';
    assert.deepEqual(at(text, ['spec.hostPID', 'spec.containers[1].name'], 'json'), ['1:23', '1:66']);
  });
});
