import { auditMany } from "../audit";
import { log } from "../log";
import type { Database, SqlQuery } from "../db";
import { unseal } from "../crypto/seal";
import type { Locale } from "../format";
import { backoffMs, claimDue, type RetryPolicy } from "../jobs";
import { enqueueEmails, type EmailKind } from "../mail/outbox";
import { changeAppliedEmail, changeFailedEmail } from "../mail/templates";
import type { Provisioner, ProvisionItem } from "../provisioning";
import type { SipCredential } from "../sip/digest";

export interface WorkerOptions {
  database: Database;
  provisioner: Provisioner;
  credentialKey: Buffer;
  /**
   * The run's clock. Leave it out in production: each unit of work then reads the database's
   * clock, so that workers on hosts whose clocks drift agree on what is due (a fast clock would
   * reflect a 17:30 change early). Tests, tools and APP_NOW give an instant.
   */
  now?: Date;
  batchSize: number;
  maxAttempts: number;
  /**
   * Called after a batch commits with the numbers of the lines it applied (DROP_BINDINGS_ON_REFLECTION:
   * their old bindings are dropped at the registrar). Its failure is logged, never the batch's.
   */
  afterApplied?: (numbers: string[]) => Promise<void>;
}

export interface BatchResult {
  claimed: number;
  applied: number;
  failed: number;
  gaveUp: number;
}

interface Row {
  id: string;
  credential: string | null;
  attempts: number;
  requestedAt: Date;
  number: string;
  customerId: string;
  selfcareId: string;
  email: string;
  locale: string;
}

/**
 * A readable one-line reason. Some errors carry no message of their own: node:net rejects a
 * connection to a dual-stack host (localhost → ::1 and 127.0.0.1) with an AggregateError whose
 * message is "", so the inner errors (or the code) are what an operator needs to see.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describeError).join("; ");
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error.name;
}

/** A failed reflection is retried after 10 s, 20 s, 40 s … at most 15 minutes apart. */
export const REFLECTION_RETRY: RetryPolicy = { firstMs: 10_000, capMs: 15 * 60_000 };

/** Retry delay after the n-th failed attempt (lib/jobs' one backoff, with the reflection's policy). */
export const reflectionBackoffMs = (attempts: number): number => backoffMs(attempts, REFLECTION_RETRY);

// Ordered by "nextAttemptAt" (when the change became eligible: its due time, or the end of its
// retry backoff) so that PostgreSQL walks the ("status", "nextAttemptAt") index and stops after
// LIMIT rows. Ordering by ("dueAt", id) instead made every claim join and fully sort the whole
// backlog (FOR UPDATE keeps the sort from being a top-N one): 0.3-0.4 s per batch with 100,000
// due at 17:30, 500 batches of 200 took 165 s of a 204 s run (docs/benchmarks.md).
const DUE = `
  SELECT pc.id, pc.credential, pc.attempts, pc."requestedAt", l.number, l."customerId", c."selfcareId", c.email, c.locale
    FROM "PasswordChange" pc
    JOIN "Line" l ON l.id = pc."lineId"
    JOIN "Customer" c ON c.id = l."customerId"
   WHERE pc.status = 'PENDING' AND pc."dueAt" <= $1 AND pc."nextAttemptAt" <= $1
   ORDER BY pc."nextAttemptAt"`;

/** One audit row and one email per change, through lib/audit and lib/mail/outbox (one statement each). */
async function appendEventsAndMail(
  q: SqlQuery,
  now: Date,
  type: "CHANGE_APPLIED" | "CHANGE_FAILED",
  rows: Row[],
  details: (r: Row) => object,
  mail: (r: Row) => { kind: EmailKind; subject: string; body: string },
) {
  if (rows.length === 0) return;
  await auditMany(
    q,
    rows.map((r) => ({ at: now, type, actor: "system", selfcareId: r.selfcareId, customerId: r.customerId, lineNumber: r.number, details: details(r) })),
  );
  await enqueueEmails(
    q,
    rows.map((r) => ({ ...mail(r), to: r.email, customerId: r.customerId })),
    now,
  );
}

