import { readFileSync } from 'node:fs';

/** The tool's name and version, from package.json (two levels up from src/core or dist/core). */
export const TOOL = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string; homepage?: string };
    return { name: pkg.name, version: pkg.version };
  } catch {
    return { name: 'kubecomply', version: '0.0.0' };
  }
})();

export const INFORMATION_URI = 'https://github.com/kubecomply/kubecomply';
