// The admission decision alone, in-process: µs per review for the bench's AdmissionReview bodies
// (.bench/admission/reviews.json, written by `npm run bench:admission`), with the bench server's
// decider, in CPU µs per review. `--snapshot FILE` writes every answer (to compare decisions across
// changes).
//   node bench/admission-decide.mjs [--seconds N] [--snapshot FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecider } from '../dist/admission/index.js';
import { defaultAdmissionSettings } from '../dist/config/defaults.js';
import { parsePssVersion } from '../dist/controls/pod-security/version.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const seconds = Number(opt('--seconds', 3));
const snapshot = opt('--snapshot', undefined);
const bodies = JSON.parse(readFileSync(path.join(here, '..', '.bench', 'admission', 'reviews.json'), 'utf8'));
const decider = createDecider({ config: { pss: { level: 'restricted', version: parsePssVersion('latest').version }, defaultNamespace: 'default' }, admission: defaultAdmissionSettings() });

if (snapshot) {
  const out = bodies.map((b) => decider.review(JSON.parse(b), {}));
  writeFileSync(snapshot, JSON.stringify(out, null, 1));
}
// Parsed as the server parses them (JSON.parse per request, fresh objects each time); only the
// decisions are timed, in CPU time (the machine may be shared): the best and the median of the rounds.
let sink = 0;
const round = () => {
  const ds = [];
  for (let k = 0; k < 20; k++) for (const b of bodies) ds.push(JSON.parse(b));
  const c = process.cpuUsage();
  for (const d of ds) sink += decider.review(d, {}).httpStatus;
  const u = process.cpuUsage(c);
  return (u.user + u.system) / ds.length;
};
const warm = Date.now() + 1000;
while (Date.now() < warm) round();
const per = [];
const end = Date.now() + seconds * 1000;
while (Date.now() < end) per.push(round());
per.sort((a, b) => a - b);
const fix = (v) => +v.toFixed(2);
process.stdout.write(JSON.stringify({ bench: 'admission-decide', rounds: per.length, reviews_per_round: 20 * bodies.length, best_us: fix(per[0]), p25_us: fix(per[Math.floor(per.length / 4)]), median_us: fix(per[Math.floor(per.length / 2)]), ok: sink > 0 }) + '\n');
