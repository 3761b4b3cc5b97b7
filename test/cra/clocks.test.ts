import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { markExploited, markIncident, must, recordReport, transition, type Case } from '../../src/cra/cases.js';
import { addMonthsClamped, casesOverview, clockStatus, COUNTING_NOTES, deadlinesFor, formatTimeLeft } from '../../src/cra/clocks.js';
import { openFromMatch } from '../../src/cra/cases.js';
import { caseIn, exampleSbom, runcMatch, who } from './fixtures.js';

const AWARE = '2026-11-30T10:00:00.000Z';
const ms = (s: string): number => Date.parse(s);
const plus = (iso: string, h: number, m = 0, s = 0, milli = 0): string => new Date(ms(iso) + ((h * 60 + m) * 60 + s) * 1000 + milli).toISOString();

function exploited(at = AWARE): Case {
  return must(markExploited(caseIn('affected'), { ...who, at, source: 'kev' }));
}
function incident(at = AWARE): Case {
  return must(markIncident(caseIn('affected'), { ...who, at }));
}
const dl = (c: Case, now: string, track: 'vulnerability' | 'incident', stage: string) => clockStatus(c, now).deadlines.find((d) => d.track === track && d.stage === stage)!;

describe('CRA clocks (regulations.md §1.2)', () => {
  test('no clocks until exploited or a severe incident', () => {
    assert.deepEqual(deadlinesFor(caseIn('affected')), []);
    const s = clockStatus(caseIn('affected'), AWARE);
    assert.equal(s.overdue, false);
    assert.equal(s.next, undefined);
  });

  for (const track of ['vulnerability', 'incident'] as const) {
    test(`${track}: early warning at 23:59:59.999, 24:00:00.000 and 24:00:00.001 after awareness`, () => {
      const c = track === 'vulnerability' ? exploited() : incident();
      const due = '2026-12-01T10:00:00.000Z';
      const a = dl(c, plus(AWARE, 23, 59, 59, 999), track, 'early_warning');
      assert.equal(a.due, due);
      assert.equal(a.msLeft, 1);
      assert.equal(a.overdue, false);
      const b = dl(c, plus(AWARE, 24), track, 'early_warning');
      assert.equal(b.msLeft, 0);
      assert.equal(b.overdue, false);
      const d = dl(c, plus(AWARE, 24, 0, 0, 1), track, 'early_warning');
      assert.equal(d.msLeft, -1);
      assert.equal(d.overdue, true);
      assert.equal(clockStatus(c, plus(AWARE, 24, 0, 0, 1)).overdue, true);
    });

    test(`${track}: notification at exactly 72 h`, () => {
      const c = track === 'vulnerability' ? exploited() : incident();
      assert.equal(dl(c, AWARE, track, 'notification').due, '2026-12-03T10:00:00.000Z');
      assert.equal(dl(c, plus(AWARE, 71, 59, 59, 999), track, 'notification').overdue, false);
      assert.equal(dl(c, plus(AWARE, 72), track, 'notification').overdue, false);
      assert.equal(dl(c, plus(AWARE, 72, 0, 0, 1), track, 'notification').overdue, true);
    });
  }

  test('vulnerability final report: pending until a corrective measure, then 14 × 24 h after it', () => {
    let c = must(markExploited(caseIn('affected'), { ...who, at: AWARE, source: 'manual' }));
    const pending = dl(c, AWARE, 'vulnerability', 'final_report');
    assert.equal(pending.due, undefined);
    assert.match(pending.pending!, /no corrective or mitigating measure/);
    c = must(transition(c, 'fix_available', { ...who, at: '2026-12-05T16:30:00.000Z', fixVersion: '2.3.1' }));
    const f = dl(c, '2026-12-19T16:30:00.000Z', 'vulnerability', 'final_report');
    assert.equal(f.due, '2026-12-19T16:30:00.000Z');
    assert.equal(f.overdue, false);
    assert.equal(dl(c, '2026-12-19T16:30:00.001Z', 'vulnerability', 'final_report').overdue, true);
  });

  test('a corrective measure recorded before exploitation is known counts from when it became available', () => {
    let c = caseIn('fix_available'); // fix_available at T0 + 2 h = 2026-11-30T11:00Z
    c = must(markExploited(c, { ...who, at: '2026-11-30T12:00:00.000Z', source: 'manual' }));
    assert.equal(dl(c, AWARE, 'vulnerability', 'final_report').due, '2026-12-14T11:00:00.000Z');
  });

  test('incident final report: one month after the notification actually submitted; provisional before', () => {
    let c = incident('2027-01-28T12:00:00.000Z');
    const prov = dl(c, '2027-01-28T12:00:00.000Z', 'incident', 'final_report');
    assert.equal(prov.provisional, true);
    assert.equal(prov.due, '2027-02-28T12:00:00.000Z'); // from the notification deadline 2027-01-31T12:00Z, clamped
    c = must(recordReport(c, { ...who, at: '2027-01-30T08:00:00.000Z', track: 'incident', stage: 'notification' }));
    const f = dl(c, '2027-02-01T00:00:00.000Z', 'incident', 'final_report');
    assert.equal(f.provisional, false);
    assert.equal(f.due, '2027-02-28T08:00:00.000Z');
    const n = dl(c, '2027-02-01T00:00:00.000Z', 'incident', 'notification');
    assert.equal(n.met, true);
    assert.equal(n.overdue, false);
  });

  test('calendar month arithmetic: month ends, leap years, year end', () => {
    const cases: [string, string][] = [
      ['2027-01-31T12:00:00.000Z', '2027-02-28T12:00:00.000Z'],
      ['2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z'], // leap year
      ['2028-01-29T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
      ['2100-01-31T00:00:00.000Z', '2100-02-28T00:00:00.000Z'], // century, not leap
      ['2000-01-31T00:00:00.000Z', '2000-02-29T00:00:00.000Z'], // 400-year leap
      ['2026-03-31T23:59:59.999Z', '2026-04-30T23:59:59.999Z'],
      ['2026-12-15T06:00:00.000Z', '2027-01-15T06:00:00.000Z'],
      ['2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z'],
      ['2026-02-28T10:00:00.000Z', '2026-03-28T10:00:00.000Z'],
    ];
    for (const [from, to] of cases) assert.equal(new Date(addMonthsClamped(ms(from), 1)).toISOString(), to, from);
    assert.equal(new Date(addMonthsClamped(ms('2026-03-31T00:00:00.000Z'), -1)).toISOString(), '2026-02-28T00:00:00.000Z');
    assert.equal(new Date(addMonthsClamped(ms('2026-01-31T00:00:00.000Z'), 13)).toISOString(), '2027-02-28T00:00:00.000Z');
  });

  test('DST changes are irrelevant: 24 h is 24 h across the EU switch (UTC instants)', () => {
    // EU clocks go forward 2026-03-29 01:00 UTC and back 2026-10-25 01:00 UTC.
    const fresh = (at: string): Case => must(markExploited(openFromMatch(runcMatch(), exampleSbom(), { id: 'D', by: 'x', at }), { ...who, at, source: 'manual' }));
    const spring = fresh('2026-03-29T00:30:00+01:00');
    assert.equal(dl(spring, '2026-03-29T00:00:00Z', 'vulnerability', 'early_warning').due, '2026-03-29T23:30:00.000Z');
    const autumn = fresh('2026-10-25T00:30:00.000Z');
    assert.equal(dl(autumn, '2026-10-25T00:00:00Z', 'vulnerability', 'notification').due, '2026-10-28T00:30:00.000Z');
    assert.equal(dl(autumn, '2026-10-25T00:00:00Z', 'vulnerability', 'early_warning').msLeft, 24.5 * 3_600_000);
  });

  test('late and met submissions; next deadline; notes state the counting rules', () => {
    let c = exploited();
    c = must(recordReport(c, { ...who, at: '2026-12-01T10:00:00.000Z', track: 'vulnerability', stage: 'early_warning' })); // exactly at due
    c = must(recordReport(c, { ...who, at: '2026-12-03T10:00:00.001Z', track: 'vulnerability', stage: 'notification' })); // 1 ms late
    const s = clockStatus(c, '2026-12-04T00:00:00Z');
    const ew = s.deadlines.find((d) => d.stage === 'early_warning')!;
    const nt = s.deadlines.find((d) => d.stage === 'notification')!;
    assert.deepEqual([ew.met, ew.late, ew.overdue], [true, false, false]);
    assert.deepEqual([nt.met, nt.late, nt.overdue], [false, true, false]);
    assert.equal(s.next, undefined); // final report pending (no corrective measure)
    assert.equal(s.overdue, false);
    assert.equal(s.notes, COUNTING_NOTES);
    assert.ok(COUNTING_NOTES.some((n) => /silent/.test(n)));
    const fresh = clockStatus(exploited(), AWARE);
    assert.equal(fresh.next?.stage, 'early_warning');
    assert.equal(fresh.next?.msLeft, 24 * 3_600_000);
  });

  test('cases overview: time left and overdue (the CLI exits non-zero when any is overdue)', () => {
    const a = exploited();
    const b = caseIn('not_affected', undefined, 'CASE-2');
    const o1 = casesOverview([a, b], plus(AWARE, 23));
    assert.equal(o1.overdue, false);
    assert.equal(o1.rows[0]!.timeLeft, '01:00:00');
    assert.equal(o1.rows[1]!.next, undefined);
    const o2 = casesOverview([a, b], plus(AWARE, 24, 0, 0, 1));
    assert.equal(o2.overdue, true);
    assert.equal(o2.rows[0]!.timeLeft, '-00:00:00.001');
    assert.equal(formatTimeLeft(3 * 86_400_000 + 3_723_000), '3d 01:02:03');
  });
});
