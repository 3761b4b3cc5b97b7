/**
 * `kubecomply report` as a command with subcommands: the default action (with and without paths, every
 * format) still works beside `report pack` and `report verify-pack`; an evidence pack round-trips (and is
 * checkable with sha256sum and `kubecomply evidence verify`), and every kind of tampering is named.
 * The commands run through the built CLI;
 * packs are taken apart and rebuilt with the system's tar, as someone tampering would.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { FRAMEWORKS } from '../../src/frameworks/index.js';
import { postureFixture, type PostureFixture } from '../report/posture-fixture.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';



let fx: PostureFixture;
const DIR = tempDir('kubecomply-pack-cli-');

function kc(args: string[]): Promise<CliResult> {
  return runCli(args, { env: { KUBECOMPLY_STORE: fx.storeFile, KUBECOMPLY_EVIDENCE_KEY: fx.keyFile, KUBECOMPLY_DATA_DIR: fx.dir, NO_COLOR: '1', KUBECOMPLY_WORKERS: '0' } });
}

function expectCode(r: CliResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: expected exit code ${code}, got ${r.code}\nstdout:\n${r.stdout.slice(0, 3000)}\nstderr:\n${r.stderr.slice(0, 3000)}`);
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function unpack(archive: string, dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', dir]);
  return dir;
}

function repack(dir: string, archive: string): string {
  execFileSync('tar', ['-czf', archive, '-C', dir, '.']);
  return archive;
}

function filesUnder(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base)).flatMap((n) => {
    const rel = base ? `${base}/${n}` : n;
    return statSync(path.join(dir, rel)).isDirectory() ? filesUnder(dir, rel) : [rel];
  });
}

/** Rewrites MANIFEST.sha256 over the files now in `dir` and signs it with `key`, as a forger with that key would. */
function reseal(dir: string, key: KeyObject, publicPem?: string): void {
  if (publicPem) writeFileSync(path.join(dir, 'public-key.pem'), publicPem);
  const names = filesUnder(dir).filter((n) => n !== 'MANIFEST.sha256' && n !== 'MANIFEST.sha256.sig').sort();
  const manifest = names.map((n) => `${sha256(readFileSync(path.join(dir, n)))}  ${n}\n`).join('');
  writeFileSync(path.join(dir, 'MANIFEST.sha256'), manifest);
  writeFileSync(path.join(dir, 'MANIFEST.sha256.sig'), `${sign(null, Buffer.from(manifest), key).toString('base64')}\n`);
}

