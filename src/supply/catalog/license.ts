/**
 * License strings as package databases write them → the model's License: an SPDX id when the text is
 * one (or a well-known alias of one: Debian's "Expat", Fedora's "ASL 2.0", "GPLv2+"), an SPDX
 * expression when every operand is, and the text as a name otherwise.
 */
import { fixupSpdxId } from '@cyclonedx/cyclonedx-library/SPDX';
import type { License } from '../sbom/model.js';

const ALIASES: Record<string, string> = {
  expat: 'MIT',
  'mit license': 'MIT',
  'the mit license': 'MIT',
  'mit/x11': 'MIT',
  x11: 'X11',
  'apache 2': 'Apache-2.0',
  'apache 2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  'apache2': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0',
  'apache license, version 2.0': 'Apache-2.0',
  'apache license version 2.0': 'Apache-2.0',
  'apache software license 2.0': 'Apache-2.0',
  'the apache software license, version 2.0': 'Apache-2.0',
  'the apache license, version 2.0': 'Apache-2.0',
  'asl 2.0': 'Apache-2.0',
  'asl2.0': 'Apache-2.0',
  'bsd-3-clause': 'BSD-3-Clause',
  'bsd 3-clause': 'BSD-3-Clause',
  'bsd 3-clause license': 'BSD-3-Clause',
  'new bsd license': 'BSD-3-Clause',
  'modified bsd license': 'BSD-3-Clause',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd 2-clause': 'BSD-2-Clause',
  'simplified bsd license': 'BSD-2-Clause',
  'isc license': 'ISC',
  'isc license (iscl)': 'ISC',
  'mozilla public license 2.0 (mpl 2.0)': 'MPL-2.0',
  mplv2: 'MPL-2.0',
  'mplv2.0': 'MPL-2.0',
  psf: 'PSF-2.0',
  'psf-2.0': 'PSF-2.0',
  'python software foundation license': 'PSF-2.0',
  zlib: 'Zlib',
  'zlib license': 'Zlib',
  'boost software license 1.0 (bsl-1.0)': 'BSL-1.0',
  'eclipse public license 2.0': 'EPL-2.0',
  'eclipse public license - v 2.0': 'EPL-2.0',
  'cc0-1.0': 'CC0-1.0',
  'openssl': 'OpenSSL',
};

/** GPL-2, GPLv2+, LGPL-2.1+, AGPL-3 … (Debian and Fedora short names) → SPDX ids. */
function gnuAlias(s: string): string | undefined {
  const m = /^(a|l)?gpl[-\s]?v?(\d)(?:\.(\d))?(\+|-or-later|-only)?$/i.exec(s.replace(/\s+/g, ''));
  if (!m) return undefined;
  const family = (m[1] ?? '').toUpperCase() + 'GPL';
  const minor = m[3] ?? '0';
  const later = m[4] === '+' || m[4] === '-or-later';
  return `${family}-${m[2]}.${minor}-${later ? 'or-later' : 'only'}`;
}

/** An SPDX id for one license name, or undefined. */
export function spdxId(raw: string): string | undefined {
  const s = raw.trim();
  if (s === '') return undefined;
  if (/^LicenseRef-[A-Za-z0-9.-]+$/.test(s)) return s;
  const alias = ALIASES[s.toLowerCase()] ?? gnuAlias(s);
  if (alias) return alias;
  return fixupSpdxId(s) ?? undefined;
}

const OPERATOR = /^(AND|OR|WITH)$/i;

/** An SPDX expression when every operand is an SPDX id (or LicenseRef), else undefined. */
function spdxExpression(s: string): string | undefined {
  if (!/\s(and|or|with)\s|[()]/i.test(s)) return undefined;
  const tokens = s
    .split(/(\(|\)|\s+and\s+|\s+or\s+|\s+with\s+)/i)
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const out: string[] = [];
  let afterWith = false;
  for (const t of tokens) {
    if (t === '(' || t === ')') {
      out.push(t);
      continue;
    }
    if (OPERATOR.test(t)) {
      out.push(t.toUpperCase());
      afterWith = t.toUpperCase() === 'WITH';
      continue;
    }
    if (afterWith) {
      if (!/^[A-Za-z0-9.+-]+$/.test(t)) return undefined;
      out.push(t);
      afterWith = false;
      continue;
    }
    const id = spdxId(t);
    if (!id) return undefined;
    out.push(id);
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

const NOT_A_LICENSE = new Set(['', 'unknown', '(none)', 'none', 'noassertion', 'n/a', 'unlicensed']);

/** One license statement as the model keeps it, or undefined for "no license stated". */
export function toLicense(raw: string | undefined): License | undefined {
  if (raw === undefined) return undefined;
  const s = raw.replace(/\s+/g, ' ').trim();
  if (NOT_A_LICENSE.has(s.toLowerCase())) return undefined;
  const id = spdxId(s);
  if (id) return { id };
  const expr = spdxExpression(s);
  if (expr) return /\s/.test(expr) ? { expression: expr } : { id: expr };
  return { name: s.length > 200 ? s.slice(0, 200) + '…' : s };
}

/** Several statements, de-duplicated, order kept. */
export function toLicenses(raws: Iterable<string | undefined>): License[] {
  const out: License[] = [];
  const seen = new Set<string>();
  for (const r of raws) {
    const l = toLicense(r);
    if (!l) continue;
    const k = JSON.stringify(l);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(l);
  }
  return out;
}
