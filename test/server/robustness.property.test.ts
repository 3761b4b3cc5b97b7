/**
 * Property: whatever arrives — random bytes, random JSON, real AdmissionReviews (the kubewarden
 * policies' test requests in ../shared) mutated at random, huge strings, deep nesting, random methods,
 * paths and content types — every request gets an HTTP answer (never a reset), the answer is 2xx or
 * 4xx (never a 5xx), a 200 to a review carries the review's uid, and the server keeps serving.
 * The same for raw bytes as the HTTP request itself. Bounded: 500 + 150 runs, at most ~30 s.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { parsePrometheus, valueOf } from './prom.js';
import { podReview, postReview, rawExchange, realDecider, request, startServer, type Started } from './helpers.js';

const FIXTURES = '../shared/fixtures/admission/kubewarden+policies/policies';

/** The kubewarden test requests (AdmissionRequest objects), wrapped as AdmissionReviews. */
function realReviews(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let dirs: string[] = [];
  try {
    dirs = readdirSync(FIXTURES);
  } catch {
    // Without ../shared, the synthetic reviews below still run.
  }
  for (const d of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(FIXTURES, d, 'test_data')).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        const r = JSON.parse(readFileSync(path.join(FIXTURES, d, 'test_data', f), 'utf8'));
        if (r && typeof r === 'object' && typeof r.uid === 'string' && r.kind) out.push({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: r });
      } catch {
        // settings files and the like
      }
    }
  }
  out.push(podReview(), podReview({ privileged: true }), podReview({ apiVersion: 'admission.k8s.io/v1beta1', operation: 'UPDATE' }));
  return out;
}

type Json = unknown;

/** All paths to values inside a JSON value (bounded). */
function pathsOf(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (out.length > 400) return out;
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) pathsOf((v as Record<string, Json>)[k], [...prefix, k], out);
  return out;
}

function setAt(root: Json, p: (string | number)[], value: Json | typeof DELETE): Json {
  if (p.length === 0) return value === DELETE ? undefined : value;
  let cur = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  const last = p[p.length - 1];
  if (value === DELETE) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else cur[last] = value;
  return root;
}
const DELETE = Symbol('delete');

interface Case {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
  /** Whether the body is an AdmissionReview whose uid a 200 must echo. */
  uid?: string;
}

