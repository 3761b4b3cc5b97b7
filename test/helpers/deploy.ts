/**
 * The two ways to deploy kubecomply, as a user produces them: `kubecomply install` output, and the
 * Helm chart rendered by tools/helm-template (our Helm-compatible renderer: Go's text/template, Sprig
 * and Helm's own functions; Helm itself cannot be installed on the build machine). The renderer is
 * built with Debian's Go toolchain and library sources (golang-go golang-github-masterminds-sprig-dev
 * golang-github-ghodss-yaml-dev golang-gopkg-yaml.v2-dev, which .ci/run installs).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { yamlDocs, type Obj } from '../install/helpers.js';
import { collectOutput, runCli, type CliResult } from './cli.js';

export const CHART = 'deploy/helm/kubecomply';

/** `kubecomply install --namespace kubecomply --quiet [args]`, as objects. */
export async function freshInstall(args: string[] = []): Promise<Obj[]> {
  const r = await runCli(['install', '--namespace', 'kubecomply', '--quiet', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return yamlDocs(r.stdout);
}

const GOPATH = '/usr/share/gocode';

/** Builds tools/helm-template into `dir` (its Go build cache too) and returns the binary's path. */
export async function buildHelmTemplate(dir: string): Promise<string> {
  const bin = path.join(dir, 'helm-template');
  const cache = path.join(dir, 'go-build');
  mkdirSync(cache, { recursive: true });
  try {
    await promisify(execFile)('go', ['build', '-o', bin, './tools/helm-template'], {
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '' },
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const hint = err.code === 'ENOENT' ? 'go is not installed: apt-get install golang-go golang-github-masterminds-sprig-dev golang-github-ghodss-yaml-dev golang-gopkg-yaml.v2-dev' : '';
    assert.fail(`cannot build tools/helm-template: ${hint || err.stderr || err.message}`);
  }
  return bin;
}

/** Runs the renderer like `helm template` (arguments: flags and the chart directory). */
export function helmTemplate(bin: string, args: string[]): Promise<CliResult> {
  return collectOutput(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
}
