/**
 * The shortcuts the decider takes for speed give the answers the general code gives: the one-object
 * inventory answers as `Inventory` does, `clip` counts code points as `Array.from` does, and the
 * `details` annotation, written as text, is exactly JSON.stringify's text. No timings here: the cost
 * is measured by bench/admission-decide.mjs and bench/admission.mjs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { SingleResourceInventory } from '../../src/admission/catalog.js';
import { clip } from '../../src/admission/format.js';
import { Inventory } from '../../src/core/inventory.js';
import type { Resource } from '../../src/core/types.js';
import { admissionReview, answer, decider, pod } from './helpers.js';

const word = fc.constantFrom('', 'a', 'b', 'a=b', '=', 'x=', 'app', 'team-a', 'kube-system', '1', 'true');

function resource(kind: string, namespace: string | undefined, name: string, labels: unknown): Resource {
  const metadata: Record<string, unknown> = { name, ...(labels !== undefined ? { labels } : {}) };
  return { apiVersion: 'v1', kind, name, namespace, metadata, object: { apiVersion: 'v1', kind, metadata }, origin: { file: '<test>', doc: 0, line: 0 } } as Resource;
}

describe('admission fast path', () => {
  test('the one-object inventory answers every query as Inventory does', () => {
    const labelValue = fc.oneof(word, fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.constant(null));
    const labels = fc.oneof(fc.constant(undefined), fc.constant('not-an-object'), fc.dictionary(word, labelValue, { maxKeys: 4 }));
    const r = fc.record({
      kind: fc.constantFrom('Pod', 'Deployment', 'Namespace'),
      namespace: fc.constantFrom(undefined, 'team-a', 'default'),
      name: fc.constantFrom('web', 'a=b', ''),
      labels,
    });
    const query = fc.record({ kind: fc.constantFrom('Pod', 'Deployment', 'Namespace', 'Secret'), namespace: fc.constantFrom(undefined, '', 'team-a', 'default'), name: fc.constantFrom('web', 'a=b', ''), key: word, value: fc.oneof(fc.constant(undefined), word) });
    fc.assert(
      fc.property(r, fc.array(query, { minLength: 1, maxLength: 8 }), (spec, queries) => {
        const res = resource(spec.kind, spec.namespace, spec.name, spec.labels);
        const inv = new Inventory([res]);
        const one = new SingleResourceInventory(res);
        assert.deepEqual([...one.resources], [...inv.resources]);
        assert.deepEqual([...one.namespaces()], [...inv.namespaces()]);
        for (const q of queries) {
          assert.deepEqual([...one.byKind(q.kind)], [...inv.byKind(q.kind)]);
          if (q.namespace !== undefined) assert.deepEqual([...one.inNamespace(q.namespace)], [...inv.inNamespace(q.namespace)]);
          assert.equal(one.get(q.kind, q.namespace, q.name), inv.get(q.kind, q.namespace, q.name));
          assert.deepEqual([...one.withLabel(q.key, q.value)], [...inv.withLabel(q.key, q.value)], `withLabel(${q.key}, ${q.value})`);
        }
        assert.equal(one.podSpecsOf(res), inv.podSpecsOf(res));
        let built = 0;
        assert.equal(one.memo('k', () => ++built), 1);
        assert.equal(one.memo('k', () => ++built), 1);
      }),
      { numRuns: 1000 },
    );
  });

  test('clip cuts at code points exactly as Array.from counts them (pairs, lone surrogates)', () => {
    const reference = (s: string, max: number): string => {
      if (s.length <= max) return s;
      const cps = Array.from(s);
      if (cps.length <= max) return s;
      return cps.slice(0, max - 1).join('').trimEnd() + '…';
    };
    const text = fc.array(fc.constantFrom('a', ' ', 'é', '…', '😀', '\ud800', '\udc00', '\u2028', '\n'), { maxLength: 24 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.integer({ min: -1, max: 26 }), (s, max) => {
        assert.equal(clip(s, max), reference(s, max));
      }),
      { numRuns: 3000 },
    );
  });

  test('the details annotation is JSON.stringify text, whatever the messages hold', () => {
    const names = ['plain', 'quo"te', 'back\\slash', 'new\nline', 'tab\tand\u0001', 'emoji 😀', 'lone \ud800 surrogate', 'sep\u2028arator', 'ünï…'];
    const containers = names.map((name) => ({ name, image: `docker.io/library/${name.length}:latest`, securityContext: { privileged: true } }));
    const d = decider();
    for (const spec of [{ containers: containers.slice(0, 1) }, { containers: containers.slice(0, 3) }, { containers, hostNetwork: true }]) {
      const review = admissionReview({ operation: 'CREATE', object: pod('web', 'team-a', spec) });
      const details = answer(d.review(review), review).auditAnnotations.details;
      const parsed = JSON.parse(details) as Record<string, unknown>[];
      assert.equal(details, JSON.stringify(parsed));
      for (const e of parsed) assert.deepEqual(Object.keys(e), 'more' in e ? ['more'] : 'path' in e ? ['control', 'path', 'message'] : ['control', 'message']);
    }
  });
});
