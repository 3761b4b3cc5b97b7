/**
 * `kubecomply evidence …` end to end, as separate processes, on SQLite (the default store) and a real
 * PostgreSQL server, through the built CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

function kc(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { KUBECOMPLY_STORE: '', KUBECOMPLY_EVIDENCE_KEY: '', ...env } });
}

const pgServer = await startPostgres();

describe('kubecomply evidence (SQLite, default store)', () => {
  const data = tempDir('kubecomply-evcli-');
  const env = { KUBECOMPLY_DATA_DIR: data };
  const db = path.join(data, 'kubecomply.db');

  test('append creates the default store and the 0600 key; list shows the records', async () => {
    for (const m of ['first', 'second', 'third']) {
      const r = await kc(['evidence', 'append', '--message', m], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^appended record \d+:[0-9a-f]{64}\n$/);
    }
    const s = await kc(['evidence', 'append', '--kind', 'scan-summary', '--data', '{"findings":4}'], env);
    assert.equal(s.code, 0, s.stderr);
    assert.ok(existsSync(db));
    assert.equal(statSync(path.join(data, 'evidence-ed25519.pem')).mode & 0o777, 0o600);

    const table = await kc(['evidence', 'list'], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^SEQ\s+TIME\s+KIND\s+HASH\s+SUMMARY\n1\s.*note\s.*first\n/);
    const json = await kc(['evidence', 'list', '--kind', 'scan-summary', '--format', 'json'], env);
    const rows = JSON.parse(json.stdout);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].payload, { data: { findings: 4 } });
    assert.equal(rows[0].seq, 4);
    const since = await kc(['evidence', 'list', '--since', '2999-01-01', '--format', 'json'], env);
    assert.deepEqual(JSON.parse(since.stdout), []);
    const recent = await kc(['evidence', 'list', '--since', '1h', '--format', 'json'], env);
    assert.equal(JSON.parse(recent.stdout).length, 4);
  });

  test('verify: 0 and the head when intact', async () => {
    const r = await kc(['evidence', 'verify'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /evidence intact: 4 records/);
    assert.match(r.stdout, /head: 4:[0-9a-f]{64}/);
    assert.match(r.stdout, /not yet covered by a signed checkpoint/);
    const j = JSON.parse((await kc(['evidence', 'verify', '--format', 'json'], env)).stdout);
    assert.equal(j.ok, true);
    assert.equal(j.head.seq, 4);
  });

  test('export, then verify the file offline; an edited file fails with 1', async () => {
    const out = path.join(data, 'export.jsonl');
    const pub = path.join(data, 'export.pub.pem');
    const r = await kc(['evidence', 'export', '-o', out, '--public-key-out', pub], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /exported 4 records and 1 checkpoints/);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.map((l) => JSON.parse(l).type), ['record', 'record', 'record', 'record', 'checkpoint']);
    assert.match(readFileSync(pub, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);

    // Offline: only the file and the public key (no store, no private key).
    const elsewhere = { KUBECOMPLY_DATA_DIR: tempDir('kubecomply-evcli-empty-') };
    const ok = await kc(['evidence', 'verify', '--file', out, '--public-key', pub], elsewhere);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /evidence intact: 4 records, 1 signed checkpoints/);

    const edited = path.join(data, 'edited.jsonl');
    writeFileSync(edited, `${[lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n')}\n`);
    const bad = await kc(['evidence', 'verify', '--file', edited, '--public-key', pub], elsewhere);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /evidence BROKEN at record 2/);

    writeFileSync(edited, `${lines.slice(0, 3).join('\n')}\n`);
    const cut = await kc(['evidence', 'verify', '--file', edited, '--public-key', pub], elsewhere);
    assert.equal(cut.code, 1);
    assert.match(cut.stdout, /not covered by a signed checkpoint/);
  });

  test('verify names the first broken record of a tampered store (exit 1); export refuses it', async () => {
    const anchor = JSON.parse((await kc(['evidence', 'verify', '--format', 'json'], env)).stdout).head;
    const d = new Database(db);
    d.prepare(`UPDATE evidence SET payload = '{"message":"rewritten"}' WHERE seq = 2`).run();
    d.close();
    const r = await kc(['evidence', 'verify'], env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /evidence BROKEN at record 2: contents do not match/);
    const e = await kc(['evidence', 'export', '-o', path.join(data, 'x.jsonl')], env);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /refusing to export a broken log/);

    // Restore record 2 from the export; then truncate the unsigned tail, which only an anchor reveals.
    const line = readFileSync(path.join(data, 'export.jsonl'), 'utf8').split('\n')[1];
    const d2 = new Database(db);
    d2.prepare('UPDATE evidence SET payload = ? WHERE seq = 2').run(JSON.stringify(JSON.parse(line).payload));
    d2.close();
    assert.equal((await kc(['evidence', 'verify'], env)).code, 0);
    const more = await kc(['evidence', 'append', '-m', 'fifth'], env);
    assert.equal(more.code, 0);
    const head5 = JSON.parse((await kc(['evidence', 'verify', '--format', 'json'], env)).stdout).head;
    const d3 = new Database(db);
    d3.prepare('DELETE FROM evidence WHERE seq = 5').run();
    d3.close();
    assert.equal((await kc(['evidence', 'verify'], env)).code, 0, 'tail truncation is invisible without an anchor');
    const anchored = await kc(['evidence', 'verify', '--anchor', `${head5.seq}:${head5.hash}`, '--anchor', `${anchor.seq}:${anchor.hash}`], env);
    assert.equal(anchored.code, 1);
    assert.match(anchored.stdout, /BROKEN at record 5: anchored record 5 is missing/);
  });

  test('usage errors exit 2', async () => {
    for (const args of [
      ['evidence', 'append'],
      ['evidence', 'append', '--kind', 'Bad Kind', '-m', 'x'],
      ['evidence', 'append', '--data', '{nope', '-m', 'x'],
      ['evidence', 'verify', '--file', path.join(data, 'export.jsonl')],
      ['evidence', 'verify', '--anchor', 'nope'],
      ['evidence', 'verify', '--file', path.join(data, 'missing.jsonl'), '--public-key', path.join(data, 'export.pub.pem')],
      ['evidence', 'list', '--since', 'yesterday-ish'],
      ['evidence', 'list', '--store', 'mysql://h/db'],
      ['evidence', 'export'],
      ['evidence', 'bogus'],
    ]) {
      const r = await kc(args, env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });
});

describe('kubecomply evidence (PostgreSQL, --store URL)', () => {
  test('append, verify, export and offline verify; tampering exits 1', async () => {
    const url = await pgServer.createDatabase();
    const data = tempDir('kubecomply-evcli-pg-');
    const env = { KUBECOMPLY_EVIDENCE_KEY: path.join(data, 'key.pem') };
    for (let i = 0; i < 5; i++) {
      const r = await kc(['evidence', 'append', '--store', url, '-m', `m${i}`, '--checkpoint-every', '2'], env);
      assert.equal(r.code, 0, r.stderr);
    }
    const v = await kc(['evidence', 'verify', '--store', url], env);
    assert.equal(v.code, 0, v.stderr + v.stdout);
    assert.match(v.stdout, /5 records, 2 signed checkpoints/);
    const out = path.join(data, 'e.jsonl');
    assert.equal((await kc(['evidence', 'export', '--store', url, '-o', out], env)).code, 0);
    assert.ok(existsSync(`${out}.pub.pem`));
    assert.equal((await kc(['evidence', 'verify', '--file', out, '--public-key', `${out}.pub.pem`])).code, 0);

    // Without the private key at hand, verify falls back to the public keys the store publishes (and says so).
    const fallback = await kc(['evidence', 'verify', '--store', url], { KUBECOMPLY_EVIDENCE_KEY: path.join(data, 'absent.pem') });
    assert.equal(fallback.code, 0, fallback.stderr + fallback.stdout);
    assert.match(fallback.stdout, /trusting the public keys the store itself publishes/);

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('DELETE FROM evidence WHERE seq = 3');
    await c.end();
    const bad = await kc(['evidence', 'verify', '--store', url], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /BROKEN at record 3: record 3 is missing/);
  });

  test('an unreachable server is an input error (2)', async () => {
    const r = await kc(['evidence', 'list', '--store', `postgres://postgres@127.0.0.1:${pgServer.port}/no_such_db`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot open the store/);
  });
});
