/**
 * Durations as people write them on a command line: `2d`, `12h`, `1h30m`, `90s`, `500ms` (units in this
 * order, each at most once, non-negative integers). Used by `cra notify --remind/--timeout` and the registry
 * commands' `--timeout`.
 */
const UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

const PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds, or undefined when `text` is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  const m = PATTERN.exec(t);
  if (!m || t === '') return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNITS[i]![1];
  return ms;
}
