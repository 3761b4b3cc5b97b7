/**
 * The serving certificate and key from files, reloaded when they change on disk: cert-manager and
 * Kubernetes Secret volumes rotate them in place (a Secret volume swaps a `..data` symlink in the
 * directory), so the parent directories are watched (fs.watch) and the files' stat is also polled as
 * a fallback for file systems where watching misses changes. A new pair is used only when it loads —
 * certificate and key readable and matching; otherwise the error is reported and the old pair stays.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { watchForChanges } from './watch.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** Not-after of the (first) certificate. */
  notAfter: Date;
  /** SHA-256 fingerprint of the (first) certificate. */
  fingerprint256: string;
}

/** Reads and checks a certificate/key pair; throws an Error that says what is wrong. */
export function loadTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(certFile);
  } catch (e) {
    throw new Error(`cannot read the certificate ${certFile}: ${(e as Error).message}`);
  }
  try {
    key = readFileSync(keyFile);
  } catch (e) {
    throw new Error(`cannot read the key ${keyFile}: ${(e as Error).message}`);
  }
  return checkTlsMaterial(cert, key, certFile, keyFile);
}

export function checkTlsMaterial(cert: Buffer, key: Buffer, certName = 'certificate', keyName = 'key'): TlsMaterial {
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (e) {
    throw new Error(`${certName} is not a PEM certificate: ${(e as Error).message}`);
  }
  try {
    // Fails when the key is unreadable or is not the certificate's key.
    createSecureContext({ cert, key });
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(/mismatch/i.test(m) ? `${keyName} is not the key of ${certName}` : `${certName} / ${keyName} cannot be used: ${m}`);
  }
  return { cert, key, notAfter: new Date(x.validTo), fingerprint256: x.fingerprint256 };
}

export interface ReloaderOptions {
  /** Called with each new pair that loaded. */
  onReload: (m: TlsMaterial) => void;
  /** Called when a changed pair does not load (the old one stays in use). */
  onError: (e: Error) => void;
  /** Stat polling interval (default 10 s; 0 turns polling off). */
  pollMs?: number;
  /** Wait after a change before reading, so that a certificate and key written one after the other are read together (default 250 ms). */
  debounceMs?: number;
}

function signature(file: string): string | undefined {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** Watches a certificate and key file pair; `current` is the pair in use. */
export class TlsReloader {
  current: TlsMaterial;
  private sig: string;
  private failedSig: string | undefined;
  private watch: { stop(): void } | undefined;
  private stopped = false;

  /** Loads the pair now; throws when it does not load. */
  constructor(
    readonly certFile: string,
    readonly keyFile: string,
    private readonly opts: ReloaderOptions,
  ) {
    this.sig = this.pairSignature() ?? '';
    this.current = loadTlsFiles(certFile, keyFile);
  }

  private pairSignature(): string | undefined {
    const a = signature(this.certFile);
    const b = signature(this.keyFile);
    return a === undefined || b === undefined ? undefined : `${a}|${b}`;
  }

  start(): void {
    // The directories, not the files: a Secret volume swaps a `..data` symlink beside them.
    const dirs = new Set([path.dirname(path.resolve(this.certFile)), path.dirname(path.resolve(this.keyFile))]);
    this.watch = watchForChanges({ dirs, check: () => void this.check(), debounceMs: this.opts.debounceMs ?? 250, pollMs: this.opts.pollMs ?? 10_000 });
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.watch = undefined;
  }

  /** Reloads when the files changed since the last look. Returns true when a new pair is in use. */
  check(): boolean {
    if (this.stopped) return false;
    const sig = this.pairSignature();
    // A file missing for a moment (being replaced) is looked at again on the next event or poll.
    if (sig === undefined || sig === this.sig || sig === this.failedSig) return false;
    let m: TlsMaterial;
    try {
      m = loadTlsFiles(this.certFile, this.keyFile);
    } catch (e) {
      // Reported once per state of the files; retried when they change again.
      this.failedSig = sig;
      this.opts.onError(e as Error);
      return false;
    }
    this.sig = sig;
    this.failedSig = undefined;
    if (m.cert.equals(this.current.cert) && m.key.equals(this.current.key)) return false;
    this.current = m;
    this.opts.onReload(m);
    return true;
  }
}
