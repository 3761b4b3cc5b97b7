/**
 * The admission server over real HTTPS on 127.0.0.1, the client trusting only a CA made by
 * src/server/certs.ts: reviews, every malformed request (each followed by a valid one, to prove the
 * server still serves), certificate rotation, metrics and graceful drain.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync, renameSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCa, issueServingCert } from '../../src/server/certs.js';
import type { Decider } from '../../src/server/server.js';
import { parsePrometheus, sumOf, valueOf } from './prom.js';
import { podReview, realDecider, postReview, rawExchange, request, servedFingerprint, startServer, testCerts, tlsConnect, type Started } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

const decider = (): Decider => realDecider();

async function metricsOf(s: Started): Promise<ReturnType<typeof parsePrometheus>> {
  const r = await request(s.port, s.ca, { method: 'GET', path: '/metrics' });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheus(r.body);
}

/** A valid review still gets its answer: the server survived what came before. */
async function stillServes(s: Started): Promise<void> {
  const review = podReview();
  const r = await postReview(s.port, s.ca, review);
  assert.equal(r.status, 200, r.body);
  const doc = JSON.parse(r.body);
  assert.equal(doc.response.uid, review.request.uid);
  assert.equal(doc.response.allowed, true);
}

describe('reviews and routes', () => {
  let s: Started;
  before(async () => {
    s = await startServer({ decider: decider() });
  });
  after(() => s.server.close());

  test('answers AdmissionReviews on /validate and /validate/{mode}, in the request apiVersion, with its uid', async () => {
    const ok = podReview();
    const r = await postReview(s.port, s.ca, ok);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const doc = JSON.parse(r.body);
    assert.equal(doc.apiVersion, 'admission.k8s.io/v1');
    assert.equal(doc.kind, 'AdmissionReview');
    assert.equal(doc.response.uid, ok.request.uid);
    assert.equal(doc.response.allowed, true);

    const bad = podReview({ privileged: true, apiVersion: 'admission.k8s.io/v1beta1' });
    const denied = JSON.parse((await postReview(s.port, s.ca, bad, '/validate/enforce?timeout=10s')).body);
    assert.equal(denied.apiVersion, 'admission.k8s.io/v1beta1');
    assert.equal(denied.response.uid, bad.request.uid);
    assert.equal(denied.response.allowed, false);

    for (const mode of ['warn', 'audit']) {
      const w = JSON.parse((await postReview(s.port, s.ca, podReview({ privileged: true }), `/validate/${mode}`)).body);
      assert.equal(w.response.allowed, true, mode);
    }
  });

  test('keeps connections alive across reviews', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (sock) => sockets.add(sock));
    for (let i = 0; i < 5; i++) assert.equal((await postReview(s.port, s.ca, podReview(), '/validate', agent)).status, 200);
    assert.equal(sockets.size, 1, 'one connection for five reviews');
    agent.destroy();
  });

  test('probes: /healthz, /readyz, /metrics (GET and HEAD)', async () => {
    for (const p of ['/healthz', '/readyz']) {
      const r = await request(s.port, s.ca, { method: 'GET', path: p });
      assert.equal(r.status, 200, p);
      assert.equal(r.body, 'ok\n');
      const h = await request(s.port, s.ca, { method: 'HEAD', path: p });
      assert.equal(h.status, 200);
      assert.equal(h.body, '');
    }
    await metricsOf(s);
  });

  test('unknown path: 404; wrong method: 405 with Allow', async () => {
    const nf = await request(s.port, s.ca, { method: 'GET', path: '/nope' });
    assert.equal(nf.status, 404);
    assert.equal(JSON.parse(nf.body).kind, 'Status');
    assert.equal((await request(s.port, s.ca, { path: '/validate/deny', body: '{}' })).status, 404);
    const get = await request(s.port, s.ca, { method: 'GET', path: '/validate' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const post = await request(s.port, s.ca, { method: 'POST', path: '/metrics', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await request(s.port, s.ca, { method: 'DELETE', path: '/healthz' })).status, 405);
    await stillServes(s);
  });
});

