import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseProduct, ProductErrors, readProduct } from '../../src/cra/product.js';
import { EXAMPLE, exampleProduct } from './fixtures.js';

const errorsOf = (text: string, file = '/p/product.yaml'): string[] => {
  try {
    parseProduct(text, file);
  } catch (e) {
    assert.ok(e instanceof ProductErrors, String(e));
    return e.errors.map((x) => x.message);
  }
  assert.fail('expected errors');
};

const minimal = `name: p
version: 1.0.0
manufacturer: ACME
supportPeriodEnd: 2031-12
components:
  - name: os
    layer: operating-system
    version: "24.04"
`;

describe('product.yaml', () => {
  test('the example parses, with every CRA seed layer and SBOM paths resolved relative to the file', async () => {
    const p = await readProduct(EXAMPLE);
    assert.equal(p.name, 'acme-platform');
    assert.equal(p.supportPeriodEnd, '2031-12');
    assert.deepEqual(p.memberStates, ['DE', 'AT', 'NL', 'FR']);
    assert.deepEqual(
      p.components.map((c) => c.layer),
      ['operating-system', 'container-runtime', 'kubernetes', 'networking', 'ingress', 'management-ui', 'cli'],
    );
    const os = p.components[0]!;
    assert.equal(os.sbomDeclared, 'sboms/os.cdx.json');
    assert.equal(os.sbom, path.join(path.dirname(EXAMPLE), 'sboms/os.cdx.json'));
    assert.equal(os.line, 16); // the line of "- name: ubuntu" in examples/cra/product.yaml
    const calico = p.components.find((c) => c.name === 'calico')!;
    assert.equal(calico.classOverride?.class, 'important-II');
    assert.match(calico.classOverride!.reason, /NetworkPolicy/);
  });

  test('minimal document; numbers and dates are accepted as strings', () => {
    const p = parseProduct(minimal.replace('1.0.0', '2').replace('2031-12', '2031-12-31'), '/x/product.yaml');
    assert.equal(p.version, '2');
    assert.equal(p.supportPeriodEnd, '2031-12-31');
    assert.deepEqual(p.manufacturer, { name: 'ACME' });
  });

  test('missing top-level fields are all reported, each with file and line', () => {
    const errs = errorsOf('kind: Product\nfoo: 1\n');
    assert.ok(errs.some((e) => e === '/p/product.yaml:1: name: is required'), errs.join('\n'));
    for (const f of ['version', 'manufacturer', 'supportPeriodEnd', 'components']) assert.ok(errs.some((e) => e.includes(`: ${f}:`)), f);
  });

  test('bad component fields name the line of the field', () => {
    const text = minimal + `  - name: rt
    layer: runtime
    version: 1
  - name: rt2
    layer: container-runtime
    version: 1
    class: important-II
  - name: rt3
    layer: cli
    version: 1
    color: blue
    purl: nope
`;
    const errs = errorsOf(text);
    assert.ok(errs.includes('/p/product.yaml:10: components[1].layer: expected one of operating-system, container-runtime, kubernetes, networking, ingress, security, management-ui, cli, application, got "runtime"'), errs.join('\n'));
    assert.ok(errs.includes('/p/product.yaml:15: components[2].classReason: overriding the suggested class needs a reason (classReason)'), errs.join('\n'));
    assert.ok(errs.includes('/p/product.yaml:19: components[3].color: unknown field'), errs.join('\n'));
    assert.ok(errs.includes('/p/product.yaml:20: components[3].purl: expected a package URL (pkg:…)'), errs.join('\n'));
  });

  test('support period end must be at least month and year', () => {
    const errs = errorsOf(minimal.replace('2031-12', '2031'));
    assert.ok(errs.some((e) => e.startsWith('/p/product.yaml:4: supportPeriodEnd: expected YYYY-MM')), errs.join('\n'));
  });

  test('duplicate component names, bad member states, unknown class', () => {
    const text = minimal.replace('components:', 'memberStates: [de]\ncomponents:') + `  - name: os
    layer: operating-system
    version: 1
    class: super
    classReason: x
`;
    const errs = errorsOf(text);
    assert.ok(errs.some((e) => e.includes('memberStates: expected two-letter')));
    assert.ok(errs.some((e) => e.includes('duplicate component name "os"')));
    assert.ok(errs.some((e) => e.includes('components[1].class: expected one of default, important-I, important-II, critical')));
  });

  test('YAML syntax errors carry the line', () => {
    const errs = errorsOf('name: a\nversion: [1\n');
    assert.match(errs[0]!, /^\/p\/product\.yaml:\d+: \(document\): /);
  });

  test('a non-mapping document and a missing file', async () => {
    assert.deepEqual(errorsOf('- a\n'), ['/p/product.yaml:1: (document): expected a mapping (name, version, manufacturer, supportPeriodEnd, components)']);
    await assert.rejects(readProduct('/nonexistent/product.yaml'), (e: unknown) => e instanceof ProductErrors && e.errors[0]!.field === '(file)');
  });

  test('exampleProduct helper agrees with readProduct', () => {
    assert.equal(exampleProduct().components.length, 7);
  });
});
