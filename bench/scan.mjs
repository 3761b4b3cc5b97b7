// npm run bench:scan — full scan vs parse-only floor for 1k, 10k and 100k varied workload resources.
// Prints one JSON line per size. Targets (issue 2): ratio_vs_floor ≤ 1.5; 100k in ≤ 10 s and ≤ 1.5 GB RSS.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '..', '.bench');
mkdirSync(dir, { recursive: true });

const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function child(script, ...args) {
  return JSON.parse(execFileSync(process.execPath, [path.join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

for (const n of sizes) {
  const file = path.join(dir, `corpus-${n}.yaml`);
  const bytes = ensureCorpus(file, n);
  const reps = n >= 100000 ? 3 : 5;
  const loadAll = [];
  const split = [];
  const discards = [];
  const scans = [];
  for (let i = 0; i < reps; i++) {
    // Interleaved, so that noise on this shared machine hits every variant alike.
    loadAll.push(child('parse-floor.mjs', file, 'loadAll').wall_s);
    split.push(child('parse-floor.mjs', file, 'split').wall_s);
    discards.push(child('parse-floor.mjs', file, 'discard').wall_s);
    scans.push(child('scan-child.mjs', file));
  }
  // The floor is the faster of the two ways of parsing and keeping the documents (by median).
  const floor = Math.min(median(loadAll), median(split));
  const wall = median(scans.map((s) => s.wall_s));
  const last = scans[scans.length - 1];
  const label = n >= 1000 ? `${n / 1000}k` : String(n);
  process.stdout.write(
    JSON.stringify({
      bench: 'scan',
      case: `${label}-resources`,
      resources: last.resources,
      findings: last.findings,
      input_mb: +(bytes / (1024 * 1024)).toFixed(1),
      wall_s: +wall.toFixed(3),
      load_and_check_s: +median(scans.map((s) => s.scan_s)).toFixed(3),
      report_s: +median(scans.map((s) => s.report_s)).toFixed(3),
      per_s: Math.round(last.resources / wall),
      rss_mb: Math.round(Math.max(...scans.map((s) => s.rss_mb))),
      parse_only_wall_s: +floor.toFixed(3),
      parse_and_discard_wall_s: +median(discards).toFixed(3),
      ratio_vs_floor: +(wall / floor).toFixed(2),
    }) + '\n',
  );
}