describe('malformed requests get an answer and the server keeps serving', () => {
  let s: Started;
  before(async () => {
    s = await startServer({ decider: decider(), maxBodyBytes: 3 * 1024 * 1024, handshakeTimeoutMs: 500, headersTimeoutMs: 500, requestTimeoutMs: 1000, connectionsCheckingIntervalMs: 100 });
  });
  after(() => s.server.close());

  test('a body that is not JSON, or not an AdmissionReview: 400', async () => {
    for (const body of ['not json', '{"apiVersion":', '\ufeff{}', '', '{"a":1}{"b":2}']) {
      const r = await request(s.port, s.ca, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(JSON.parse(r.body).message, /not JSON/);
      await stillServes(s);
    }
    for (const body of ['[]', 'null', '{}', '"x"', '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}']) {
      const r = await request(s.port, s.ca, { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(JSON.parse(r.body).error, body);
      await stillServes(s);
    }
    // An AdmissionRequest with a uid but wrong fields is answered as a review (with that uid).
    const bad = podReview();
    bad.request.operation = 'EXPLODE';
    const r = await postReview(s.port, s.ca, bad);
    assert.equal(r.status, 200);
    const doc = JSON.parse(r.body);
    assert.equal(doc.response.uid, bad.request.uid);
    assert.equal(doc.response.allowed, false);
  });

  test('a content type other than JSON: 415', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/yaml']) {
      const r = await request(s.port, s.ca, { body: JSON.stringify(podReview()), headers: { 'content-type': ct } });
      assert.equal(r.status, 415, ct);
    }
    const none = await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    assert.match(none, /^HTTP\/1\.1 415 /);
    // Parameters and case are fine.
    const r = await request(s.port, s.ca, { body: JSON.stringify(podReview()), headers: { 'content-type': 'Application/JSON; charset=utf-8' } });
    assert.equal(r.status, 200);
    await stillServes(s);
  });

  test('a body over the limit: 413, announced or streamed, without reading it all', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 1, 0x20);
    const announced = await request(s.port, s.ca, { body: big });
    assert.equal(announced.status, 413);
    assert.equal(JSON.parse(announced.body).code, 413);
    assert.equal(announced.headers.connection, 'close');
    // Chunked, no length announced: refused once the limit is passed.
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    const streamed = await request(s.port, s.ca, { headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, chunks: { pieces: [piece, piece, piece, piece, piece], pauseMs: 5 } });
    assert.equal(streamed.status, 413);
    // An announced 1 GiB body is refused from the headers alone.
    const huge = await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"a":');
    assert.match(huge, /^HTTP\/1\.1 413 /);
    // With Expect: 100-continue the client is told before it sends anything.
    const expect = await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n');
    assert.match(expect, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(expect, /100 Continue/);
    await stillServes(s);
  });

  test('just under the limit is read (and judged by the decider)', async () => {
    const review = podReview();
    const text = JSON.stringify(review);
    const padded = text.slice(0, -1) + ',"pad":"' + 'x'.repeat(3 * 1024 * 1024 - text.length - 10) + '"}';
    assert.ok(Buffer.byteLength(padded) <= 3 * 1024 * 1024);
    const r = await request(s.port, s.ca, { body: padded });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).response.uid, review.request.uid);
  });

  test('invalid UTF-8: 400', async () => {
    const text = JSON.stringify(podReview());
    const at = text.indexOf('"web"') + 1;
    for (const bad of [Buffer.from([0xc3, 0x28]), Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]) /* a surrogate */, Buffer.from([0xe2, 0x82])]) {
      const body = Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]);
      const r = await request(s.port, s.ca, { body });
      assert.equal(r.status, 400, bad.toString('hex'));
      assert.match(JSON.parse(r.body).message, /UTF-8/);
    }
    await stillServes(s);
  });

  test('malformed HTTP: 400; oversized headers: 431', async () => {
    assert.match(await rawExchange(s.port, s.ca, 'GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.match(await rawExchange(s.port, s.ca, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
    await stillServes(s);
  });

  test('slow clients: headers or body that do not arrive in time get 408 and the connection closes', async () => {
    const t0 = Date.now();
    const slowHeaders = await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\n');
    assert.match(slowHeaders, /^HTTP\/1\.1 408 /);
    const slowBody = await rawExchange(s.port, s.ca, 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
    assert.match(slowBody, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - t0 < 10_000);
    // A connection that never starts (or finishes) its TLS handshake is closed too.
    for (const send of ['', '\x16\x03\x01']) {
      const t1 = Date.now();
      const raw = net.connect(s.port, '127.0.0.1');
      raw.on('error', () => {});
      raw.write(send);
      await once(raw, 'close');
      assert.ok(Date.now() - t1 < 5000, `closed after ${Date.now() - t1} ms`);
    }
    const m = await metricsOf(s);
    assert.ok(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'tls_handshake' }) >= 2);
    await stillServes(s);
  });

  test('a client that disconnects mid-body is counted, not answered', async () => {
    const sock = await tlsConnect(s.port, s.ca);
    sock.write('POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion"');
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const m = await metricsOf(s);
    assert.ok(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'aborted' }) >= 1);
    await stillServes(s);
  });

  test('errors are counted by reason', async () => {
    const m = await metricsOf(s);
    for (const reason of ['invalid_json', 'invalid_review', 'unsupported_media_type', 'body_too_large', 'invalid_utf8', 'bad_request', 'request_timeout']) {
      assert.ok(valueOf(m, 'kubecomply_admission_request_errors_total', { reason }) >= 1, reason);
    }
  });
});

