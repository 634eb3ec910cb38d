import type { Database, SqlQuery } from "../db";
import { env } from "../env";
import { log } from "../log";
import { every } from "../every";
import { metrics } from "../metrics";
import { SESSION_IDLE_MS } from "../auth/session";

/**
 * The retention policy (docs/operations.md, "Retention"; docs/decisions/036-retention.md): what is
 * deleted, after how long. Every period comes from the environment (lib/env.ts, .env.example).
 * A period of 0 days for the audit keeps the audit and the change history forever.
 */
export interface RetentionPolicy {
  /** Audit events, and the change history with them (finished changes), after this many days. */
  auditDays: number;
  /** Sent or given-up emails: the row after this many days… */
  emailDays: number;
  /** …its body (the text, with names and numbers) after this many. */
  emailBodyDays: number;
  /** Sign-in challenges this many hours after they expired (a consumed one expires 10 minutes after it was sent). */
  challengeHours: number;
  /** Sessions this many hours after they ended (idle past 30 minutes, revoked, or past 12 hours). */
  sessionHours: number;
  /** Rate-limit counters this many hours after their window ended. */
  rateLimitHours: number;
  /** Rows per statement: each batch is one short transaction. */
  batchSize: number;
  /** At most this many batches per table per run (a run is bounded even with a huge backlog). */
  maxBatches: number;
}

export function retentionPolicy(): RetentionPolicy {
  const e = env();
  return {
    auditDays: e.RETENTION_AUDIT_DAYS,
    emailDays: e.RETENTION_EMAIL_DAYS,
    emailBodyDays: e.RETENTION_EMAIL_BODY_DAYS,
    challengeHours: e.RETENTION_CHALLENGE_HOURS,
    sessionHours: e.RETENTION_SESSION_HOURS,
    rateLimitHours: e.RETENTION_RATE_LIMIT_HOURS,
    batchSize: e.RETENTION_BATCH_SIZE,
    maxBatches: 200,
  };
}

export type RetentionTarget = "audit_event" | "password_change" | "outbox_email" | "outbox_body" | "login_challenge" | "auth_session" | "rate_limit";

export type RetentionResult = Record<RetentionTarget, number>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Another process running the cleanup at the same moment skips its batch instead of competing.
const LOCK_KEY = 72707419;

interface Step {
  target: RetentionTarget;
  /** One batch: returns the rows it deleted (or erased). `cutoff` as an ISO instant. */
  sql: string;
  cutoff: (now: number, p: RetentionPolicy) => number | null;
}

