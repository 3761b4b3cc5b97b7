// npm run bench — every benchmark, one JSON object per line.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
for (const b of ['scan.mjs', 'admission.mjs', 'vuln.mjs', 'sbom-generate.mjs', 'audit.mjs', 'verify.mjs']) {
  execFileSync(process.execPath, [path.join(here, b)], { stdio: 'inherit' });
}