describe('a decider that throws or hangs', () => {
  test('a thrown error is answered 500, logged and counted; the server keeps serving', async () => {
    const real = decider();
    const s = await startServer({
      decider: {
        review(body, ctx) {
          const b = body as Record<string, unknown>;
          if (b.boom) throw new Error('boom');
          if (b.reject) return Promise.reject(new Error('async boom'));
          if (b.badstatus) return { httpStatus: 99, body: {}, outcome: { mode: 'enforce', result: 'error', controls: [], exceptions: [], dryRun: false } };
          return real.review(body, ctx);
        },
      },
    });
    try {
      for (const word of ['boom', 'reject', 'badstatus']) {
        const r = await request(s.port, s.ca, { body: JSON.stringify({ [word]: 1 }) });
        assert.equal(r.status, 500, word);
        assert.equal(JSON.parse(r.body).reason, 'InternalError');
        await stillServes(s);
      }
      assert.ok(s.logs.some((l) => l.includes('internal error') && l.includes('boom')));
      const m = await metricsOf(s);
      assert.equal(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'handler_error' }), 3);
    } finally {
      await s.server.close();
    }
  });
});

describe('reviews that arrive together', () => {
  test('each gets its own answer, whatever the others do: denied, allowed, thrown, rejected or not JSON', async () => {
    const real = decider();
    // Reviews decided in one synchronous run (one batch): reset on the next turn of the event loop.
    let run = 0;
    let largest = 0;
    const s = await startServer({
      decider: {
        review(body, ctx) {
          if (run++ === 0) setImmediate(() => (run = 0));
          largest = Math.max(largest, run);
          const b = body as Record<string, unknown>;
          if (b.boom) throw new Error('boom');
          if (b.reject) return Promise.reject(new Error('async boom'));
          if (b.later) return new Promise((r) => setTimeout(() => r(real.review(b.later, ctx)), 20));
          return real.review(body, ctx);
        },
      },
    });
    // Kept-alive connections: once open (the first round), the requests of a round reach the server together.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 40 });
    try {
      for (let round = 0; round < 3; round++) {
        const sent = Array.from({ length: 40 }, (_, i) => {
          const review = podReview({ name: `web-${round}-${i}`, privileged: i % 3 === 0 });
          const kind = i % 10;
          const body = kind === 4 ? '{"boom":1}' : kind === 5 ? '{"reject":1}' : kind === 7 ? '{not json' : kind === 8 ? JSON.stringify({ later: review }) : JSON.stringify(review);
          return { review, kind, privileged: i % 3 === 0, reply: request(s.port, s.ca, { body, agent }) };
        });
        for (const x of sent) {
          const r = await x.reply;
          if (x.kind === 4 || x.kind === 5) {
            assert.equal(r.status, 500, r.body);
            continue;
          }
          if (x.kind === 7) {
            assert.equal(r.status, 400, r.body);
            continue;
          }
          assert.equal(r.status, 200, r.body);
          const doc = JSON.parse(r.body);
          assert.equal(doc.response.uid, x.review.request.uid);
          assert.equal(doc.response.allowed, !x.privileged);
          if (x.privileged) assert.match(doc.response.status.message, new RegExp(`Pod shop/web-${round}-\\d+ `));
        }
      }
      assert.ok(largest > 1, `reviews were decided together (largest batch: ${largest})`);
      const m = await metricsOf(s);
      assert.equal(valueOf(m, 'kubecomply_admission_in_flight_reviews', {}), 0);
      await stillServes(s);
    } finally {
      agent.destroy();
      await s.server.close();
    }
  });
});

