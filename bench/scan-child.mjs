// One full scan, as `kubecomply scan FILE --format json --output /dev/null` does it: load, evaluate
// every control, locate every finding, and write the JSON report.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { BUILTIN_CONTROLS } from '../dist/controls/index.js';
import { formatJson } from '../dist/report/json.js';
import { scan } from '../dist/scanner.js';

const file = process.argv[2];
const config = { pss: { level: 'restricted', version: { major: 1, minor: 37 } }, defaultNamespace: 'default' };
const t0 = performance.now();
const result = await scan([file], { config, controls: BUILTIN_CONTROLS });
const t1 = performance.now();
const out = createWriteStream('/dev/null');
for (const chunk of formatJson(result, { failOn: 'none', failed: false })) {
  if (!out.write(chunk)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    resources: result.stats.resources,
    findings: result.findings.length,
    errors: result.diagnostics.filter((d) => d.level === 'error').length,
    scan_s: (t1 - t0) / 1000,
    report_s: (t2 - t1) / 1000,
    wall_s: (t2 - t0) / 1000,
    rss_mb: process.resourceUsage().maxRSS / 1024,
  }) + '\n',
);
