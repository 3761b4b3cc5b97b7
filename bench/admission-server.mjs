// A server for bench/admission.mjs, in its own process: `kubecomply` (the real webhook server and
// decider, from dist/) or `floor` (a bare Node HTTPS server that parses the review and answers
// allowed: true with its uid — what any webhook must at least do — answering the reviews of one
// event-loop turn together, as kubecomply's server does). Prints {"port":N} and serves until SIGTERM.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

const [kind, certDir] = process.argv.slice(2);
const cert = readFileSync(path.join(certDir, 'tls.crt'));
const key = readFileSync(path.join(certDir, 'tls.key'));

let close;
let port;
if (kind === 'kubecomply' || kind === 'server-only') {
  const { createAdmissionServer } = await import('../dist/server/server.js');
  const { createDecider } = await import('../dist/admission/index.js');
  const { defaultAdmissionSettings } = await import('../dist/config/defaults.js');
  const { parsePssVersion } = await import('../dist/controls/pod-security/version.js');
  const v = parsePssVersion('latest');
  // server-only: the real server with a decider that allows everything (what the floor does), to
  // tell the server's own cost from the decision's.
  const decider =
    kind === 'kubecomply'
      ? createDecider({ config: { pss: { level: 'restricted', version: v.version }, defaultNamespace: 'default' }, admission: defaultAdmissionSettings() })
      : {
          review: (r) => ({
            httpStatus: 200,
            body: { apiVersion: r.apiVersion, kind: 'AdmissionReview', response: { uid: r.request.uid, allowed: true } },
            outcome: { mode: 'enforce', result: 'allowed', controls: [], exceptions: [], dryRun: false, kind: r.request.kind.kind, operation: r.request.operation },
          }),
        };
  const server = createAdmissionServer({ decider, tls: { cert, key }, host: '127.0.0.1', port: 0, log: () => {} });
  port = (await server.listen()).port;
  close = () => server.close();
} else if (kind === 'floor') {
  // Reviews that arrive in one turn of the event loop are answered together, as kubecomply's server
  // does (parse them all, then write them all): that is cheaper than one at a time, so the floor does it too.
  let queue = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    for (const it of batch) {
      try {
        const r = JSON.parse(Buffer.concat(it.chunks).toString('utf8'));
        it.body = JSON.stringify({ apiVersion: r.apiVersion, kind: 'AdmissionReview', response: { uid: r.request.uid, allowed: true } });
      } catch {
        it.body = undefined;
      }
    }
    for (const { res, body } of batch) {
      if (body === undefined) res.writeHead(400).end();
      else res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
    }
  };
  const server = https.createServer({ cert, key, keepAliveTimeout: 120_000, noDelay: true }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      queue.push({ chunks, res, body: undefined });
      if (queue.length === 1) setImmediate(flush);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
  close = () => new Promise((r) => server.close(r));
} else {
  throw new Error(`unknown server kind ${kind}`);
}
process.stdout.write(JSON.stringify({ port }) + '\n');
process.on('SIGTERM', () => {
  void Promise.resolve(close()).then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