/** True for errors that say the registrar (or the network to it) is unavailable, not that one change is bad. */
export function isSystemicError(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.every(isSystemicError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (/^E(CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|NOTFOUND|PIPE|AI_AGAIN|ADDRNOTAVAIL)$/.test(code)) return true;
    // PostgreSQL: 08 connection, 53 insufficient resources, 57P0x shut down, 28 authorisation,
    // 3D no such database, 25006 read-only (after a fail-over), 42501 no privilege, 40 retry the
    // transaction. A statement time-out (57014) can be one locked row: that one is bisected.
    if (/^(08|53|28|3D|40)[0-9A-Z]{3}$/.test(code) || /^57P0\d$/.test(code) || code === "25006" || code === "42501") return true;
  }
  return /connection terminated|timeout exceeded when trying to connect|connection timeout|Connection ended unexpectedly/i.test(error.message);
}

/** Appends one audit row and one email per applied change (the worker's own transaction). */
function appliedEvents(q: SqlQuery, at: Date, rows: Row[], provisioner: string) {
  return appendEventsAndMail(q, at, "CHANGE_APPLIED", rows, (r) => ({ changeId: r.id, provisioner }), (r) => ({
    kind: "CHANGE_APPLIED",
    ...changeAppliedEmail({ locale: r.locale as Locale, name: r.selfcareId, number: r.number, appliedAt: at }),
  }));
}

/** The time a unit of work runs at: the run's own (tests, tools, APP_NOW) or else the database's clock. */
async function unitTime(q: SqlQuery, now: Date | undefined): Promise<Date> {
  if (now) return now;
  const [row] = await q<{ now: Date | string }>(`SELECT now() AS now`);
  return new Date(row!.now);
}

/**
 * Provisions, in the caller's transaction, as many of `ready` as the registrar takes, and returns
 * the ones it refuses, each with its own error. A refused group is split in halves under a
 * savepoint each, down to single changes, so one bad change costs about 2·log₂(batch) extra
 * provisioning statements and nothing else: the good ones are still marked in this transaction,
 * with one commit for the batch. A systemic error (the registrar unreachable) is thrown at once:
 * splitting would only repeat it.
 */
async function provisionIsolating(q: SqlQuery, at: Date, ready: { row: Row; item: ProvisionItem }[], o: WorkerOptions): Promise<{ refused: { row: Row; error: string }[]; registrarAt: Map<string, Date> }> {
  const refused: { row: Row; error: string }[] = [];
  const registrarAt = new Map<string, Date>();
  const attempt = async (group: typeof ready): Promise<void> => {
    await q("SAVEPOINT reflection_attempt");
    try {
      const result = await o.provisioner.provision(
        group.map((g) => g.item),
        { query: q, now: at },
      );
      await q("RELEASE SAVEPOINT reflection_attempt");
      if (result?.registrarAt) for (const g of group) registrarAt.set(g.row.id, result.registrarAt);
    } catch (error) {
      // Undoes what the attempt wrote in this transaction (the internal registrar's rows), and
      // ends the savepoint, so that a deep bisection does not pile up subtransactions.
      try {
        await q("ROLLBACK TO SAVEPOINT reflection_attempt");
        await q("RELEASE SAVEPOINT reflection_attempt");
      } catch (rollback) {
        log.error({ err: describeError(error), rollback: describeError(rollback) }, "reflection batch: could not roll back a refused attempt");
        throw error;
      }
      if (isSystemicError(error)) throw error;
      if (group.length === 1) {
        refused.push({ row: group[0]!.row, error: describeError(error) });
        return;
      }
      const half = Math.ceil(group.length / 2);
      await attempt(group.slice(0, half));
      await attempt(group.slice(half));
    }
  };
  if (ready.length > 0) await attempt(ready);
  return { refused, registrarAt };
}

