// The floor: the cheapest way to turn the same bytes into the documents a scan needs — read the file
// and parse every document with js-yaml, keeping the results (a scan needs all of them in memory for
// cross-resource controls). Two ways are timed, each in its own fresh process; the caller takes the
// faster. `discard` (parse and drop each document) is reported for reference only: it does less work.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';

const [file, mode] = process.argv.slice(2);
const t0 = performance.now();
const text = readFileSync(file, 'utf8');
let n = 0;
const keep = [];
if (mode === 'loadAll') {
  for (const d of yaml.loadAll(text)) keep.push(d);
  n = keep.length;
} else {
  for (const part of text.split(/^---$/m)) {
    const v = yaml.load(part);
    if (v == null) continue;
    n++;
    if (mode !== 'discard') keep.push(v);
  }
}
const wall = (performance.now() - t0) / 1000;
process.stdout.write(JSON.stringify({ mode, docs: n, wall_s: wall, rss_mb: process.resourceUsage().maxRSS / 1024 }) + '\n');
