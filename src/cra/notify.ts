/**
 * Notifications for the Article 14 clocks (`kubecomply cra notify`, run from a cron job or CronJob): a webhook —
 * generic JSON or Slack-compatible — fires once when a clock starts (a case marked actively exploited, or a severe
 * incident), at configurable reminders before each open deadline, and once when a deadline passes unsubmitted.
 *
 * "Once" is kept in the store: every delivered (or deliberately skipped) notification is an evidence record of kind
 * `cra-notification` with its key, so a run that finds nothing new sends nothing, a failed delivery is retried by the
 * next run, and the record of who was told what and when is tamper-evident like the cases themselves.
 *
 * Which reminders fire: of the reminders whose time has come for a deadline, only the one closest to the deadline is
 * sent (a run after a long pause does not send "24 h left" and "2 h left" together); the earlier ones are recorded as
 * skipped. Once a deadline has passed only "overdue" is sent.
 */
import type { Case } from './cases.js';
import { clockStatus, formatTimeLeft, type Track } from './clocks.js';

export const NOTIFICATION_EVIDENCE_KIND = 'cra-notification';

export type NotificationType = 'clock-started' | 'reminder' | 'overdue';

export interface Notification {
  /** Identity for "send once": case, track, stage, type (and reminder offset). */
  key: string;
  type: NotificationType;
  caseId: string;
  vulnerability: string;
  component: string;
  track: Track;
  /** The deadline it is about (absent for clock-started, which lists them all). */
  stage?: string;
  article?: string;
  due?: string;
  /** due − now, ms (negative once overdue). */
  msLeft?: number;
  /** For a reminder: how long before the deadline it was configured to fire, ms. */
  reminderMs?: number;
  /** For clock-started: the deadlines the clock set. */
  deadlines?: { stage: string; article: string; due?: string; pending?: string }[];
  /** When the clock started (awareness). */
  startedAt: string;
}

export interface PendingNotifications {
  send: Notification[];
  /** Keys of reminders superseded by a closer one or by the deadline passing: recorded, not sent. */
  skip: string[];
}



/** What is due now, given the keys already handled. `reminders` are offsets before each deadline, in ms. */
export function pendingNotifications(cases: readonly Case[], handled: ReadonlySet<string>, now: Date, reminders: readonly number[]): PendingNotifications {
  const t = now.getTime();
  const out: PendingNotifications = { send: [], skip: [] };
  const offsets = [...new Set(reminders)].sort((a, b) => b - a); // farthest first
  for (const c of cases) {
    const status = clockStatus(c, now);
    for (const track of ['vulnerability', 'incident'] as const) {
      const startedAt = track === 'vulnerability' ? c.exploitedAt : c.incidentAt;
      if (!startedAt) continue;
      const base = { caseId: c.id, vulnerability: c.vulnerability.id, component: c.target.component, track, startedAt };
      const deadlines = status.deadlines.filter((d) => d.track === track);
      const startKey = `${c.id}:${track}:clock-started`;
      if (!handled.has(startKey)) {
        out.send.push({ ...base, key: startKey, type: 'clock-started', deadlines: deadlines.map((d) => ({ stage: d.stage, article: d.article, ...(d.due ? { due: d.due } : {}), ...(d.pending ? { pending: d.pending } : {}) })) });
      }
      for (const d of deadlines) {
        if (!d.due || d.submittedAt) continue;
        const due = Date.parse(d.due);
        const about = { ...base, stage: d.stage, article: d.article, due: d.due, msLeft: due - t };
        const overdueKey = `${c.id}:${track}:${d.stage}:overdue`;
        const reminderKeys = offsets.map((o) => ({ o, key: `${c.id}:${track}:${d.stage}:reminder:${o / 60_000}m` }));
        if (t > due) {
          if (!handled.has(overdueKey)) out.send.push({ ...about, key: overdueKey, type: 'overdue' });
          for (const r of reminderKeys) if (!handled.has(r.key)) out.skip.push(r.key);
          continue;
        }
        // Reminders whose time has come (now ≥ due − offset); the closest to the deadline is the last.
        const come = reminderKeys.filter((r) => t >= due - r.o && !handled.has(r.key));
        const last = come[come.length - 1];
        if (!last) continue;
        for (const r of come) if (r !== last) out.skip.push(r.key);
        out.send.push({ ...about, key: last.key, type: 'reminder', reminderMs: last.o });
      }
    }
  }
  return out;
}

const STAGE_TEXT: Record<string, string> = { early_warning: 'early warning', notification: 'notification', final_report: 'final report' };

/** One line a person reads. */
export function notificationText(n: Notification, product?: string): string {
  const what = `${n.caseId} (${n.vulnerability} in ${n.component}${product ? `, ${product}` : ''})`;
  const stage = n.stage ? `${n.track === 'incident' ? 'incident ' : ''}${STAGE_TEXT[n.stage] ?? n.stage} (${n.article})` : '';
  switch (n.type) {
    case 'clock-started': {
      const next = n.deadlines?.filter((d) => d.due).map((d) => `${STAGE_TEXT[d.stage] ?? d.stage} due ${d.due}`).join(', ');
      return `CRA reporting clock started for ${what}: ${n.track === 'incident' ? 'severe incident' : 'actively exploited vulnerability'} since ${n.startedAt}${next ? `; ${next}` : ''}`;
    }
    case 'reminder':
      return `CRA ${stage} for ${what} due ${n.due}: ${formatTimeLeft(n.msLeft ?? 0)} left (reminder ${formatTimeLeft(n.reminderMs ?? 0)} before)`;
    case 'overdue':
      return `CRA ${stage} for ${what} is OVERDUE: it was due ${n.due} (${formatTimeLeft(-(n.msLeft ?? 0))} ago)`;
  }
}

/** The webhook body: the notification as JSON, or a Slack incoming-webhook message (`text`, plus mrkdwn blocks). */
export function notificationBody(n: Notification, format: 'json' | 'slack', product?: string): unknown {
  const text = notificationText(n, product);
  if (format === 'slack') {
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: n.type === 'overdue' ? `:rotating_light: *${text}*` : text } }] };
  }
  return { source: 'kubecomply', kind: `cra.${n.type}`, text, ...(product ? { product } : {}), notification: n };
}

export interface DeliveryOptions {
  headers?: Record<string, string>;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts in all (network errors, 429 and 5xx are retried with backoff; other statuses are not). */
  attempts?: number;
  backoffMs?: number;
}

export interface DeliveryResult {
  ok: boolean;
  status?: number;
  error?: string;
  attempts: number;
}

export async function deliver(url: string, body: unknown, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
  const attempts = Math.max(1, opts.attempts ?? 3);
  let last: DeliveryResult = { ok: false, attempts: 0 };
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kubecomply', ...opts.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, status: res.status, attempts: i };
      last = { ok: false, status: res.status, error: `HTTP ${res.status} ${res.statusText}`.trim(), attempts: i };
      if (res.status !== 429 && res.status < 500) return last;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs ?? 10_000} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
      last = { ok: false, error: why, attempts: i };
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 500) * 2 ** (i - 1)));
  }
  return last;
}
