import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { markExploited, must, transition, type Case } from '../../src/cra/cases.js';
import { addMonthsClamped, DAY } from '../../src/cra/clocks.js';
import { caseIn, who } from './fixtures.js';

describe('cases are plain data (for the store)', () => {
  test('a case survives JSON and carries on transitioning', () => {
    const c = must(markExploited(caseIn('affected'), { ...who, at: '2026-11-30T12:00:00.000Z', source: 'manual' }));
    const back = JSON.parse(JSON.stringify(c)) as Case;
    assert.deepEqual(back, c);
    const next = must(transition(back, 'fix_available', { ...who, at: '2026-12-01T00:00:00.000Z', fixVersion: '2.3.1' }));
    assert.equal(next.state, 'fix_available');
    assert.equal(next.events.length, c.events.length + 1);
  });
});

describe('calendar month arithmetic (property)', () => {
  test('one month later is 28–31 days later, same time of day, day clamped to month end', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2400, 0, 1) }), (t) => {
        const r = addMonthsClamped(t, 1);
        const d = r - t;
        assert.ok(d >= 28 * DAY && d <= 31 * DAY, `${new Date(t).toISOString()} → ${new Date(r).toISOString()}`);
        assert.equal(r % DAY, t % DAY);
        const a = new Date(t);
        const b = new Date(r);
        assert.equal((b.getUTCFullYear() * 12 + b.getUTCMonth()) - (a.getUTCFullYear() * 12 + a.getUTCMonth()), 1);
        const last = new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth() + 1, 0)).getUTCDate();
        assert.equal(b.getUTCDate(), Math.min(a.getUTCDate(), last));
      }),
      { numRuns: 2000 },
    );
  });
});
