/**
 * Clock notifications: which are due when (started, reminders, overdue; once each), the message bodies, and the
 * webhook delivery against a real local HTTP server (retries on 5xx, none on 4xx, timeouts).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { markExploited, markIncident, must, recordReport, type Case } from '../../src/cra/cases.js';
import { parseDuration } from '../../src/core/duration.js';
import { deliver, notificationBody, notificationText, pendingNotifications } from '../../src/cra/notify.js';
import { caseIn, who } from './fixtures.js';

const AWARE = '2026-12-01T09:00:00.000Z';
const H = 3_600_000;
const at = (h: number): Date => new Date(Date.parse(AWARE) + h * H);
const exploited = (): Case => must(markExploited(caseIn('affected'), { ...who, at: AWARE, source: 'kev' }));
const REMIND = [12 * H, 2 * H];

/** Runs pendingNotifications like `cra notify` runs do: what was sent or skipped is handled afterwards. */
function runs(c: Case[], times: number[]): { h: number; sent: string[]; skipped: string[] }[] {
  const handled = new Set<string>();
  return times.map((h) => {
    const p = pendingNotifications(c, handled, at(h), REMIND);
    for (const n of p.send) handled.add(n.key);
    for (const k of p.skip) handled.add(k);
    return { h, sent: p.send.map((n) => n.key), skipped: p.skip };
  });
}

describe('which notifications are due', () => {
  test('parseDuration', () => {
    assert.equal(parseDuration('24h'), 24 * H);
    assert.equal(parseDuration('1h30m'), 1.5 * H);
    assert.equal(parseDuration('2d'), 48 * H);
    assert.equal(parseDuration('90m'), 1.5 * H);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1m30s'), 90_000);
    for (const bad of ['', 'h', '12', '1w', '-2h', '2 h', '1s1m', 'ms']) assert.equal(parseDuration(bad), undefined, bad);
  });

  test('a case that is not exploited has no clock and no notification', () => {
    assert.deepEqual(pendingNotifications([caseIn('affected')], new Set(), at(1), REMIND), { send: [], skip: [] });
  });

  test('started once; each reminder at its boundary (due − offset), once; overdue just after the due instant', () => {
    const c = [exploited()];
    const r = runs(c, [0, 0.5, 11.999, 12, 12.5, 22, 24, 24.001, 25]);
    const sent = Object.fromEntries(r.map((x) => [x.h, x.sent]));
    assert.deepEqual(sent[0], ['CASE-1:vulnerability:clock-started']);
    assert.deepEqual(sent[0.5], []);
    assert.deepEqual(sent[11.999], []);
    // Early warning due at +24 h: the 12 h reminder fires at +12 h exactly.
    assert.deepEqual(sent[12], ['CASE-1:vulnerability:early_warning:reminder:720m']);
    assert.deepEqual(sent[12.5], []);
    assert.deepEqual(sent[22], ['CASE-1:vulnerability:early_warning:reminder:120m']);
    // At the due instant it is not overdue yet (clocks.ts: overdue when now > due).
    assert.deepEqual(sent[24], []);
    assert.deepEqual(sent[24.001], ['CASE-1:vulnerability:early_warning:overdue']);
    assert.deepEqual(sent[25], []);
  });

  test('after a long pause: only the closest reminder is sent and the farther one skipped; past the deadline only overdue', () => {
    const c = [exploited()];
    let r = runs(c, [23]);
    assert.deepEqual(r[0]!.sent, ['CASE-1:vulnerability:clock-started', 'CASE-1:vulnerability:early_warning:reminder:120m']);
    assert.deepEqual(r[0]!.skipped, ['CASE-1:vulnerability:early_warning:reminder:720m']);
    r = runs(c, [80]);
    assert.deepEqual(r[0]!.sent, ['CASE-1:vulnerability:clock-started', 'CASE-1:vulnerability:early_warning:overdue', 'CASE-1:vulnerability:notification:overdue']);
    assert.ok(r[0]!.skipped.includes('CASE-1:vulnerability:notification:reminder:120m'));
  });

  test('a submitted stage gets no reminder and never goes overdue', () => {
    const c = [must(recordReport(exploited(), { ...who, at: at(3).toISOString(), track: 'vulnerability', stage: 'early_warning' }))];
    const r = runs(c, [0, 23, 30]);
    assert.deepEqual(r.flatMap((x) => x.sent), ['CASE-1:vulnerability:clock-started']);
    // The 72 h notification's reminders still come.
    assert.deepEqual(runs(c, [60])[0]!.sent, ['CASE-1:vulnerability:clock-started', 'CASE-1:vulnerability:notification:reminder:720m']);
  });

  test('a severe incident has its own track and keys', () => {
    const c = [must(markIncident(caseIn('affected'), { ...who, at: AWARE }))];
    const r = runs(c, [0, 70.5]);
    assert.deepEqual(r[0]!.sent, ['CASE-1:incident:clock-started']);
    assert.deepEqual(r[1]!.sent, ['CASE-1:incident:early_warning:overdue', 'CASE-1:incident:notification:reminder:120m']);
  });

  test('messages say what, where, when and how long is left', () => {
    const p = pendingNotifications([exploited()], new Set(), at(22.5), REMIND);
    const started = p.send.find((n) => n.type === 'clock-started')!;
    assert.match(notificationText(started, 'acme-platform 2.3.0'), /^CRA reporting clock started for CASE-1 \(GHSA-qw9x-cqr3-wc7r in github\.com\/opencontainers\/runc, acme-platform 2\.3\.0\): actively exploited vulnerability since 2026-12-01T09:00:00\.000Z; early warning due 2026-12-02T09:00:00\.000Z, notification due 2026-12-04T09:00:00\.000Z$/);
    const remind = p.send.find((n) => n.type === 'reminder')!;
    assert.equal(notificationText(remind), 'CRA early warning (Art. 14(2)(a)) for CASE-1 (GHSA-qw9x-cqr3-wc7r in github.com/opencontainers/runc) due 2026-12-02T09:00:00.000Z: 01:30:00 left (reminder 02:00:00 before)');
    const slack = notificationBody(remind, 'slack') as { text: string; blocks: { text: { type: string } }[] };
    assert.equal(slack.text, notificationText(remind));
    assert.equal(slack.blocks[0]!.text.type, 'mrkdwn');
    const json = notificationBody(remind, 'json', 'acme') as { kind: string; product: string; notification: { due: string } };
    assert.equal(json.kind, 'cra.reminder');
    assert.equal(json.notification.due, '2026-12-02T09:00:00.000Z');
  });
});

