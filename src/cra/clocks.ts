/**
 * CRA reporting clocks — regulations.md §1.2 (Article 14), all computed on UTC instants (epoch milliseconds), so
 * daylight-saving changes never move a deadline.
 *
 * Actively exploited vulnerability (Art. 14(1)–(2)), from awareness:
 *   early warning ≤ 24 h (14(2)(a)); notification ≤ 72 h (14(2)(b));
 *   final report ≤ 14 days after a corrective or mitigating measure is available (14(2)(c)).
 * Severe incident (Art. 14(3)–(4)), from awareness:
 *   early warning ≤ 24 h (14(4)(a)); notification ≤ 72 h (14(4)(b));
 *   final report ≤ 1 month after the 72 h incident notification (14(4)(c)).
 *
 * Counting rules regulations.md does not give, and what this module does instead (stated in every output):
 * - "14 days" = 14 × 24 h from the instant the measure became available (no whole-day rounding).
 * - "one month": regulations.md is silent on how to count it → calendar-month arithmetic on the UTC date, clamped to
 *   the last day of the target month (31 Jan → 28/29 Feb), keeping the time of day.
 * - The incident final report runs from the notification actually submitted; until it is, the deadline is
 *   computed from the notification's own deadline (awareness + 72 h) and marked provisional.
 * - Boundaries: a deadline is met by anything at or before the due instant; `overdue` means now > due.
 */
import type { Case, ReportStage } from './cases.js';
import { correctiveMeasureAt } from './cases.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const COUNTING_NOTES = [
  'Reports are due "without undue delay and in any event within" each period (regulations.md §1.2); the due instant is the latest permissible one.',
  'Deadlines are UTC instants; a deadline is met at or before the due instant, overdue after it.',
  '"14 days" is counted as 14 × 24 hours from the instant the corrective or mitigating measure became available (regulations.md §1.2 gives no day-counting rule).',
  '"1 month" is counted as one calendar month on the UTC date, clamped to the last day of the month (regulations.md §1.2 is silent on the counting rule).',
] as const;

