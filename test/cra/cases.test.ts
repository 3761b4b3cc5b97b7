import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CASE_STATES,
  markExploited,
  markIncident,
  must,
  openFromAdvisory,
  openFromMatch,
  openManual,
  recordReport,
  resolvedState,
  transition,
  transitionError,
  type Case,
  type CaseState,
} from '../../src/cra/cases.js';
import { caseIn, exampleSbom, runcMatch, T0, who } from './fixtures.js';

const AT = '2026-11-30T12:00:00.000Z';

// The allowed transitions, written out independently of the implementation's table.
const ALLOWED = new Set([
  'new>under_investigation',
  'new>affected',
  'new>not_affected',
  'under_investigation>affected',
  'under_investigation>not_affected',
  'affected>fix_available',
  'affected>not_affected',
  'affected>under_investigation',
  'not_affected>affected',
  'not_affected>under_investigation',
  'not_affected>closed',
  'fix_available>fix_released',
  'fix_released>closed',
  'closed>under_investigation',
]);

describe('cases: opening', () => {
  test('from a VulnMatch against the merged product SBOM: layer, component, bundled version', () => {
    const c = openFromMatch(runcMatch(), exampleSbom(), { id: 'CASE-1', by: 'kubecomply', at: T0 });
    assert.equal(c.state, 'new');
    assert.deepEqual(c.target, {
      component: 'github.com/opencontainers/runc',
      bundledAffected: true,
      layer: 'container-runtime',
      componentRef: 'pkg:golang/github.com/opencontainers/runc@v1.2.5',
      purl: 'pkg:golang/github.com/opencontainers/runc@v1.2.5',
      bundledVersion: 'v1.2.5',
    });
    assert.equal(c.events.length, 1);
    assert.equal(c.events[0]!.type, 'opened');
    assert.equal(c.exploitedAt, undefined);
  });

  test('a KEV-listed match is marked actively exploited at awareness', () => {
    const c = openFromMatch(runcMatch({ exploited: true, kev: { cveId: 'CVE-2025-31133', dateAdded: '2026-11-20' } }), exampleSbom(), { id: 'K', by: 'kubecomply', at: '2026-11-30T09:00:00+01:00' });
    assert.equal(c.exploitedAt, '2026-11-30T08:00:00.000Z');
    const ev = c.events[1]!;
    assert.equal(ev.type, 'exploited');
    assert.ok(ev.type === 'exploited' && ev.source === 'kev' && ev.kev?.cveId === 'CVE-2025-31133');
  });

  test('the component is found by purl when the ref differs', () => {
    const m = runcMatch();
    m.component = { ...m.component, ref: 'other-ref' };
    const c = openFromMatch(m, exampleSbom(), { id: 'C', by: 'x', at: T0 });
    assert.equal(c.target.layer, 'container-runtime');
  });

  test('from an imported advisory and by hand', () => {
    const a = openFromAdvisory({ format: 'osv', id: 'GO-2025-0001', aliases: ['CVE-2025-1'], purl: 'pkg:golang/golang.org/x/net@v0.30.0' }, exampleSbom(), { id: 'A', by: 'bob', at: T0 });
    assert.equal(a.target.layer, 'kubernetes');
    assert.equal(a.target.bundledVersion, 'v0.30.0');
    assert.equal(a.target.bundledAffected, 'unknown');
    assert.deepEqual(a.events[0]!.type === 'opened' && a.events[0]!.source, { kind: 'advisory', format: 'osv', id: 'GO-2025-0001' });
    const m = openManual({ id: 'CVE-2026-9999' }, { component: 'headlamp', layer: 'management-ui', bundledVersion: '0.28.1' }, { id: 'M', by: 'carol', at: T0, reason: 'reported by a customer' });
    assert.equal(m.events[0]!.reason, 'reported by a customer');
    assert.equal(m.target.bundledAffected, 'unknown');
  });

  test('opening needs who and a valid when', () => {
    assert.throws(() => openManual({ id: 'X' }, { component: 'c' }, { id: 'M', by: '', at: T0 }), /who/);
    assert.throws(() => openManual({ id: 'X' }, { component: 'c' }, { id: 'M', by: 'a', at: '2026-11-30' }), /ISO 8601 instant/);
  });
});