describe('kubecomply report: default action and subcommands', () => {
  let work: string;
  let pack: string;
  let sbomA: string;
  let sbomB: string;

  before(async () => {
    fx = await postureFixture(DIR);
    work = path.join(fx.dir, 'work');
    mkdirSync(path.join(work, 'b'), { recursive: true });
    sbomA = path.join(work, 'bom.cdx.json');
    sbomB = path.join(work, 'b', 'bom.cdx.json');
    writeFileSync(sbomA, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [] }));
    writeFileSync(sbomB, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'library', name: 'left-pad' }] }));
    pack = path.join(work, 'pack.tar.gz');
  });

  test('report --framework x (recorded scan) and report <paths> --framework x (direct) still work, in md, json and html', async () => {
    const j = await kc(['report', '--framework', 'cis', '--format', 'json']);
    expectCode(j, 0, 'report --framework cis --format json');
    assert.equal(JSON.parse(j.stdout).scan.id, 2);
    const md = await kc(['report', '--framework', 'cis', '--scan', '1']);
    expectCode(md, 0, 'report --framework cis --scan 1');
    assert.match(md.stdout, /^# CIS Kubernetes Benchmark — posture report/);
    const out = path.join(work, 'pci.html');
    const h = await kc(['report', '--framework', 'pci-dss', '--format', 'html', '-o', out]);
    expectCode(h, 0, 'report --framework pci-dss --format html -o pci.html');
    assert.match(readFileSync(out, 'utf8'), /^<!doctype html>[\s\S]*<section id="trend">[\s\S]*<\/html>\n$/);
    assert.match(h.stderr, /wrote html report for PCI DSS to .*pci\.html: score \d+%/);
    const direct = await kc(['report', 'examples/platform', '--framework', 'nsa-cisa', '--format', 'json']);
    expectCode(direct, 0, 'report examples/platform --framework nsa-cisa');
    assert.equal(JSON.parse(direct.stdout).scan.id, null, 'a direct scan is not recorded');
    const direct2 = await kc(['report', '--framework', 'nsa-cisa', 'examples/platform', '--format', 'md']);
    expectCode(direct2, 0, 'report --framework nsa-cisa examples/platform');
    assert.match(direct2.stdout, /not recorded \(inputs scanned directly\)/);
    // --framework is still required by the report itself, but not by its subcommands.
    const missing = await kc(['report']);
    expectCode(missing, 2, 'report without --framework');
    assert.match(missing.stderr, /--framework/);
    const help = await kc(['report', '--help']);
    expectCode(help, 0, 'report --help');
    assert.match(help.stdout, /pack \[options\]/);
    assert.match(help.stdout, /verify-pack \[options\] <pack\.tar\.gz>/);
  });

  test('report pack writes a signed pack that verify-pack, sha256sum and evidence verify accept', async () => {
    const r = await kc(['report', 'pack', '-o', pack, '--sbom', sbomA, sbomB]);
    expectCode(r, 0, 'report pack');
    assert.match(r.stderr, /wrote evidence pack .*pack\.tar\.gz: scan 2, /);
    const v = await kc(['report', 'verify-pack', pack]);
    expectCode(v, 0, 'report verify-pack');
    assert.match(v.stdout, /^pack intact: \d+ files, the manifest signed by key [0-9a-f]{64} \(the key inside the pack/);
    assert.match(v.stdout, /evidence intact: 2 records, \d+ signed checkpoints, head 2:[0-9a-f]{64}/);
    const pubFile = path.join(work, 'evidence.pub.pem');
    writeFileSync(pubFile, fx.key.publicPem);
    const pinned = await kc(['report', 'verify-pack', pack, '--public-key', pubFile]);
    expectCode(pinned, 0, 'report verify-pack --public-key');
    assert.match(pinned.stdout, /\(the pinned --public-key\)/);

    const dir = unpack(pack, path.join(work, 'x'));
    const names = filesUnder(dir).sort();
    const assessed = FRAMEWORKS.map((f) => f.id);
    for (const id of assessed) for (const ext of ['html', 'md', 'json']) assert.ok(names.includes(`reports/${id}.${ext}`), `reports/${id}.${ext} in ${names.join(', ')}`);
    for (const n of ['findings.json', 'evidence/evidence.jsonl', 'public-key.pem', 'pack.json', 'MANIFEST.sha256', 'MANIFEST.sha256.sig', 'sbom/bom.cdx.json', 'sbom/2-bom.cdx.json']) assert.ok(names.includes(n), `${n} in the pack`);
    assert.deepEqual(readFileSync(path.join(dir, 'sbom/2-bom.cdx.json')), readFileSync(sbomB), 'SBOMs are included byte for byte');
    // sha256sum reads the manifest.
    const check = execFileSync('sha256sum', ['-c', 'MANIFEST.sha256'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check.split('\n').filter((l) => l.endsWith(': OK')).length, names.length - 2);
    // The export inside is an ordinary evidence export.
    const ev = await kc(['evidence', 'verify', '--file', path.join(dir, 'evidence/evidence.jsonl'), '--public-key', path.join(dir, 'public-key.pem')]);
    expectCode(ev, 0, 'evidence verify --file evidence/evidence.jsonl');
    // The reports name the head the export ends with, and agree with pack.json.
    const idx = JSON.parse(readFileSync(path.join(dir, 'pack.json'), 'utf8'));
    const pci = JSON.parse(readFileSync(path.join(dir, 'reports/pci-dss.json'), 'utf8'));
    assert.deepEqual(pci.evidence.chainHead, idx.evidence.head);
    assert.equal(idx.frameworks.find((f: { id: string }) => f.id === 'pci-dss').score, pci.score);
    assert.equal(idx.keyId, fx.key.keyId);
    const findings = JSON.parse(readFileSync(path.join(dir, 'findings.json'), 'utf8'));
    assert.equal(findings.scan.id, 2);
    assert.ok(findings.findings.length > 50 && findings.objects.length > 0);
  });

  test('pack --framework and --scan choose what is reported', async () => {
    const p = path.join(work, 'pci-only.tar.gz');
    expectCode(await kc(['report', 'pack', '--framework', 'pci-dss', '--scan', '1', '-o', p]), 0, 'report pack --framework pci-dss --scan 1');
    const dir = unpack(p, path.join(work, 'pci-only'));
    assert.deepEqual(filesUnder(dir).filter((n) => n.startsWith('reports/')).sort(), ['reports/pci-dss.html', 'reports/pci-dss.json', 'reports/pci-dss.md']);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 'findings.json'), 'utf8')).scan.id, 1);
    expectCode(await kc(['report', 'verify-pack', p]), 0, 'verify-pack of the pci-dss pack');
    const bad = await kc(['report', 'pack', '--framework', 'pci', '-o', p]);
    expectCode(bad, 2, 'report pack --framework pci');
    assert.match(bad.stderr, /unknown framework "pci"/);
    expectCode(await kc(['report', 'pack']), 2, 'report pack without -o');
    expectCode(await kc(['report', 'pack', '-o', p, '--sbom', path.join(work, 'nope.json')]), 2, 'report pack --sbom missing');
  });

  /** Unpacks the good pack, lets `change` tamper with it, repacks, and returns verify-pack's result. */
  async function tampered(name: string, change: (dir: string) => void, extra: string[] = []): Promise<CliResult> {
    const dir = unpack(pack, path.join(work, `t-${name}`));
    change(dir);
    return kc(['report', 'verify-pack', repack(dir, path.join(work, `${name}.tar.gz`)), ...extra]);
  }

  test('verify-pack names a modified, missing or extra file', async () => {
    const mod = await tampered('modified', (d) => appendFileSync(path.join(d, 'reports/pci-dss.md'), '\nall good\n'));
    expectCode(mod, 1, 'modified file');
    assert.match(mod.stdout, /^pack BROKEN: modified file: reports\/pci-dss\.md has sha256 [0-9a-f]{16}…, the manifest says [0-9a-f]{16}…/);
    const miss = await tampered('missing', (d) => rmSync(path.join(d, 'sbom/bom.cdx.json')));
    expectCode(miss, 1, 'missing file');
    assert.match(miss.stdout, /^pack BROKEN: missing file: sbom\/bom\.cdx\.json \(listed on MANIFEST\.sha256 line \d+\) is not in the pack/);
    const extra = await tampered('extra', (d) => writeFileSync(path.join(d, 'reports/notes.txt'), 'added later'));
    expectCode(extra, 1, 'extra file');
    assert.match(extra.stdout, /^pack BROKEN: extra file: reports\/notes\.txt is in the pack but not in MANIFEST\.sha256/);
    const noManifest = await tampered('no-manifest', (d) => rmSync(path.join(d, 'MANIFEST.sha256')));
    expectCode(noManifest, 1, 'no manifest');
    assert.match(noManifest.stdout, /^pack BROKEN: MANIFEST\.sha256 is missing/);
  });

  test('verify-pack names a bad signature, and a re-signed pack when a key is pinned', async () => {
    // The file changed and its manifest line updated, but the signature not renewed.
    const bad = await tampered('bad-sig', (d) => {
      const f = path.join(d, 'reports/pci-dss.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/"score": \d+/, '"score": 100'));
      const m = path.join(d, 'MANIFEST.sha256');
      writeFileSync(m, readFileSync(m, 'utf8').replace(/^[0-9a-f]{64}(  reports\/pci-dss\.json)$/m, `${sha256(readFileSync(f))}$1`));
    });
    expectCode(bad, 1, 'bad signature');
    assert.match(bad.stdout, /^pack BROKEN: the signature in MANIFEST\.sha256\.sig does not verify over MANIFEST\.sha256 with key [0-9a-f]{16}…/);
    const garbage = await tampered('garbage-sig', (d) => writeFileSync(path.join(d, 'MANIFEST.sha256.sig'), 'bm90IGEgc2lnbmF0dXJl\n'));
    expectCode(garbage, 1, 'garbage signature');
    assert.match(garbage.stdout, /^pack BROKEN: the signature in MANIFEST\.sha256\.sig does not verify/);
    // A forger re-signs everything with a key of their own: consistent, but not the pinned key.
    const other = generateKeyPairSync('ed25519');
    const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const forge = (d: string): void => {
      appendFileSync(path.join(d, 'reports/pci-dss.md'), '\nall good\n');
      reseal(d, other.privateKey, otherPem);
    };
    // Without a pinned key the evidence export (sealed by the real key) no longer matches the pack's key.
    const unpinned = await tampered('forged', forge);
    expectCode(unpinned, 1, 'forged pack, not pinned');
    assert.match(unpinned.stdout, /^pack BROKEN: evidence\/evidence\.jsonl: evidence chain broken at record \d+: checkpoint at record \d+ is signed by an untrusted key/);
    const pubFile = path.join(work, 'evidence.pub.pem');
    writeFileSync(pubFile, fx.key.publicPem);
    const pinned = await tampered('forged-pinned', forge, ['--public-key', pubFile]);
    expectCode(pinned, 1, 'forged pack, pinned key');
    assert.match(pinned.stdout, /^pack BROKEN: the pack carries key [0-9a-f]{16}…, not the pinned key [0-9a-f]{16}…/);
  });

  test('verify-pack checks the evidence chain and the raw findings inside, even when the manifest is re-signed', async () => {
    const key = createPrivateKey(readFileSync(fx.keyFile));
    const chain = await tampered('chain', (d) => {
      const f = path.join(d, 'evidence/evidence.jsonl');
      const lines = readFileSync(f, 'utf8').split('\n');
      lines[0] = lines[0].replace(/"findings":\d+/, '"findings":0');
      writeFileSync(f, lines.join('\n'));
      reseal(d, key);
    });
    expectCode(chain, 1, 'evidence record altered');
    assert.match(chain.stdout, /^pack BROKEN: evidence\/evidence\.jsonl: evidence chain broken at record 1: contents do not match the record's hash: record 1 was modified/);
    const dropped = await tampered('chain-drop', (d) => {
      const f = path.join(d, 'evidence/evidence.jsonl');
      writeFileSync(f, readFileSync(f, 'utf8').split('\n').slice(1).join('\n'));
      reseal(d, key);
    });
    expectCode(dropped, 1, 'evidence record deleted');
    assert.match(dropped.stdout, /evidence chain broken at record 1: record 1 is missing/);
    const findings = await tampered('findings', (d) => {
      const f = path.join(d, 'findings.json');
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      doc.findings.pop();
      writeFileSync(f, JSON.stringify(doc));
      reseal(d, key);
    });
    expectCode(findings, 1, 'a finding removed from findings.json');
    assert.match(findings.stdout, /^pack BROKEN: findings\.json: the findings and objects do not hash to the scan's summary hash/);
  });

  test('verify-pack: not a tar.gz, or no such file, is exit code 2; JSON output lists the problems', async () => {
    const junk = path.join(work, 'junk.tar.gz');
    writeFileSync(junk, 'this is not gzip');
    const r = await kc(['report', 'verify-pack', junk]);
    expectCode(r, 2, 'not a tar.gz');
    assert.match(r.stdout, /^pack BROKEN: not a readable tar\.gz/);
    expectCode(await kc(['report', 'verify-pack', path.join(work, 'nope.tar.gz')]), 2, 'no such file');
    const mod = path.join(work, 'modified.tar.gz');
    const j = await kc(['report', 'verify-pack', mod, '--format', 'json']);
    expectCode(j, 1, 'verify-pack --format json of the modified pack');
    const doc = JSON.parse(j.stdout);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.problems.map((p: { kind: string; file: string }) => [p.kind, p.file]), [['modified-file', 'reports/pci-dss.md']]);
  });

  test('pack refuses to seal a broken evidence log', async () => {
    const db = new Database(fx.storeFile);
    db.prepare("UPDATE evidence SET payload = replace(payload, 'scan recorded', 'scan forgotten') WHERE seq = 1").run();
    db.close();
    const r = await kc(['report', 'pack', '-o', path.join(work, 'never.tar.gz')]);
    expectCode(r, 1, 'pack of a broken log');
    assert.match(r.stderr, /refusing to pack a broken evidence log: record 1: contents do not match/);
    assert.throws(() => statSync(path.join(work, 'never.tar.gz')), /ENOENT/);
  });
});