/** Add calendar months to a UTC instant, clamping the day to the end of the target month; time of day kept. */
export function addMonthsClamped(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const ty = y + Math.floor(m / 12);
  const tm = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), last);
  return Date.UTC(ty, tm, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

export type Track = 'vulnerability' | 'incident';

export interface Deadline {
  track: Track;
  stage: ReportStage;
  /** "Art. 14(2)(a)" … */
  article: string;
  citation: string;
  /** What the period runs from. */
  basis: string;
  /** ISO instant; absent while the start event has not happened (e.g. no corrective measure yet). */
  due?: string;
  provisional: boolean;
  /** Why there is no due date yet. */
  pending?: string;
  submittedAt?: string;
}

const isoOf = (ms: number): string => new Date(ms).toISOString();

function submitted(c: Case, track: Track, stage: ReportStage): string | undefined {
  for (const e of c.events) if (e.type === 'report' && e.track === track && e.stage === stage) return e.at;
  return undefined;
}

/** Every reporting deadline the case has (empty when it is neither exploited nor a severe incident). */
export function deadlinesFor(c: Case): Deadline[] {
  const out: Deadline[] = [];
  const cite = 'regulations.md §1.2';
  const add = (d: Omit<Deadline, 'citation' | 'submittedAt'>): void => {
    const s = submitted(c, d.track, d.stage);
    out.push({ ...d, citation: cite, ...(s ? { submittedAt: s } : {}) });
  };
  if (c.exploitedAt) {
    const aware = Date.parse(c.exploitedAt);
    add({ track: 'vulnerability', stage: 'early_warning', article: 'Art. 14(2)(a)', basis: `24 h after awareness of active exploitation (${c.exploitedAt})`, due: isoOf(aware + 24 * HOUR), provisional: false });
    add({ track: 'vulnerability', stage: 'notification', article: 'Art. 14(2)(b)', basis: `72 h after awareness of active exploitation (${c.exploitedAt})`, due: isoOf(aware + 72 * HOUR), provisional: false });
    const measure = correctiveMeasureAt(c);
    if (measure) {
      add({ track: 'vulnerability', stage: 'final_report', article: 'Art. 14(2)(c)', basis: `14 days after a corrective or mitigating measure became available (${measure})`, due: isoOf(Date.parse(measure) + 14 * DAY), provisional: false });
    } else {
      add({ track: 'vulnerability', stage: 'final_report', article: 'Art. 14(2)(c)', basis: '14 days after a corrective or mitigating measure is available', provisional: false, pending: 'no corrective or mitigating measure recorded yet (transition to fix_available starts this clock)' });
    }
  }
  if (c.incidentAt) {
    const aware = Date.parse(c.incidentAt);
    const notifDue = aware + 72 * HOUR;
    add({ track: 'incident', stage: 'early_warning', article: 'Art. 14(4)(a)', basis: `24 h after awareness of the severe incident (${c.incidentAt})`, due: isoOf(aware + 24 * HOUR), provisional: false });
    add({ track: 'incident', stage: 'notification', article: 'Art. 14(4)(b)', basis: `72 h after awareness of the severe incident (${c.incidentAt})`, due: isoOf(notifDue), provisional: false });
    const notified = submitted(c, 'incident', 'notification');
    if (notified) {
      add({ track: 'incident', stage: 'final_report', article: 'Art. 14(4)(c)', basis: `1 month after the incident notification (submitted ${notified})`, due: isoOf(addMonthsClamped(Date.parse(notified), 1)), provisional: false });
    } else {
      add({ track: 'incident', stage: 'final_report', article: 'Art. 14(4)(c)', basis: `1 month after the incident notification (not yet submitted: counted from its deadline ${isoOf(notifDue)})`, due: isoOf(addMonthsClamped(notifDue, 1)), provisional: true });
    }
  }
  return out;
}

export interface DeadlineStatus extends Deadline {
  /** due − now in ms (negative when overdue); absent without a due date or once submitted. */
  msLeft?: number;
  overdue: boolean;
  /** Submitted at or before the due instant. */
  met?: boolean;
  /** Submitted after the due instant. */
  late?: boolean;
}

export interface ClockStatus {
  caseId: string;
  deadlines: DeadlineStatus[];
  /** The earliest open (not submitted) deadline with a due date. */
  next?: DeadlineStatus;
  overdue: boolean;
  notes: readonly string[];
}

export function clockStatus(c: Case, now: Date | number | string): ClockStatus {
  const t = typeof now === 'number' ? now : typeof now === 'string' ? Date.parse(now) : now.getTime();
  const deadlines: DeadlineStatus[] = deadlinesFor(c).map((d) => {
    const due = d.due ? Date.parse(d.due) : undefined;
    if (d.submittedAt) {
      const s = Date.parse(d.submittedAt);
      const met = due === undefined || s <= due;
      return { ...d, overdue: false, met, late: !met };
    }
    if (due === undefined) return { ...d, overdue: false };
    return { ...d, msLeft: due - t, overdue: t > due };
  });
  const open = deadlines.filter((d) => !d.submittedAt && d.due).sort((a, b) => Date.parse(a.due!) - Date.parse(b.due!));
  const out: ClockStatus = { caseId: c.id, deadlines, overdue: deadlines.some((d) => d.overdue), notes: COUNTING_NOTES };
  if (open[0]) out.next = open[0];
  return out;
}

/** "2d 03:04:05" / "-00:00:00.001"-style human time left (ms precision below a second). */
export function formatTimeLeft(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let r = Math.abs(ms);
  const d = Math.floor(r / DAY);
  r -= d * DAY;
  const h = Math.floor(r / HOUR);
  r -= h * HOUR;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  const milli = r - s * 1000;
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${sign}${d > 0 ? `${d}d ` : ''}${p(h)}:${p(m)}:${p(s)}${milli ? `.${String(milli).padStart(3, '0')}` : ''}`;
}

/** `cra cases` overview: one row per case, and whether any is overdue (the CLI exits non-zero then). */
export function casesOverview(cases: readonly Case[], now: Date | number | string): { rows: { id: string; state: string; next?: DeadlineStatus; timeLeft?: string; overdue: boolean }[]; overdue: boolean } {
  const rows = cases.map((c) => {
    const s = clockStatus(c, now);
    const row: { id: string; state: string; next?: DeadlineStatus; timeLeft?: string; overdue: boolean } = { id: c.id, state: c.state, overdue: s.overdue };
    if (s.next) {
      row.next = s.next;
      if (s.next.msLeft !== undefined) row.timeLeft = formatTimeLeft(s.next.msLeft);
    }
    return row;
  });
  return { rows, overdue: rows.some((r) => r.overdue) };
}