describe('metrics', () => {
  test('parse as Prometheus text and count reviews, violations, exceptions, durations and errors', async () => {
    const s = await startServer({ decider: decider() });
    try {
      for (let i = 0; i < 3; i++) await stillServes(s);
      await postReview(s.port, s.ca, podReview({ privileged: true }), '/validate/enforce');
      await postReview(s.port, s.ca, podReview({ privileged: true }), '/validate/warn');
      await request(s.port, s.ca, { method: 'GET', path: '/nope' });
      const m = await metricsOf(s);
      assert.equal(m.get('kubecomply_admission_reviews_total')?.type, 'counter');
      assert.equal(valueOf(m, 'kubecomply_admission_reviews_total', { mode: 'enforce', result: 'allowed', kind: 'Pod', operation: 'CREATE' }), 3);
      assert.equal(valueOf(m, 'kubecomply_admission_reviews_total', { mode: 'enforce', result: 'denied', kind: 'Pod', operation: 'CREATE' }), 1);
      assert.equal(valueOf(m, 'kubecomply_admission_reviews_total', { mode: 'warn', result: 'warned', kind: 'Pod', operation: 'CREATE' }), 1);
      assert.equal(sumOf(m, 'kubecomply_admission_control_violations_total', { control: 'pss-privileged' }), 2);
      assert.equal(valueOf(m, 'kubecomply_admission_control_violations_total', { control: 'pss-privileged', mode: 'warn' }), 1);
      assert.equal(m.get('kubecomply_admission_exceptions_used_total')?.type, 'counter');
      assert.equal(m.get('kubecomply_admission_review_duration_seconds')?.type, 'histogram');
      assert.equal(valueOf(m, 'kubecomply_admission_review_duration_seconds_count'), 5);
      assert.equal(valueOf(m, 'kubecomply_admission_review_duration_seconds_bucket', { le: '1' }), 5);
      assert.ok(valueOf(m, 'kubecomply_admission_review_duration_seconds_sum') > 0);
      const les = m.get('kubecomply_admission_review_duration_seconds')!.samples.filter((x) => x.labels.le).map((x) => x.labels.le);
      assert.deepEqual(les, ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '+Inf']);
      assert.equal(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'not_found' }), 1);
      assert.ok(valueOf(m, 'kubecomply_process_uptime_seconds') > 0);
      assert.ok(valueOf(m, 'process_start_time_seconds') > 1.7e9);
      assert.ok(valueOf(m, 'kubecomply_tls_certificate_expiry_timestamp_seconds') > Date.now() / 1000);
    } finally {
      await s.server.close();
    }
  });

  test('label values are escaped and their number is bounded', async () => {
    const { ServerMetrics } = await import('../../src/server/metrics.js');
    const m = new ServerMetrics();
    m.reviews.inc({ mode: 'enforce', result: 'allowed', kind: 'We"ird\\Kind\nX', operation: 'CREATE' });
    for (let i = 0; i < 1500; i++) m.exceptionsUsed.inc({ exception: `ns/e-${i}` });
    const f = parsePrometheus(m.render());
    assert.equal(f.get('kubecomply_admission_reviews_total')!.samples[0].labels.kind, 'We"ird\\Kind\nX');
    const ex = f.get('kubecomply_admission_exceptions_used_total')!.samples;
    assert.ok(ex.length <= 1001);
    assert.equal(ex.reduce((a, x) => a + x.value, 0), 1500);
    assert.equal(valueOf(f, 'kubecomply_admission_exceptions_used_total', { exception: 'other' }), 500);
  });
});

describe('certificate rotation', () => {
  test('a new pair on disk is served on the next handshake; a bad pair is logged and the old one kept', async () => {
    const dir = tempDir();
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    const { ca, leaf } = await testCerts();
    writeFileSync(certFile, leaf.certPem);
    writeFileSync(keyFile, leaf.keyPem);
    const s = await startServer({ decider: decider(), tls: { certFile, keyFile }, tlsDebounceMs: 20, tlsPollMs: 200 });
    try {
      const first = await servedFingerprint(s.port, ca.certPem);
      assert.equal(first, s.server.certificate.fingerprint256);

      // A kept-alive connection made before the rotation goes on working.
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
      assert.equal((await postReview(s.port, ca.certPem, podReview(), '/validate', agent)).status, 200);

      // Rotate: written to temporary names and renamed into place, as tools that rotate do.
      const next = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
      writeFileSync(`${keyFile}.tmp`, next.keyPem);
      writeFileSync(`${certFile}.tmp`, next.certPem);
      renameSync(`${keyFile}.tmp`, keyFile);
      renameSync(`${certFile}.tmp`, certFile);
      const second = await waitFor(async () => {
        const fp = await servedFingerprint(s.port, ca.certPem);
        return fp !== first ? fp : undefined;
      });
      assert.equal(second, s.server.certificate.fingerprint256);
      await stillServes(s);
      assert.equal((await postReview(s.port, ca.certPem, podReview(), '/validate', agent)).status, 200);
      agent.destroy();

      // A key that does not belong to the certificate: logged, counted, the current pair stays.
      const other = await issueServingCert(ca, { dnsNames: ['localhost'], days: 1 });
      writeFileSync(keyFile, other.keyPem);
      await waitFor(async () => (s.logs.some((l) => l.includes('not loaded')) ? true : undefined));
      assert.ok(s.logs.some((l) => /not the key of/.test(l)), s.logs.join('\n'));
      assert.equal(await servedFingerprint(s.port, ca.certPem), second);
      // Garbage in the certificate file: the same.
      writeFileSync(certFile, 'not a certificate');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await servedFingerprint(s.port, ca.certPem), second);
      // The matching certificate arrives: loaded.
      writeFileSync(certFile, other.certPem);
      const third = await waitFor(async () => {
        const fp = await servedFingerprint(s.port, ca.certPem);
        return fp !== second ? fp : undefined;
      });
      assert.notEqual(third, second);
      const m = await metricsOf(s);
      assert.equal(valueOf(m, 'kubecomply_tls_reloads_total', { result: 'success' }), 2);
      assert.ok(valueOf(m, 'kubecomply_tls_reloads_total', { result: 'failure' }) >= 2);
    } finally {
      await s.server.close();
    }
  });

  test('a certificate from another CA is refused by a client that trusts only ours', async () => {
    const s = await startServer({ decider: decider() });
    try {
      const otherCa = await generateCa({ commonName: 'someone-else' });
      await assert.rejects(request(s.port, otherCa.certPem, { method: 'GET', path: '/healthz' }), /self-signed|unable to verify|unable to get/i);
      await stillServes(s);
    } finally {
      await s.server.close();
    }
  });
});