function deep(n: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

function arbitraries(reviews: Record<string, unknown>[]): fc.Arbitrary<Case> {
  const review = fc.constantFrom(...reviews).map((r) => structuredClone(r));
  const jsonValue = fc.jsonValue({ maxDepth: 4 });

  const mutated = fc
    .tuple(review, fc.array(fc.tuple(fc.nat(), fc.oneof(jsonValue, fc.constant<typeof DELETE>(DELETE))), { minLength: 1, maxLength: 4 }))
    .map(([r, edits]) => {
      let doc: Json = r;
      for (const [i, v] of edits) {
        const paths = pathsOf(doc);
        if (paths.length === 0) break;
        doc = setAt(doc, paths[i % paths.length], v);
      }
      return doc;
    });

  const bodies: fc.Arbitrary<{ body: Buffer; uid?: string }> = fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => ({ body: Buffer.from(b) })) },
    { weight: 3, arbitrary: fc.json({ maxDepth: 5 }).map((t) => ({ body: Buffer.from(t) })) },
    { weight: 2, arbitrary: review.map((r) => ({ body: Buffer.from(JSON.stringify(r)), uid: (r.request as { uid: string }).uid })) },
    { weight: 6, arbitrary: mutated.map((d) => ({ body: Buffer.from(JSON.stringify(d) ?? 'undefined') })) },
    {
      // Text-level damage: truncated, a byte flipped, an invalid UTF-8 sequence spliced in.
      weight: 3,
      arbitrary: fc.tuple(review, fc.nat(), fc.constantFrom('truncate', 'flip', 'utf8')).map(([r, at, how]) => {
        const b = Buffer.from(JSON.stringify(r));
        const i = at % b.length;
        if (how === 'truncate') return { body: b.subarray(0, i) };
        if (how === 'flip') {
          b[i] ^= 0x80;
          return { body: b };
        }
        return { body: Buffer.concat([b.subarray(0, i), Buffer.from([0xc0, 0xaf]), b.subarray(i)]) };
      }),
    },
    {
      // Huge strings, around the 3 MiB limit, inside a real review.
      weight: 1,
      arbitrary: fc.tuple(review, fc.constantFrom(64 * 1024, 1024 * 1024, 3 * 1024 * 1024 - 4096, 3 * 1024 * 1024 + 1, 5 * 1024 * 1024), fc.constantFrom('x', 'é', '\\u0000', '"')).map(([r, n, ch]) => {
        const req = r.request as Record<string, Json>;
        const filler = ch === '"' ? '\\"'.repeat(Math.floor(n / 2)) : ch.repeat(Math.floor(n / Buffer.byteLength(ch)));
        const text = JSON.stringify(req).slice(0, -1) + `,"huge":"${filler}"}`;
        return { body: Buffer.from(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${text}}`) };
      }),
    },
    {
      // Deep nesting, alone or inside the object under review.
      weight: 1,
      arbitrary: fc.tuple(review, fc.constantFrom(100, 10_000, 200_000), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([r, n, kind, inside]) => {
        if (!inside) return { body: Buffer.from(deep(n, kind)) };
        const text = JSON.stringify(r);
        const at = text.indexOf('"spec":');
        if (at === -1) return { body: Buffer.from(deep(n, kind)) };
        return { body: Buffer.from(`${text.slice(0, at)}"deep":${deep(n, kind)},${text.slice(at)}`), uid: (r.request as { uid: string }).uid };
      }),
    },
  );

  return fc.record({
    route: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom({ method: 'POST', path: '/validate' }, { method: 'POST', path: '/validate/enforce' }, { method: 'POST', path: '/validate/warn?timeout=10s' }, { method: 'POST', path: '/validate/audit' }) },
      {
        weight: 1,
        arbitrary: fc.record({ method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST'), path: fc.constantFrom('/validate', '/healthz', '/readyz', '/metrics', '/', '/validate/nope', '/%ff', '/../etc') }),
      },
    ),
    contentType: fc.oneof({ weight: 10, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-8', 'multipart/form-data; boundary=x') }),
    body: bodies,
  }).map(({ route, contentType, body }) => ({ method: route.method, path: route.path, contentType, body: body.body, ...(body.uid ? { uid: body.uid } : {}) }));
}

describe('robustness (property-based)', () => {
  let s: Started;
  let agent: https.Agent;
  before(async () => {
    s = await startServer({ decider: realDecider(), headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: s.ca });
  });
  after(async () => {
    agent.destroy();
    await s.server.close();
  });

  test('every request gets a 2xx or 4xx answer and the server stays up', async (t) => {
    const reviews = realReviews();
    assert.ok(reviews.length > 100, `only ${reviews.length} reviews loaded`);
    const statuses = new Map<number, number>();
    let runs = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(arbitraries(reviews), fc.boolean(), async (c, reuse) => {
        runs++;
        const headers: Record<string, string | number> = c.contentType ? { 'content-type': c.contentType } : {};
        const r = await request(s.port, s.ca, { method: c.method, path: c.path, headers, body: c.body, agent: reuse ? agent : false, timeoutMs: 15_000 });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.ok(r.status >= 200 && r.status < 500, `status ${r.status}: ${r.body.slice(0, 300)}`);
        if (c.method !== 'HEAD' && r.status !== 200) assert.ok(r.body.length > 0);
        if (r.status === 200 && c.path.startsWith('/validate') && c.uid && c.method === 'POST') {
          const doc = JSON.parse(r.body);
          assert.equal(doc.response.uid, c.uid);
          assert.equal(typeof doc.response.allowed, 'boolean');
        }
        if (r.status === 200 && c.path.startsWith('/validate')) JSON.parse(r.body);
      }),
      { numRuns: 500, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false, includeErrorInReport: true },
    );
    t.diagnostic(`${runs} runs in ${Date.now() - started} ms; statuses ${JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]))}`);
    assert.ok(runs >= 50, `only ${runs} runs in the time limit`);
    assert.ok(Date.now() - started < 40_000);

    // Still up, still right.
    const review = podReview({ privileged: true });
    const r = await postReview(s.port, s.ca, review);
    assert.equal(JSON.parse(r.body).response.uid, review.request.uid);
    assert.equal(JSON.parse(r.body).response.allowed, false);
    const m = parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'handler_error' }), 0);
    // Several kinds of answer were exercised.
    for (const code of [200, 400]) assert.ok((statuses.get(code) ?? 0) > 0, `no ${code} in ${JSON.stringify([...statuses])}`);
  });

  test('raw bytes as the request: an HTTP answer or a closed connection, never a crash', async () => {
    const starts = ['', 'POST /validate HTTP/1.1\r\n', 'POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n', 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'];
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...starts), fc.uint8Array({ maxLength: 512 }), fc.constantFrom('', '\r\n\r\n', '\r\nContent-Length: 5\r\n\r\n{}'), async (start, bytes, end) => {
        const out = await rawExchange(s.port, s.ca, Buffer.concat([Buffer.from(start), Buffer.from(bytes), Buffer.from(end)]), { endAfterWrite: true, timeoutMs: 10_000 });
        if (out.length > 0) assert.match(out, /^HTTP\/1\.1 [1-4]\d\d /, out.slice(0, 200));
      }),
      { numRuns: 150, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false, includeErrorInReport: true },
    );
    assert.ok(Date.now() - started < 20_000);
    const r = await postReview(s.port, s.ca, podReview());
    assert.equal(r.status, 200);
    const m = parsePrometheus((await request(s.port, s.ca, { method: 'GET', path: '/metrics' })).body);
    assert.equal(valueOf(m, 'kubecomply_admission_request_errors_total', { reason: 'handler_error' }), 0);
  });
});