// Each statement picks one batch along an index, oldest first, and deletes it by primary key.
const STEPS: Step[] = [
  {
    target: "rate_limit",
    sql: `DELETE FROM "RateLimiterFlexible" WHERE key IN (SELECT key FROM "RateLimiterFlexible" WHERE expire < $1 ORDER BY expire LIMIT $2)`,
    cutoff: (now, p) => now - p.rateLimitHours * HOUR,
  },
  {
    target: "login_challenge",
    sql: `DELETE FROM "LoginChallenge" WHERE id IN (SELECT id FROM "LoginChallenge" WHERE "expiresAt" < $1 ORDER BY "expiresAt" LIMIT $2)`,
    cutoff: (now, p) => now - p.challengeHours * HOUR,
  },
  {
    // Not seen for the idle limit plus the period: ended (idle, or revoked and no longer used, or
    // past its absolute limit) at least `sessionHours` ago, whatever ended it.
    target: "auth_session",
    sql: `DELETE FROM "AuthSession" WHERE id IN (SELECT id FROM "AuthSession" WHERE "lastSeenAt" < $1 ORDER BY "lastSeenAt" LIMIT $2)`,
    cutoff: (now, p) => now - SESSION_IDLE_MS - p.sessionHours * HOUR,
  },
  {
    // The body of a message no longer waiting to be sent; the row stays (support sees it was sent).
    target: "outbox_body",
    sql: `UPDATE "OutboxEmail" SET body = '' WHERE id IN (SELECT id FROM "OutboxEmail" WHERE body <> '' AND "createdAt" < $1 AND status <> 'PENDING' ORDER BY "createdAt" LIMIT $2)`,
    cutoff: (now, p) => now - p.emailBodyDays * DAY,
  },
  {
    // A PENDING email is never deleted, however old: it has not been sent yet.
    target: "outbox_email",
    sql: `DELETE FROM "OutboxEmail" WHERE id IN (SELECT id FROM "OutboxEmail" WHERE "createdAt" < $1 AND status <> 'PENDING' ORDER BY "createdAt" LIMIT $2)`,
    cutoff: (now, p) => now - p.emailDays * DAY,
  },
  {
    target: "audit_event",
    sql: `DELETE FROM "AuditEvent" WHERE id IN (SELECT id FROM "AuditEvent" WHERE at < $1 ORDER BY at LIMIT $2)`,
    cutoff: (now, p) => (p.auditDays > 0 ? now - p.auditDays * DAY : null),
  },
  {
    // Finished changes as old as the audit. Never a PENDING one, nor a line's newest APPLIED change:
    // it holds the password the registrar has now, which a cancellation of a later change returns to.
    target: "password_change",
    sql: `DELETE FROM "PasswordChange" WHERE id IN (
            SELECT pc.id FROM "PasswordChange" pc WHERE pc."createdAt" < $1 AND pc.status <> 'PENDING'
               AND (pc.status <> 'APPLIED' OR EXISTS (SELECT 1 FROM "PasswordChange" n WHERE n."lineId" = pc."lineId" AND n.status = 'APPLIED' AND n."createdAt" > pc."createdAt"))
             ORDER BY pc."createdAt" LIMIT $2)`,
    cutoff: (now, p) => (p.auditDays > 0 ? now - p.auditDays * DAY : null),
  },
];

/**
 * One run of the cleanup: every step in batches of `batchSize` rows, each batch its own short
 * transaction, until a batch comes back short, the run is asked to stop, or `maxBatches` is reached
 * (the rest waits for the next run). Returns the rows deleted (or bodies erased) per target.
 */
export async function runRetention(
  database: Database,
  o: { now: Date; policy?: RetentionPolicy; stopping?: () => boolean; /** Hears every batch (the bench times them). */ onBatch?: (target: RetentionTarget, rows: number, ms: number) => void },
): Promise<RetentionResult> {
  const policy = o.policy ?? retentionPolicy();
  const result = Object.fromEntries(STEPS.map((s) => [s.target, 0])) as RetentionResult;
  for (const step of STEPS) {
    const cutoff = step.cutoff(o.now.getTime(), policy);
    if (cutoff === null) continue;
    for (let batch = 0; batch < policy.maxBatches && !o.stopping?.(); batch++) {
      const t0 = performance.now();
      const n = await database.sql.transaction(async (q: SqlQuery) => {
        const [lock] = await q<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS ok`, [LOCK_KEY]);
        if (!lock?.ok) return -1;
        const rows = await q<{ n: number }>(`WITH d AS (${step.sql} RETURNING 1) SELECT count(*)::int AS n FROM d`, [new Date(cutoff), policy.batchSize]);
        return rows[0]?.n ?? 0;
      });
      if (n < 0) break; // another process is cleaning now
      o.onBatch?.(step.target, n, performance.now() - t0);
      result[step.target] += n;
      if (n > 0) metrics().retentionDeleted.inc({ target: step.target }, n);
      if (n < policy.batchSize) break;
    }
  }
  return result;
}

/** The cleanup loop (every RETENTION_INTERVAL_MINUTES, in the web server and in each worker). */
export function startRetention(database: Database, now: () => Date): () => Promise<void> {
  const minutes = env().RETENTION_INTERVAL_MINUTES;
  return every(minutes * 60_000, "retention", async (loop) => {
    const started = performance.now();
    const r = await runRetention(database, { now: now(), stopping: loop.stopping });
    const total = Object.values(r).reduce((a, b) => a + b, 0);
    if (total > 0) log.info({ ...r, ms: Math.round(performance.now() - started) }, "retention: old rows deleted");
  });
}