/**
 * Provisions and marks APPLIED, in the caller's transaction, the claimed rows whose credential
 * opens and that the registrar takes; the others are returned (recorded as failed attempts after
 * the commit, each with its own error).
 */
async function applyClaimed(q: SqlQuery, at: Date, claimed: Row[], o: WorkerOptions): Promise<{ applied: Row[]; failures: { row: Row; error: string }[] }> {
  const ready: { row: Row; item: ProvisionItem }[] = [];
  const failures: { row: Row; error: string }[] = [];
  for (const row of claimed) {
    try {
      if (!row.credential) throw new Error("no credential material");
      ready.push({ row, item: { changeId: row.id, credential: JSON.parse(unseal(row.credential, o.credentialKey, row.id)) as SipCredential } });
    } catch (error) {
      failures.push({ row, error: `credential unusable: ${describeError(error)}` });
    }
  }
  const { refused, registrarAt } = await provisionIsolating(q, at, ready, o);
  failures.push(...refused);
  const refusedIds = new Set(refused.map((f) => f.row.id));
  const applied = ready.map((r) => r.row).filter((r) => !refusedIds.has(r.id));
  if (applied.length === 0) return { applied, failures };
  await q(
    `UPDATE "PasswordChange" pc SET status = 'APPLIED', "appliedAt" = $1, credential = NULL, attempts = attempts + 1, "lastError" = NULL,
            "registrarAppliedAt" = t.registrar_at
       FROM unnest($2::uuid[], $3::timestamptz[]) AS t(id, registrar_at)
      WHERE pc.id = t.id`,
    [at, applied.map((r) => r.id), applied.map((r) => registrarAt.get(r.id) ?? null)],
  );
  await appliedEvents(q, at, applied, o.provisioner.name);
  return { applied, failures };
}

/**
 * One bounded batch: claim due PENDING changes (SKIP LOCKED, so any number of workers can run),
 * provision them, and mark them APPLIED — credential erased, audit row and "反映が完了しました"
 * email written — in the same transaction.
 *
 * A failure is isolated to the change that causes it: when the registrar refuses the batch, the
 * batch is bisected under savepoints (provisionIsolating) and every change it takes is applied;
 * only a change refused on its own has the failure recorded (attempts, lastError, backoff; FAILED
 * after maxAttempts, and only then is its customer told). A systemic error (the registrar
 * unreachable), or any other failure of the transaction, is recorded on every claimed change.
 */
export async function runReflectionBatch(o: WorkerOptions): Promise<BatchResult> {
  const result: BatchResult = { claimed: 0, applied: 0, failed: 0, gaveUp: 0 };
  let claimed: Row[] = [];
  let failures: { row: Row; error: string }[] = [];

  try {
    const done = await o.database.sql.transaction(async (q) => {
      const at = await unitTime(q, o.now);
      claimed = await claimDue<Row>(q, { sql: DUE, params: [at], limit: o.batchSize, lockOf: "pc" });
      return claimed.length === 0 ? null : applyClaimed(q, at, claimed, o);
    });
    if (done) {
      result.applied = done.applied.length;
      failures = done.failures;
      if (o.afterApplied && done.applied.length > 0) {
        await o.afterApplied(done.applied.map((r) => r.number)).catch((error: unknown) => log.warn({ err: describeError(error) }, "after-reflection step failed"));
      }
    }
  } catch (error) {
    // Nothing was claimed: the portal database itself failed. There is no change to record the
    // failure on, so it must not be swallowed (the worker loop logs it at error level).
    if (claimed.length === 0) throw error;
    failures = claimed.map((row) => ({ row, error: describeError(error) }));
  }
  result.claimed = claimed.length;
  if (failures.length > 0) {
    const recorded = await recordFailures(o, failures);
    result.failed = recorded.retried;
    result.gaveUp = recorded.gaveUp;
  }
  return result;
}