async function waitFor<T>(f: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('graceful shutdown', () => {
  test('close(): readiness 503, new connections refused, the in-flight review completes', async () => {
    const real = decider();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let entered: () => void = () => {};
    const inside = new Promise<void>((r) => (entered = r));
    const s = await startServer({
      decider: {
        async review(body, ctx) {
          if ((body as any).request?.name === 'slow-one') {
            entered();
            await gate;
          }
          return real.review(body, ctx);
        },
      },
      shutdownTimeoutMs: 10_000,
    });
    const slow = podReview({ name: 'slow-one' });
    // A raw connection with the slow review and, pipelined behind it, a readiness probe.
    const sock = await tlsConnect(s.port, s.ca);
    const received: Buffer[] = [];
    sock.on('data', (c: Buffer) => received.push(c));
    const sockClosed = once(sock, 'close');
    const text = JSON.stringify(slow);
    sock.write(`POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await inside;
    // An idle keep-alive connection, to see it closed by the drain.
    const idle = await tlsConnect(s.port, s.ca);
    const idleClosed = once(idle, 'close');

    const closed = s.server.close();
    let done = false;
    void closed.then(() => (done = true));
    assert.equal(s.server.ready, false);
    await idleClosed;
    await assert.rejects(request(s.port, s.ca, { method: 'GET', path: '/healthz' }), /ECONNREFUSED/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(done, false, 'close() waits for the in-flight review');

    release();
    await closed;
    await sockClosed;
    const answer = Buffer.concat(received).toString('utf8');
    const [first, second] = answer.split(/(?=HTTP\/1\.1 )/);
    assert.match(first, /^HTTP\/1\.1 200 /);
    assert.match(first, /\r\nConnection: close\r\n/i);
    assert.equal(JSON.parse(first.slice(first.indexOf('\r\n\r\n') + 4)).response.uid, slow.request.uid);
    // The pipelined probe was answered "shutting down", or not at all since the connection closed after the review.
    if (second !== undefined) assert.match(second, /^HTTP\/1\.1 503 /);
  });

  test('readiness is 503 during the shutdown delay while reviews are still served', async () => {
    const s = await startServer({ decider: decider(), shutdownDelayMs: 400 });
    const closed = s.server.close();
    const r = await request(s.port, s.ca, { method: 'GET', path: '/readyz' });
    assert.equal(r.status, 503);
    assert.equal(r.body, 'shutting down\n');
    await stillServes(s);
    await closed;
    await assert.rejects(request(s.port, s.ca, { method: 'GET', path: '/healthz' }), /ECONNREFUSED/);
  });

  test('requests still running after the shutdown timeout are cut off', async () => {
    const s = await startServer({
      decider: { review: () => new Promise(() => {}) },
      shutdownTimeoutMs: 200,
    });
    const pending = request(s.port, s.ca, { body: JSON.stringify(podReview()) }).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s.server.close();
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(await pending, 'cut');
    assert.ok(s.logs.some((l) => l.includes('shutdown timeout')));
  });
});
