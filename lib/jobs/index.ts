import type { SqlQuery } from "../db";

/**
 * The two queues — the outbox (lib/mail/sender.ts) and the reflection of password changes
 * (lib/reflection/worker.ts) — are tables with a status and a "nextAttemptAt". They share how a
 * failed attempt is retried and how due rows are claimed, from here. ADR 020 says why this is not a
 * job library.
 */

/** How a queue retries: `firstMs` after the first failed attempt, doubling, at most `capMs`. */
export interface RetryPolicy {
  firstMs: number;
  capMs: number;
}

/** The delay before the next attempt after the n-th failed one (exponential, capped). */
export function backoffMs(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.firstMs * 2 ** Math.max(0, attempts - 1), policy.capMs);
}

export interface Claim {
  /**
   * The due rows, without LIMIT or locking: `SELECT … FROM "Queue" q … WHERE <due> ORDER BY
   * q."nextAttemptAt"`. Ordered by "nextAttemptAt" so that PostgreSQL walks the (status,
   * "nextAttemptAt") index and stops after LIMIT rows.
   */
  sql: string;
  params: unknown[];
  limit: number;
  /** With a join: the alias whose rows are locked (FOR UPDATE OF …), so the joined rows are not. */
  lockOf?: string;
}

export interface Lease {
  /** The queue table whose claimed rows are leased. */
  table: string;
  /** When the lease starts: an instant, or null for the database's clock_timestamp(). */
  from: Date | null;
  ms: number;
}

/**
 * Claims due rows for the caller's transaction with FOR UPDATE SKIP LOCKED, so any number of
 * workers and senders can run at once and never take the same row. The rows stay claimed until the
 * transaction ends (the reflection worker applies them inside it); claimLeased keeps them claimed
 * after the commit, while the caller works on them outside any transaction (the outbox sender).
 */
export async function claimDue<R extends { id: string }>(q: SqlQuery, claim: Claim): Promise<R[]> {
  const n = claim.params.length + 1;
  return q<R>(`${claim.sql} LIMIT $${n} FOR UPDATE${claim.lockOf ? ` OF ${claim.lockOf}` : ""} SKIP LOCKED`, [...claim.params, claim.limit]);
}

/**
 * claimDue, then the claimed rows leased: their "nextAttemptAt" set to one instant, `until`, past
 * the lease. `until` is the lease's fencing token: a row whose "nextAttemptAt" is still `until` is
 * still this claimer's; once another claimer took it after the lease ran out, it is not, and a
 * release or reschedule conditioned on it leaves the row alone.
 */
export async function claimLeased<R extends { id: string }>(q: SqlQuery, claim: Claim, lease: Lease): Promise<{ rows: R[]; until: Date | null }> {
  const rows = await claimDue<R>(q, claim);
  if (rows.length === 0) return { rows, until: null };
  // One instant for every row: the uncorrelated sub-select is evaluated once, clock_timestamp() with it.
  const [leased] = await q<{ until: Date }>(
    `WITH u AS (UPDATE "${lease.table}" SET "nextAttemptAt" = (SELECT COALESCE($1::timestamptz, clock_timestamp()) + $2::int * interval '1 millisecond')
                 WHERE id = ANY($3::uuid[]) RETURNING "nextAttemptAt")
     SELECT min("nextAttemptAt") AS until FROM u`,
    [lease.from, lease.ms, rows.map((r) => r.id)],
  );
  return { rows, until: leased ? new Date(leased.until) : null };
}
