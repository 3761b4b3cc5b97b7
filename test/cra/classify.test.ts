import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ANNEX_ENTRIES, classifyComponent, classifyProduct, routeFor, suggestForCategory, suggestForFunction } from '../../src/cra/classify.js';
import { COMPONENT_FUNCTIONS, LAYER_CATEGORIES } from '../../src/cra/product.js';
import { exampleProduct } from './fixtures.js';

describe('CRA classification (regulations.md §1.6)', () => {
  const expected: Record<string, [string, string | undefined, boolean]> = {
    'operating-system': ['important-I', 'I.11', false],
    'container-runtime': ['important-II', 'II.1', false],
    kubernetes: ['default', undefined, true],
    networking: ['important-I', 'I.10', true],
    ingress: ['important-I', 'I.12', true],
    security: ['default', undefined, true],
    'management-ui': ['default', undefined, true],
    cli: ['default', undefined, false],
    application: ['default', undefined, false],
  };
  for (const layer of LAYER_CATEGORIES) {
    test(`category ${layer}`, () => {
      const s = suggestForCategory(layer);
      const [cls, point, uncertain] = expected[layer]!;
      assert.equal(s.class, cls);
      assert.equal(s.entry?.point, point);
      assert.equal(s.uncertain, uncertain);
      assert.match(s.rationale, /regulations\.md §1\.6/);
      if (s.entry) assert.equal(s.entry.citation, 'regulations.md §1.6');
    });
  }

  test('annex entry text is the regulations.md paraphrase', () => {
    assert.equal(ANNEX_ENTRIES['II.1']!.text, 'Hypervisors and container runtime systems supporting virtualised execution of OSs and similar environments');
    assert.equal(ANNEX_ENTRIES['I.11']!.text, 'Operating systems');
    assert.equal(ANNEX_ENTRIES['II.2']!.text, 'Firewalls, intrusion detection and prevention systems');
    for (const e of Object.values(ANNEX_ENTRIES)) assert.equal(e.class === 'critical', e.annex === 'IV');
  });

  test('every declared function maps to an Annex III entry of the matching class', () => {
    for (const fn of COMPONENT_FUNCTIONS) {
      const s = suggestForFunction(fn);
      assert.ok(s.entry, fn);
      assert.equal(s.class, s.entry.class);
      assert.equal(s.uncertain, false);
    }
    assert.equal(suggestForFunction('pki').entry?.point, 'I.9');
    assert.equal(suggestForFunction('firewall').class, 'important-II');
    assert.equal(classifyComponent({ name: 'cert-manager', layer: 'security', function: 'pki' }).class, 'important-I');
  });

  test('override with a reason wins and says whether it lowers the class', () => {
    const up = classifyComponent({ name: 'calico', layer: 'networking', classOverride: { class: 'important-II', reason: 'firewall' } });
    assert.equal(up.class, 'important-II');
    assert.equal(up.suggested.class, 'important-I');
    assert.deepEqual(up.override, { class: 'important-II', reason: 'firewall', lowers: false });
    assert.deepEqual(up.route.standards, ['EN 304 636 (Firewalls, IDS/IPS, Class II.2) — regulations.md §1.8']);
    const down = classifyComponent({ name: 'ubuntu', layer: 'operating-system', classOverride: { class: 'default', reason: 'not the core function' } });
    assert.equal(down.class, 'default');
    assert.equal(down.override?.lowers, true);
  });

  test('the conformity-assessment route per class (Article 32, with its source and confidence)', () => {
    const r = Object.fromEntries((['default', 'important-I', 'important-II', 'critical'] as const).map((c) => [c, routeFor(c)]));
    assert.equal(r.default!.thirdParty, 'no');
    assert.match(r.default!.statement, /^Art\. 32\(1\): .*module A/);
    assert.equal(r['important-I']!.thirdParty, 'unless-standards');
    assert.match(r['important-I']!.statement, /^Art\. 32\(2\): module A .* only where harmonised standards.* in full; otherwise module B\+C or module H/);
    assert.ok(!r['important-II']!.procedures.some((p) => /module A/.test(p)), 'class II: no self-assessment');
    assert.equal(r['important-II']!.thirdParty, 'yes');
    assert.match(r.critical!.statement, /^Art\. 32\(4\): a European cybersecurity certification scheme/);
    for (const x of Object.values(r)) {
      assert.equal(x.source.confidence, 'C');
      assert.match(x.statement, /\[C: Article 32 read from .* confirm against the Official Journal\]$/);
      assert.deepEqual(x.relevantDates.map((d) => d.date), ['2026-06-11', '2027-12-11']);
    }
    assert.deepEqual(classifyComponent({ name: 'containerd', layer: 'container-runtime' }).route.standards, ['EN 304 635 (Hypervisors & container runtime systems, Class II.1) — regulations.md §1.8']);
  });

  test('the example product', () => {
    const pc = classifyProduct(exampleProduct());
    assert.equal(pc.highest, 'important-II');
    assert.deepEqual(
      pc.components.map((c) => [c.component, c.class]),
      [
        ['ubuntu', 'important-I'],
        ['containerd', 'important-II'],
        ['kubernetes', 'default'],
        ['calico', 'important-II'],
        ['ingress-nginx', 'important-I'],
        ['headlamp', 'default'],
        ['cli-tools', 'default'],
      ],
    );
  });
});
