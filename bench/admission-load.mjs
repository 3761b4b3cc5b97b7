// Open-loop HTTPS load generator for bench/admission.mjs, in its own process (not the server's).
//
//   node bench/admission-load.mjs '<json options>'
//   options: { port, ca (file), bodies (file: JSON array of request bodies), path, rate (per second;
//              0 = as fast as the connections go), durationMs, warmupMs, connections }
//
// Fixed rate: requests are released on a schedule (rate per second, spread evenly, checked every
// millisecond) whatever the server does — an open loop, as the API server sends reviews — to a pool of
// keep-alive connections, one request at a time per connection (HTTP/1.1, as the API server's client).
// A request due while every connection is busy waits for one, and that wait counts in its latency. The
// latency is from release to the last byte of the answer. Max rate: each connection sends its next
// request as soon as the previous answer is complete (a closed loop). Prints one JSON object.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

const o = JSON.parse(process.argv[2]);
const ca = readFileSync(o.ca);
const bodies = JSON.parse(readFileSync(o.bodies, 'utf8'));
const requests = bodies.map((b) => Buffer.from(`POST ${o.path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`));
const RESPONSE_TIMEOUT_MS = 10_000;
const HEAD_END = Buffer.from('\r\n\r\n');

let nextBody = 0;
let errors = 0;
let statusErrors = 0;
let measuring = false;
let stopping = false;
let measureStart = 0;
let measureEnd = 0;
let completedInWindow = 0;
const latencies = [];
const queue = [];
const idle = [];
const conns = [];

function connect() {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: o.port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] }, () => resolve(conn));
    s.setNoDelay(true);
    const conn = { s, buf: Buffer.alloc(0), need: -1, status: 0, startedAt: 0, busy: false, timer: undefined, dead: false };
    s.on('data', (d) => onData(conn, d));
    s.on('error', (e) => {
      if (!conn.dead) onDead(conn, e);
      reject(e);
    });
    s.on('close', () => {
      if (!conn.dead) onDead(conn, new Error('closed'));
    });
  });
}

function onDead(conn) {
  conn.dead = true;
  if (conn.busy && !stopping) errors++;
  conn.busy = false;
  const i = idle.indexOf(conn);
  if (i !== -1) idle.splice(i, 1);
  if (!stopping) {
    // Replace it, as a client pool would.
    connect().then(
      (c) => {
        conns.push(c);
        release(c);
      },
      () => {},
    );
  }
}

function send(conn, startedAt) {
  conn.busy = true;
  conn.startedAt = startedAt;
  conn.need = -1;
  const req = requests[nextBody++ % requests.length];
  conn.s.write(req);
  conn.timer = setTimeout(() => {
    errors++;
    conn.s.destroy();
  }, RESPONSE_TIMEOUT_MS);
}

function onData(conn, d) {
  conn.buf = conn.buf.length === 0 ? d : Buffer.concat([conn.buf, d]);
  for (;;) {
    if (conn.need < 0) {
      const i = conn.buf.indexOf(HEAD_END);
      if (i === -1) return;
      const head = conn.buf.subarray(0, i).toString('latin1');
      conn.status = Number(head.slice(9, 12));
      const m = /\r\ncontent-length: *(\d+)/i.exec(head);
      conn.need = i + 4 + (m ? Number(m[1]) : 0);
    }
    if (conn.buf.length < conn.need) return;
    conn.buf = conn.buf.subarray(conn.need);
    conn.need = -1;
    complete(conn);
    if (conn.buf.length === 0) return;
  }
}

function complete(conn) {
  const now = performance.now();
  clearTimeout(conn.timer);
  conn.busy = false;
  if (conn.status !== 200) statusErrors++;
  if (measuring && conn.startedAt >= measureStart && now <= measureEnd) {
    latencies.push(now - conn.startedAt);
    completedInWindow++;
  } else if (measuring && conn.startedAt >= measureStart && now > measureEnd) {
    // Released in the window, answered after it: its latency counts, its completion does not.
    latencies.push(now - conn.startedAt);
  }
  release(conn);
}

function release(conn) {
  if (stopping) return;
  if (o.rate === 0) return send(conn, performance.now());
  if (queue.length > 0) return send(conn, queue.shift());
  idle.push(conn);
}

function due(now) {
  const c = idle.pop();
  if (c) send(c, now);
  else if (queue.length < o.rate * 5) queue.push(now);
  else errors++; // hopelessly behind: dropped, counted
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

for (let i = 0; i < o.connections; i++) conns.push(await connect());
const t0 = performance.now();
measureStart = t0 + o.warmupMs;
measureEnd = measureStart + o.durationMs;
measuring = true;

if (o.rate === 0) {
  for (const c of conns) send(c, performance.now());
} else {
  for (const c of conns) idle.push(c);
  const interval = 1000 / o.rate;
  let next = t0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < measureEnd) {
        due(now);
        next += interval;
      }
      if (now < measureEnd) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
}
await new Promise((r) => setTimeout(r, Math.max(0, measureEnd - performance.now())));
// Let the requests released in the window finish (bounded).
const drainUntil = performance.now() + 3000;
while (conns.some((c) => c.busy && !c.dead) && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
stopping = true;
for (const c of conns) c.s.destroy();

latencies.sort((a, b) => a - b);
const round = (v) => (v === null ? null : Math.round(v * 1000) / 1000);
process.stdout.write(
  JSON.stringify({
    rate_per_s: o.rate,
    per_s: Math.round(completedInWindow / (o.durationMs / 1000)),
    completed: completedInWindow,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies.length ? latencies[latencies.length - 1] : null),
    errors: errors + statusErrors,
  }) + '\n',
);
process.exit(0);
