/**
 * src/server/metrics.ts: counters find a series by its label values (the per-increment fast path)
 * exactly as by its key — the same series, the same totals, the same "other" bucket past maxSeries.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, ServerMetrics } from '../../src/server/metrics.js';

function lines(c: Counter<string>): string[] {
  const out: string[] = [];
  c.render(out);
  return out.slice(2);
}

describe('Counter', () => {
  test('repeated increments land on one series, in first-seen order', () => {
    const c = new Counter('t_total', 'help', ['control', 'mode']);
    for (let i = 0; i < 3; i++) {
      c.inc({ control: 'pss-privileged', mode: 'enforce' });
      // A label value built at run time (not the same string object) finds the same series.
      c.inc({ control: ['pss', 'privileged'].join('-'), mode: 'enforce' });
      c.inc({ control: 'image-latest-tag', mode: 'warn' }, 2);
    }
    assert.equal(c.get({ control: 'pss-privileged', mode: 'enforce' }), 6);
    assert.equal(c.get({ control: 'image-latest-tag', mode: 'warn' }), 6);
    assert.equal(c.get({ control: 'image-latest-tag', mode: 'enforce' }), 0);
    assert.equal(c.total(), 12);
    assert.deepEqual(lines(c), ['t_total{control="pss-privileged",mode="enforce"} 6', 't_total{control="image-latest-tag",mode="warn"} 6']);
  });

  test('label combinations past maxSeries count under "other", before and after the cap', () => {
    const c = new Counter('t_total', 'help', ['exception'], 2);
    c.inc({ exception: 'a' });
    c.inc({ exception: 'b' });
    c.inc({ exception: 'c' });
    c.inc({ exception: 'd' });
    c.inc({ exception: 'a' });
    c.inc({ exception: 'c' });
    assert.deepEqual(lines(c), ['t_total{exception="a"} 2', 't_total{exception="b"} 1', 't_total{exception="other"} 3']);
    assert.equal(c.total(), 6);
  });

  test('a counter without labels', () => {
    const c = new Counter<never>('t_total', 'help', []);
    c.inc({});
    c.inc({}, 4);
    assert.deepEqual(lines(c as Counter<string>), ['t_total 5']);
  });

  test('the server metrics render what was recorded', () => {
    const m = new ServerMetrics({ version: 'test' });
    for (let i = 0; i < 2; i++) m.reviews.inc({ mode: 'enforce', result: 'denied', kind: 'Pod', operation: 'CREATE' });
    m.reviews.inc({ mode: 'enforce', result: 'denied', kind: 'Deployment', operation: 'CREATE' });
    const text = m.render();
    assert.match(text, /^kubecomply_admission_reviews_total\{mode="enforce",result="denied",kind="Pod",operation="CREATE"\} 2$/m);
    assert.match(text, /^kubecomply_admission_reviews_total\{mode="enforce",result="denied",kind="Deployment",operation="CREATE"\} 1$/m);
  });
});
