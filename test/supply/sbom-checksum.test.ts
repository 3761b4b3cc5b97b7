import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checksumLine, parseChecksumList, verifyChecksums, writeChecksums } from '../../src/supply/sbom/checksum.js';
import { tempDir, writeTree } from '../helpers/tmp.js';

/** Runs a coreutils binary in `cwd`; returns exit status and output. */
function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NAMES = ['plain.json', 'with space.json', 'back\\slash.json', 'new\nline.json', 'car\rriage.json'];

function fixture(): string {
  const dir = tempDir();
  writeTree(dir, {
    'plain.json': '{"bomFormat":"CycloneDX"}\n',
    'with space.json': 'space\n',
    'back\\slash.json': 'backslash\n',
    'new\nline.json': 'newline\n',
    'car\rriage.json': 'carriage return\n',
    'sub/nested.json': 'nested\n',
    'big.bin': Buffer.alloc(3 * 1024 * 1024 + 7, 0xab),
  });
  return dir;
}

for (const alg of ['sha256', 'sha512'] as const) {
  const bin = `${alg}sum`;
  describe(`${bin} compatibility`, () => {
    test(`our list is byte-for-byte what ${bin} prints, escapes included`, async () => {
      const dir = fixture();
      const names = [...NAMES, 'sub/nested.json', 'big.bin'];
      const ours = await writeChecksums(
        names.map((n) => path.join(dir, n)),
        alg,
        { relativeTo: dir },
      );
      const theirs = run(bin, names, dir);
      assert.equal(theirs.status, 0, theirs.stderr);
      assert.equal(ours, theirs.stdout);
      assert.match(ours, /^\\[0-9a-f]+ {2}back\\\\slash\.json$/m);
      assert.match(ours, /^\\[0-9a-f]+ {2}new\\nline\.json$/m);
      assert.match(ours, /^[0-9a-f]+ {2}with space\.json$/m);
    });

    test(`our list verifies with ${bin} --check`, async () => {
      const dir = fixture();
      const text = await writeChecksums(
        NAMES.map((n) => path.join(dir, n)),
        alg,
        { relativeTo: dir },
      );
      writeFileSync(path.join(dir, 'SUMS'), text);
      const r = run(bin, ['--check', '--strict', 'SUMS'], dir);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.equal(r.stdout.split('\n').filter((l) => l.endsWith(': OK')).length, NAMES.length);
    });

    test(`a list written by ${bin} (text, binary and --tag) verifies with ours`, async () => {
      const dir = fixture();
      for (const [file, flags] of [
        ['text.sums', []],
        ['binary.sums', ['--binary']],
        ['tag.sums', ['--tag']],
      ] as const) {
        const r = run(bin, [...flags, ...NAMES, 'sub/nested.json'], dir);
        assert.equal(r.status, 0, r.stderr);
        writeFileSync(path.join(dir, file), r.stdout);
        const v = await verifyChecksums(path.join(dir, file));
        assert.deepEqual(v, { ok: [...NAMES, 'sub/nested.json'], failed: [], missing: [], malformed: [] }, file);
      }
    });

    test('a changed file fails, a deleted one is missing, junk lines are malformed', async () => {
      const dir = fixture();
      const r = run(bin, NAMES, dir);
      writeFileSync(path.join(dir, 'SUMS'), `# comment\n\n${r.stdout}not a checksum line\n${'0'.repeat(10)}  short.json\r\n`);
      writeFileSync(path.join(dir, 'with space.json'), 'tampered\n');
      unlinkSync(path.join(dir, 'back\\slash.json'));
      const v = await verifyChecksums(path.join(dir, 'SUMS'));
      assert.deepEqual(v.ok, ['plain.json', 'new\nline.json', 'car\rriage.json']);
      assert.deepEqual(v.failed, ['with space.json']);
      assert.deepEqual(v.missing, ['back\\slash.json']);
      assert.deepEqual(v.malformed, [
        { line: 3 + NAMES.length, text: 'not a checksum line' },
        { line: 4 + NAMES.length, text: `${'0'.repeat(10)}  short.json` },
      ]);
      // coreutils agrees on the failure and the missing file.
      const c = run(bin, ['--check', 'SUMS'], dir);
      assert.equal(c.status, 1);
      assert.match(c.stdout, /with space\.json: FAILED/);
    });
  });
}

describe('verify options', () => {
  test('baseDir overrides the list directory; an explicit algorithm rejects other lines', async () => {
    const dir = fixture();
    const r256 = run('sha256sum', ['plain.json'], dir).stdout;
    const r512 = run('sha512sum', ['with space.json'], dir).stdout;
    const listDir = tempDir();
    writeFileSync(path.join(listDir, 'SUMS'), r256 + r512);
    const v = await verifyChecksums(path.join(listDir, 'SUMS'), { baseDir: dir });
    assert.deepEqual(v.ok, ['plain.json', 'with space.json']);
    const only256 = await verifyChecksums(path.join(listDir, 'SUMS'), { baseDir: dir, algorithm: 'sha256' });
    assert.deepEqual(only256.ok, ['plain.json']);
    assert.deepEqual(
      only256.malformed.map((m) => m.line),
      [2],
    );
    const relative = await verifyChecksums(path.join(listDir, 'SUMS'));
    assert.deepEqual(relative.missing, ['plain.json', 'with space.json']);
  });

  test('parsing: markers, escapes, BSD tags, upper-case hex, absolute names', () => {
    const h = 'A'.repeat(64);
    const { entries, malformed } = parseChecksumList(
      [`${h}  a b`, `${h.toLowerCase()} *bin`, `${h} single`, `\\${h}  x\\\\y\\nz`, `SHA256 (p) = q) = ${h}`, `\\SHA512 (s\\\\t) = ${'b'.repeat(128)}`, `\\${h}  bad\\q`, `MD5 (m) = ${'c'.repeat(32)}`, `${h}  /abs/path`].join('\n'),
    );
    assert.deepEqual(
      entries.map((e) => [e.alg, e.name, e.binary]),
      [
        ['sha256', 'a b', false],
        ['sha256', 'bin', true],
        ['sha256', 'single', false],
        ['sha256', 'x\\y\nz', false],
        ['sha256', 'p) = q', false],
        ['sha512', 's\\t', false],
        ['sha256', '/abs/path', false],
      ],
    );
    assert.equal(entries[0]!.hex, h.toLowerCase());
    assert.deepEqual(
      malformed.map((m) => m.line),
      [7, 8],
    );
    assert.equal(checksumLine('ff', 'a\\b'), '\\ff  a\\\\b\n');
  });

  test('writeChecksums names an unreadable file and rejects an unknown algorithm', async () => {
    const dir = tempDir();
    await assert.rejects(writeChecksums([path.join(dir, 'nope.json')], 'sha256'), /nope\.json: no such file/);
    await assert.rejects(writeChecksums([], 'md5' as 'sha256'), /unsupported checksum algorithm/);
  });
});