describe('delivery to a real HTTP server', () => {
  async function server(handler: (req: IncomingMessage, body: string) => [number, number?]): Promise<{ url: string; hits: string[]; close: () => Promise<void>; s: Server }> {
    const hits: string[] = [];
    const s = createServer((req, res) => {
      let body = '';
      req.on('data', (b: Buffer) => (body += b));
      req.on('end', () => {
        hits.push(body);
        const [status, delayMs] = handler(req, body);
        setTimeout(() => res.writeHead(status).end('{}'), delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`, hits, s, close: () => new Promise((r) => s.close(() => r())) };
  }

  test('posts JSON with the headers given; 5xx is retried, 4xx is not', async () => {
    let n = 0;
    let auth: string | undefined;
    const srv = await server((req) => {
      auth = req.headers.authorization;
      return [++n === 1 ? 503 : 200];
    });
    const ok = await deliver(srv.url, { a: 1 }, { headers: { Authorization: 'Bearer t0k' }, backoffMs: 10 });
    assert.deepEqual(ok, { ok: true, status: 200, attempts: 2 });
    assert.equal(auth, 'Bearer t0k');
    assert.deepEqual(srv.hits.map((h) => JSON.parse(h)), [{ a: 1 }, { a: 1 }]);
    await srv.close();
    const four = await server(() => [404]);
    const r = await deliver(four.url, {}, { backoffMs: 10 });
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 1);
    assert.match(r.error!, /HTTP 404/);
    await four.close();
  });

  test('a server that does not answer in time, and one that is not there, fail with the reason', async () => {
    const slow = await server(() => [200, 2000]);
    const r = await deliver(slow.url, {}, { timeoutMs: 100, attempts: 2, backoffMs: 10 });
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 2);
    assert.match(r.error!, /no answer within 100 ms/);
    slow.s.closeAllConnections();
    await slow.close();
    const gone = await deliver(slow.url, {}, { attempts: 1 });
    assert.equal(gone.ok, false);
    assert.match(gone.error!, /ECONNREFUSED/);
  });
});
