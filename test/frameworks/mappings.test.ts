/**
 * The catalog and the frameworks agree: every control maps to at least one framework and one STRIDE
 * category; every requirement id a control cites exists in its framework; every framework
 * requirement is either mapped by a control or marked manual with guidance (never both).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUILTIN_CONTROLS } from '../../src/controls/index.js';
import { citedIds, FRAMEWORKS } from '../../src/frameworks/index.js';

describe('framework mappings', () => {
  test('every control maps to a STRIDE category and to at least one other framework', () => {
    const problems: string[] = [];
    for (const c of BUILTIN_CONTROLS) {
      if (!c.mappings.stride || c.mappings.stride.length === 0) problems.push(`${c.id}: no STRIDE category`);
      const others = FRAMEWORKS.filter((f) => f.id !== 'stride' && citedIds(c.mappings, f).length > 0);
      if (others.length === 0) problems.push(`${c.id}: maps to no framework`);
    }
    assert.deepEqual(problems, []);
  });

  test('every cited requirement id exists in its framework', () => {
    const problems: string[] = [];
    const known = new Set(FRAMEWORKS.map((f) => f.mappingKey));
    for (const c of BUILTIN_CONTROLS) {
      for (const key of Object.keys(c.mappings)) if (!known.has(key as never)) problems.push(`${c.id}: unknown mapping key ${key}`);
      for (const f of FRAMEWORKS) {
        const ids = new Set(f.requirements.map((r) => r.id));
        for (const id of citedIds(c.mappings, f)) if (!ids.has(id)) problems.push(`${c.id}: ${f.id} has no requirement "${id}"`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('every requirement is mapped or manual (with guidance), never both', () => {
    const problems: string[] = [];
    for (const f of FRAMEWORKS) {
      const mapped = new Set(BUILTIN_CONTROLS.flatMap((c) => citedIds(c.mappings, f)));
      const seen = new Set<string>();
      for (const r of f.requirements) {
        if (seen.has(r.id)) problems.push(`${f.id} ${r.id}: listed twice`);
        seen.add(r.id);
        if (r.manual && !r.guidance) problems.push(`${f.id} ${r.id}: manual without guidance`);
        if (r.manual && mapped.has(r.id)) problems.push(`${f.id} ${r.id}: manual but mapped by ${BUILTIN_CONTROLS.filter((c) => citedIds(c.mappings, f).includes(r.id)).map((c) => c.id).join(', ')}`);
        if (!r.manual && !mapped.has(r.id)) problems.push(`${f.id} ${r.id}: neither mapped nor manual`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('control ids are unique slugs and every control has its documentation', () => {
    const ids = BUILTIN_CONTROLS.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate control ids');
    for (const c of BUILTIN_CONTROLS) {
      assert.match(c.id, /^[a-z0-9]+(-[a-z0-9]+)*$/, c.id);
      assert.ok(c.title && c.description && c.rationale && c.remediation, `${c.id}: title, description, rationale and remediation are required`);
      assert.ok(c.references.length > 0, `${c.id}: at least one reference`);
      assert.ok(c.scope === 'resource' || c.scope === 'inventory' || c.scope === undefined, c.id);
    }
  });
});