/**
 * Records failed attempts; changes out of attempts become FAILED (customer told, logged at error).
 * A FAILED change keeps its sealed credential so support can retry it; a newer change supersedes it.
 */
async function recordFailures(o: WorkerOptions, failures: { row: Row; error: string }[]): Promise<{ retried: number; gaveUp: number }> {
  return o.database.sql.transaction(async (q) => {
    const now = await unitTime(q, o.now);
    const finals: Row[] = [];
    const retried: { row: Row; error: string }[] = [];
    for (const { row, error } of failures) {
      const attempts = row.attempts + 1;
      const final = attempts >= o.maxAttempts;
      const message = error.slice(0, 500);
      const updated = await q(
        `UPDATE "PasswordChange" SET attempts = $2, "lastError" = $3, "nextAttemptAt" = $4,
                status = CASE WHEN $5 THEN 'FAILED'::"ChangeStatus" ELSE status END
          WHERE id = $1 AND status = 'PENDING' AND attempts = $6 RETURNING id`,
        [row.id, attempts, message, new Date(now.getTime() + reflectionBackoffMs(attempts)), final, row.attempts],
      );
      // Another worker recorded this attempt already, or applied the change meanwhile: nothing to say.
      if (updated.length === 0) continue;
      if (final) {
        finals.push(row);
        log.error({ changeId: row.id, line: row.number, attempts, err: message }, "reflection FAILED after the last attempt");
      } else {
        retried.push({ row, error });
        log.warn({ changeId: row.id, line: row.number, attempts, err: message }, "reflection attempt failed, will retry");
      }
    }
    await appendEventsAndMail(q, now, "CHANGE_FAILED", finals, (r) => ({ changeId: r.id }), (r) => ({
      kind: "CHANGE_FAILED",
      ...changeFailedEmail({ locale: r.locale as Locale, name: r.selfcareId, number: r.number, requestedAt: r.requestedAt }),
    }));
    if (retried.length > 0) {
      await auditMany(
        q,
        retried.map((f) => ({
          at: now,
          type: "CHANGE_RETRY",
          actor: "system",
          lineNumber: f.row.number,
          customerId: f.row.customerId,
          selfcareId: f.row.selfcareId,
          details: { changeId: f.row.id, attempt: f.row.attempts + 1, error: f.error.slice(0, 200) },
        })),
      );
    }
    return { retried: retried.length, gaveUp: finals.length };
  });
}

export interface DrainLimits {
  /** At most this many batches (default 1000). */
  maxBatches?: number;
  /** Asked before each batch: a worker that is stopping finishes the batch in hand, not the backlog. */
  stopping?: () => boolean;
}

/**
 * Runs batches until one comes back short (the backlog is drained), `maxBatches` is reached or the
 * worker is stopping. Each batch that claimed anything is logged as it commits, so the log holds
 * every committed batch even when the process is killed in the middle of a long drain.
 */
export async function drainDueChanges(o: WorkerOptions, limits: DrainLimits | number = {}): Promise<BatchResult> {
  const { maxBatches = 1000, stopping = () => false } = typeof limits === "number" ? { maxBatches: limits } : limits;
  const total: BatchResult = { claimed: 0, applied: 0, failed: 0, gaveUp: 0 };
  for (let i = 0; i < maxBatches && !stopping(); i++) {
    const started = performance.now();
    const r = await runReflectionBatch(o);
    if (r.claimed > 0) log.info({ ...r, ms: Math.round(performance.now() - started), batch: i + 1 }, "reflection batch");
    total.claimed += r.claimed;
    total.applied += r.applied;
    total.failed += r.failed;
    total.gaveUp += r.gaveUp;
    if (r.claimed < o.batchSize || r.applied === 0) break;
  }
  return total;
}
