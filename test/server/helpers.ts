/**
 * Helpers for the server tests: a CA and a serving certificate for 127.0.0.1/localhost made by
 * src/server/certs.ts, HTTPS clients that trust only that CA, raw TLS exchanges for malformed HTTP,
 * and AdmissionReviews.
 */
import { once } from 'node:events';
import https from 'node:https';
import tls from 'node:tls';
import { generateCa, issueServingCert, type CertificatePem } from '../../src/server/certs.js';
import { createAdmissionServer, type AdmissionServer, type AdmissionServerOptions } from '../../src/server/server.js';

let material: Promise<{ ca: CertificatePem; leaf: CertificatePem }> | undefined;

/** One CA and serving certificate per test file (certificate generation is fast, but not free). */
export function testCerts(): Promise<{ ca: CertificatePem; leaf: CertificatePem }> {
  material ??= (async () => {
    const ca = await generateCa({ commonName: 'kubecomply-test-ca', days: 2 });
    const leaf = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], days: 1 });
    return { ca, leaf };
  })();
  return material;
}

export interface Started {
  server: AdmissionServer;
  port: number;
  ca: string;
  logs: string[];
}

/** Starts a server on 127.0.0.1, a free port, with the test certificate (unless `tls` is given). */
export async function startServer(opts: Partial<AdmissionServerOptions> & Pick<AdmissionServerOptions, 'decider'>): Promise<Started> {
  const { ca, leaf } = await testCerts();
  const logs: string[] = [];
  const server = createAdmissionServer({
    tls: { cert: leaf.certPem, key: leaf.keyPem },
    host: '127.0.0.1',
    port: 0,
    log: (l) => logs.push(l),
    ...opts,
  });
  const { port } = await server.listen();
  return { server, port, ca: ca.certPem, logs };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Keep-alive agent to reuse connections; default: a new connection per request. */
  agent?: https.Agent | false;
  /** Write the body in pieces with pauses (ms) between them. */
  chunks?: { pieces: (string | Buffer)[]; pauseMs: number };
  timeoutMs?: number;
}

/** An HTTPS request trusting only `ca`; rejects on a connection error (reset, refused, TLS failure). */
export function request(port: number, ca: string, o: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(o.body !== undefined && !o.headers?.['content-type'] ? { 'content-type': 'application/json' } : {}), ...o.headers };
    // Node's client sends a GET, DELETE or OPTIONS body without a length unless told; the server would
    // (rightly) read it as the next request.
    if (o.body !== undefined && headers['transfer-encoding'] === undefined) headers['content-length'] = Buffer.byteLength(o.body);
    const req = https.request(
      { host: '127.0.0.1', port, servername: 'localhost', ca, method: o.method ?? 'POST', path: o.path ?? '/validate', headers, agent: o.agent ?? false, timeout: o.timeoutMs ?? 20_000 },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (o.chunks) {
      const { pieces, pauseMs } = o.chunks;
      let i = 0;
      const next = (): void => {
        if (i >= pieces.length) return void req.end();
        req.write(pieces[i++]);
        setTimeout(next, pauseMs);
      };
      next();
    } else req.end(o.body);
  });
}

/** POSTs an AdmissionReview object (or text) to a validate path. */
export function postReview(port: number, ca: string, review: unknown, path = '/validate', agent?: https.Agent): Promise<Reply> {
  return request(port, ca, { path, body: typeof review === 'string' ? review : JSON.stringify(review), ...(agent ? { agent } : {}) });
}

/** Opens a TLS connection trusting only `ca` and returns it once the handshake is done. */
export async function tlsConnect(port: number, ca: string): Promise<tls.TLSSocket> {
  const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] });
  await once(s, 'secureConnect');
  return s;
}

/** Writes raw bytes on a fresh TLS connection and returns everything the server sent until it closed. */
export async function rawExchange(port: number, ca: string, data: string | Buffer, opts: { endAfterWrite?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const s = await tlsConnect(port, ca);
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  const closed = new Promise<void>((resolve) => {
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
  s.write(data);
  if (opts.endAfterWrite) s.end();
  const t = setTimeout(() => s.destroy(), opts.timeoutMs ?? 10_000);
  await closed;
  clearTimeout(t);
  return Buffer.concat(parts).toString('utf8');
}

/** The SHA-256 fingerprint of the certificate the server presents in a new handshake. */
export async function servedFingerprint(port: number, ca: string): Promise<string> {
  const s = await tlsConnect(port, ca);
  const fp = s.getPeerCertificate().fingerprint256;
  s.destroy();
  return fp;
}

let uidCounter = 0;

export interface PodOptions {
  name?: string;
  namespace?: string;
  privileged?: boolean;
  apiVersion?: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
  operation?: string;
  dryRun?: boolean;
}

/** A restricted-compliant Pod (or a privileged one) as the API server would send it. */
export function podReview(o: PodOptions = {}): Record<string, any> {
  const name = o.name ?? 'web';
  const namespace = o.namespace ?? 'shop';
  return {
    apiVersion: o.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(++uidCounter).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name,
      namespace,
      operation: o.operation ?? 'CREATE',
      userInfo: { username: 'alice', groups: ['system:authenticated'] },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels: { app: name, owner: 'team-shop' } },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'app',
              image: 'registry.example.com/shop/web@sha256:' + 'a'.repeat(64),
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                ...(o.privileged ? { privileged: true } : {}),
              },
            },
          ],
        },
      },
      oldObject: null,
      dryRun: o.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

// ---- the decider: the real one from src/admission, with the default settings ----
import { createDecider } from '../../src/admission/index.js';
import { defaultAdmissionSettings } from '../../src/config/defaults.js';
import { parsePssVersion } from '../../src/controls/pod-security/version.js';
import type { AdmissionSettings } from '../../src/core/types.js';
import type { Decider } from '../../src/server/server.js';

/** The real decider, as `kubecomply serve` builds it with no kubecomply.yaml (restricted, latest). */
export function realDecider(admission: Partial<AdmissionSettings> = {}): Decider {
  const v = parsePssVersion('latest');
  if (typeof v === 'string') throw new Error(v);
  return createDecider({ config: { pss: { level: 'restricted', version: v.version }, defaultNamespace: 'default' }, admission: { ...defaultAdmissionSettings(), ...admission } });
}