describe('cases: transitions', () => {
  const base = caseIn('new');
  for (const from of CASE_STATES) {
    for (const to of CASE_STATES) {
      const allowed = ALLOWED.has(`${from}>${to}`);
      test(`${from} → ${to} is ${allowed ? 'allowed' : 'forbidden'}`, () => {
        const c: Case = { ...base, state: from, fixVersion: '2.3.1' };
        const r = transition(c, to, { ...who, at: AT, justification: 'component_not_present' });
        assert.equal(r.ok, allowed, r.ok ? '' : r.error);
        if (r.ok) {
          assert.equal(r.value.state, to);
          const ev = r.value.events.at(-1)!;
          assert.ok(ev.type === 'transition' && ev.from === from && ev.to === to && ev.by === who.by && ev.at === AT && ev.reason === who.reason);
          assert.equal(c.state, from, 'input not mutated');
          assert.equal(c.events.length, base.events.length);
        } else {
          assert.match(r.error, from === to ? /already/ : new RegExp(`${from} → ${to} is not allowed`));
        }
      });
    }
  }

  test('who, why and when are required; time cannot run backwards', () => {
    const c = caseIn('new');
    assert.match(transitionError(c, 'affected', { by: '', at: AT, reason: 'r' })!, /who/);
    assert.match(transitionError(c, 'affected', { by: 'a', at: AT, reason: ' ' })!, /why/);
    assert.match(transitionError(c, 'affected', { by: 'a', at: 'yesterday', reason: 'r' })!, /when/);
    assert.match(transitionError(c, 'affected', { by: 'a', at: '2026-11-30T08:59:59.999Z', reason: 'r' })!, /before the case's last event/);
    assert.equal(transitionError(c, 'affected', { by: 'a', at: T0, reason: 'r' }), undefined);
    assert.match(transitionError(c, 'bogus' as CaseState, { by: 'a', at: AT, reason: 'r' })!, /unknown state/);
  });

  test('not_affected needs a known justification or an impact statement', () => {
    const c = caseIn('new');
    assert.match(transitionError(c, 'not_affected', { ...who, at: AT })!, /needs a justification/);
    assert.match(transitionError(c, 'not_affected', { ...who, at: AT, justification: 'because' as never })!, /unknown justification/);
    const r = must(transition(c, 'not_affected', { ...who, at: AT, impactStatement: 'the runtime runs rootless' }));
    assert.equal(r.impactStatement, 'the runtime runs rootless');
    assert.equal(r.target.bundledAffected, false);
  });

  test('fix_available and fix_released need the fixed product version', () => {
    const c = caseIn('affected');
    assert.match(transitionError(c, 'fix_available', { ...who, at: AT })!, /fixVersion/);
    const f = must(transition(c, 'fix_available', { ...who, at: AT, fixVersion: '2.3.1' }));
    assert.equal(f.fixVersion, '2.3.1');
    assert.equal(transitionError(f, 'fix_released', { ...who, at: AT }), undefined);
  });

  test('an actively exploited case cannot be closed as not affected', () => {
    let c = caseIn('not_affected');
    c = must(markExploited(c, { ...who, at: AT, source: 'manual' }));
    assert.match(transitionError(c, 'closed', { ...who, at: AT })!, /actively exploited/);
  });

  test('the full lifecycle keeps every step, and resolvedState tells what a closed case was closed as', () => {
    const c = caseIn('closed');
    assert.deepEqual(
      c.events.map((e) => (e.type === 'transition' ? `${e.from}>${e.to}` : e.type)),
      ['opened', 'new>affected', 'affected>fix_available', 'fix_available>fix_released', 'fix_released>closed'],
    );
    assert.equal(resolvedState(c), 'fix_released');
    assert.equal(resolvedState(caseIn('affected')), 'affected');
  });

  test('exploited / incident / report markers', () => {
    let c = caseIn('affected');
    assert.equal(recordReport(c, { ...who, at: AT, track: 'vulnerability', stage: 'early_warning' }).ok, false);
    c = must(markExploited(c, { ...who, at: AT, source: 'manual' }));
    assert.equal(markExploited(c, { ...who, at: AT, source: 'manual' }).ok, false);
    c = must(recordReport(c, { ...who, at: AT, track: 'vulnerability', stage: 'early_warning', reference: 'ENISA-1' }));
    assert.match((recordReport(c, { ...who, at: AT, track: 'vulnerability', stage: 'early_warning' }) as { error: string }).error, /already recorded/);
    assert.equal(recordReport(c, { ...who, at: AT, track: 'incident', stage: 'early_warning' }).ok, false);
    c = must(markIncident(c, { ...who, at: AT, description: 'container escape on a customer node' }));
    assert.equal(c.incidentAt, AT);
    assert.equal(markIncident(c, { ...who, at: AT }).ok, false);
  });
});
