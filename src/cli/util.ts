import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { Option } from 'commander';
import { formatVersion, LATEST_PSS_VERSION, PSS_LEVELS } from '../controls/pod-security/version.js';
import { parseDuration } from '../core/duration.js';
import { findFramework, FRAMEWORKS, type Framework } from '../frameworks/index.js';

/** A mistake in how the command was called: exit code 2 with a hint. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Colour on a TTY unless NO_COLOR is set (https://no-color.org); FORCE_COLOR forces it. */
export function useColor(stream: { isTTY?: boolean }): boolean {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export async function writeChunks(chunks: Iterable<string | Uint8Array>, out: Writable): Promise<void> {
  for (const c of chunks) {
    if (c.length === 0) continue;
    if (!out.write(c)) await once(out, 'drain');
  }
}

/** Writes the output to a file (created or truncated) or to stdout. */
export async function emit(chunks: Iterable<string | Uint8Array>, file: string | undefined): Promise<void> {
  if (!file || file === '-') {
    await writeChunks(chunks, process.stdout);
    return;
  }
  const out = createWriteStream(file);
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (e) => reject(new UsageError(`cannot write ${file}: ${e.message}`)));
  });
  await writeChunks(chunks, out);
  out.end();
  await once(out, 'finish');
}

/** A positive duration flag (`500ms`, `30s`, `2m`, `24h`, `1d`) in milliseconds; a UsageError naming the flag otherwise. */
export function durationFlag(value: string, flag: string, hint = 'use e.g. 500ms, 30s or 2m'): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`invalid ${flag} "${value}"`, hint);
  return ms;
}

/** A framework from the command line, or a UsageError with a suggestion and the list. */
export function frameworkFlag(id: string): Framework {
  const f = findFramework(id);
  if (f) return f;
  const s = suggest(id, FRAMEWORKS.map((x) => x.id));
  throw new UsageError(`unknown framework "${id}"${s ? ` (did you mean "${s}"?)` : ''}`, `frameworks are: ${FRAMEWORKS.map((x) => x.id).join(', ')}`);
}

/** A commander parser for a positive integer flag (`--limit`, `--trend`). */
export function positiveIntFlag(flag: string): (value: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`invalid ${flag} "${v}": expected a positive integer`);
    return n;
  };
}

/** Splits `a,b` and repeated flags into one list. */
export function collectList(value: string, previous: string[] = []): string[] {
  return previous.concat(
    value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

export function suggest(input: string, candidates: readonly string[]): string | undefined {
  // A short form that names one candidate by a whole dash-separated part ("pci" → "pci-dss", "cra" → "eu-cra").
  const low = input.toLowerCase();
  const byPart = candidates.filter((c) => c.toLowerCase().split('-').includes(low) || c.toLowerCase().startsWith(`${low}-`));
  if (byPart.length === 1) return byPart[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(input.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

/**
 * --pss-level and --pss-version, alike for every command that judges pods (podSecurityOf reads them:
 * kubecomply.yaml's podSecurity applies unless they are given). `context` starts the help text, e.g.
 * "with paths: ".
 */
export function pssLevelOption(context = ''): Option {
  return new Option('--pss-level <level>', `${context}Pod Security Standards level to require; kubecomply.yaml podSecurity.level unless given`).choices(PSS_LEVELS).default('restricted');
}

/** See pssLevelOption. */
export function pssVersionOption(context = ''): Option {
  return new Option('--pss-version <version>', `${context}Pod Security Standards policy version: latest or v1.0 … ${formatVersion(LATEST_PSS_VERSION)}; kubecomply.yaml podSecurity.version unless given`).default('latest');
}
