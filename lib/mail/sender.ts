import { connect, type Socket } from "node:net";
import nodemailer from "nodemailer";
import SMTPPool from "nodemailer/lib/smtp-pool";
import SMTPTransport from "nodemailer/lib/smtp-transport";
import type { Database } from "../db";
import { backoffMs, claimLeased, type RetryPolicy } from "../jobs";
import { log } from "../log";

/** The part of a nodemailer transport the sender uses (tests pass a real one to a capture server). */
export interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; messageId: string; headers?: Record<string, string> }): Promise<unknown>;
}

/**
 * A nodemailer transport for SMTP_URL. With `connections` it keeps that many SMTP connections open
 * and sends over them in turn (the outbox sender); without, one connection per message (tests).
 *
 * Its sockets are opened here with TCP_NODELAY (ADR 038): nodemailer writes a message in several
 * small segments and does not disable Nagle's algorithm, so the last segment of every message waited
 * for the server's delayed ACK — about 40 ms per message on Linux, 7 messages a second on one
 * connection (1,600 with the flag). TLS (smtps://, STARTTLS) is still nodemailer's, over this socket.
 */
export function smtpTransport(url: string, o: { connections?: number } = {}): MailTransport & { close?: () => void } {
  // The transport classes themselves: nodemailer.createTransport({ url, … }) keeps only what the URL
  // says and drops every other option (the pool, the timeouts, getSocket) — until ADR 038 the
  // "pooled" sender opened one connection per message.
  // An SMTP_URL with nodemailer's ?proxy= keeps nodemailer's own sockets (its proxy code opens them).
  const viaProxy = new URL(url).searchParams.has("proxy");
  const common = { url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000, ...(viaProxy ? {} : { getSocket: openNoDelaySocket }) };
  if (!o.connections) return nodemailer.createTransport(new SMTPTransport(common));
  return nodemailer.createTransport(new SMTPPool({ ...common, pool: true, maxConnections: o.connections, maxMessages: 1000 }));
}

type SocketOptions = { host?: string; port?: number | string; secure?: boolean; connectionTimeout?: number; localAddress?: string };
/** nodemailer's `getSocket` hook: a connected TCP socket with TCP_NODELAY, on nodemailer's host, port and connect timeout. */
export function openNoDelaySocket(options: SocketOptions, callback: (error: Error | null, socket?: { connection: Socket }) => void): void {
  // nodemailer's own default port (smtp-connection): 465 for implicit TLS, else 587.
  const port = Number(options.port) || (options.secure ? 465 : 587);
  const socket = connect({ host: options.host || "localhost", port, noDelay: true, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  const timer = setTimeout(() => socket.destroy(Object.assign(new Error("Connection timeout"), { code: "ETIMEDOUT" })), options.connectionTimeout ?? 10_000);
  const failed = (error: Error) => {
    clearTimeout(timer);
    callback(error);
  };
  socket.once("error", failed);
  socket.once("connect", () => {
    clearTimeout(timer);
    socket.removeListener("error", failed);
    callback(null, { connection: socket });
  });
}

export const OUTBOX_MAX_ATTEMPTS = 10;
/** While one process sends a message, others leave it alone for this long. */
export const OUTBOX_LEASE_MS = 2 * 60_000;
/** A batch stops handing messages to SMTP once this much of its lease has gone (the rest is released). */
const LEASE_USE = 0.5;
/** Successes are marked SENT in one statement per this many (or at the end of the batch). */
const MARK_EVERY = 100;

/** A failed send is retried after 5 s, 10 s, 20 s … at most 10 minutes apart. */
export const OUTBOX_RETRY: RetryPolicy = { firstMs: 5_000, capMs: 10 * 60_000 };

/** Retry delay after the n-th failed send (lib/jobs' one backoff, with the outbox's policy). */
export const outboxBackoffMs = (attempts: number): number => backoffMs(attempts, OUTBOX_RETRY);

/**
 * Due messages that are their address's oldest unsent one, by the database's clock unless a test
 * gives its own ($1): the (status, "nextAttemptAt") index walked in order, each candidate checked by
 * one probe of the partial index of unsent messages by address (in order, LIMIT 1). The claim runs
 * with enable_sort off: statistics taken before a 100,000-email burst say "one unsent message", and
 * the planner then sorted the whole backlog for every candidate instead of probing (at a million
 * customers one claim took minutes); with sorting priced out both steps use their index order.
 */
const DUE = `SELECT o.id, o."toAddress", o.subject, o.body, o.sensitive, o.attempts FROM "OutboxEmail" o
  WHERE o.status = 'PENDING' AND o."nextAttemptAt" <= COALESCE($1::timestamptz, clock_timestamp())
    AND (o."createdAt", o.id) = (SELECT e."createdAt", e.id FROM "OutboxEmail" e WHERE e."toAddress" = o."toAddress" AND e.status = 'PENDING' ORDER BY e."createdAt", e.id LIMIT 1)
  ORDER BY o."nextAttemptAt"`;

interface Claimed {
  id: string;
  toAddress: string;
  subject: string;
  body: string;
  sensitive: boolean;
  attempts: number;
}

/**
 * Sends one batch of due outbox messages (at most `batchSize`, default 20):
 * - **claimed under a lease in one transaction** (lib/jobs' claimDue): the due messages are locked
 *   with SKIP LOCKED and their next attempt pushed past OUTBOX_LEASE_MS, so concurrent senders never
 *   pick the same one however slow SMTP is;
 * - **in order per recipient**: only a recipient's oldest unsent message (by createdAt, then id) can
 *   be claimed, so the next one waits until it is sent or given up — a batch never holds two for one
 *   address, and no other sender can take the later one meanwhile;
 * - **sent in parallel** (`concurrency` at once, over the transport's pooled connections);
 * - **marked in bulk**: successes SENT in one statement per MARK_EVERY, failures rescheduled with
 *   backoff in one statement (FAILED after OUTBOX_MAX_ATTEMPTS, still visible).
 * Exactly once as far as SMTP allows: the Message-ID is the outbox id, and what remains is a crash
 * between SMTP's acceptance and the mark (the messages accepted since the last mark — about
 * MARK_EVERY, and the tail of the batch before while the next is sent — each a duplicate receivers
 * can recognise). A batch stops handing messages over once half its lease has gone; the rest is released.
 *
 * Every time the lease and the due check compare is the database's clock (clock_timestamp()), so
 * senders on hosts whose clocks differ cannot take each other's leased messages. `now` (tests
 * only) replaces that clock with the caller's, running on from the call.
 */
export async function deliverDueEmails(options: DeliveryOptions): Promise<{ sent: number; failed: number }> {
  const { sent, failed } = await deliverBatch(options);
  return { sent, failed };
}

export interface DeliveryOptions {
  database: Database;
  transport: MailTransport;
  from: string;
  now?: Date;
  batchSize?: number;
  /** Messages handed to SMTP at once (default 1: one after another). */
  concurrency?: number;
}

interface Batch {
  claimed: Claimed[];
  /** Date.now() when the claim started: its lease runs from here. */
  startedAt: number;
  /** The lease's end as written on the rows (lib/jobs' fencing token): a row that no longer says so is another sender's. */
  until: Date | null;
}

/** The caller's clock (`now`, tests) running on from `startedAt`; null means the database's clock_timestamp(). */
const clockOf = (now: Date | undefined, startedAt: number) => () => (now ? new Date(now.getTime() + (Date.now() - startedAt)) : null);

/** Claims one batch under a lease in one transaction (lib/jobs' claimDue). */
async function claimBatch(options: DeliveryOptions): Promise<Batch> {
  const startedAt = Date.now();
  const leaseFrom = clockOf(options.now, startedAt)();
  const { rows, until } = await options.database.sql.transaction(async (q) => {
    await q("SET LOCAL enable_sort = off"); // see DUE
    return claimLeased<Claimed>(q, { sql: DUE, params: [options.now ?? null], limit: options.batchSize ?? 20, lockOf: "o" }, { table: "OutboxEmail", from: leaseFrom, ms: OUTBOX_LEASE_MS });
  });
  return { claimed: rows, startedAt, until };
}

/** Gives claimed messages back, due again at once: a batch claimed ahead and then not sent, or the rest of one that ran out of lease. */
async function releaseBatch(options: DeliveryOptions, batch: Batch): Promise<void> {
  if (batch.claimed.length === 0) return;
  // Only rows still under this batch's lease: after it ran out another sender may hold them.
  await options.database.sql.query(
    `UPDATE "OutboxEmail" SET "nextAttemptAt" = COALESCE($1::timestamptz, clock_timestamp()) WHERE id = ANY($2::uuid[]) AND status = 'PENDING' AND "nextAttemptAt" = $3::timestamptz`,
    [clockOf(options.now, batch.startedAt)(), batch.claimed.map((m) => m.id), batch.until],
  );
}

async function deliverBatch(options: DeliveryOptions): Promise<{ sent: number; failed: number; claimed: number }> {
  const r = await sendBatch(options, await claimBatch(options));
  return { sent: await r.marked, failed: r.failed, claimed: r.claimed };
}

/**
 * Sends a claimed batch (see deliverDueEmails). It returns once every message was handed to SMTP;
 * `marked` settles when the batch's rows are written (SENT, rescheduled, released) and gives the
 * number marked SENT. The next batch may be sent meanwhile: until its mark a message is still
 * PENDING under its lease, so no claim can take it or its recipient's next message.
 */
async function sendBatch(options: DeliveryOptions, { claimed, startedAt, until }: Batch): Promise<{ failed: number; sent: number; claimed: number; marked: Promise<number> }> {
  const { database, transport, from, now } = options;
  // The marks use `now` itself (tests compare them exactly); a release runs on from the claim.
  if (claimed.length === 0) return { failed: 0, sent: 0, claimed: 0, marked: Promise.resolve(0) };

  let sent = 0;
  const succeeded: Claimed[] = [];
  const failures: { m: Claimed; error: string }[] = [];
  const released: Claimed[] = [];
  const markSent = async (batch: Claimed[]) => {
    if (batch.length === 0) return;
    const [r] = await database.sql.query<{ n: number }>(
      `WITH u AS (UPDATE "OutboxEmail" SET status = 'SENT', "sentAt" = COALESCE($1::timestamptz, clock_timestamp()), attempts = attempts + 1, "lastError" = NULL,
                         body = CASE WHEN sensitive THEN '' ELSE body END
                   WHERE id = ANY($2::uuid[]) AND status = 'PENDING' RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [now ?? null, batch.map((m) => m.id)],
    );
    sent += r?.n ?? 0;
  };
  // Each mark on its own (they touch different rows), its failure held until the batch's end: one
  // refused mark neither stops the others nor escapes as an unhandled rejection.
  const markings: Promise<void>[] = [];
  const flush = () => {
    const marking = markSent(succeeded.splice(0, succeeded.length));
    marking.catch(() => undefined);
    markings.push(marking);
  };
  let handedOver = 0;

  let next = 0;
  const lane = async () => {
    for (;;) {
      const m = claimed[next++];
      if (!m) return;
      if (Date.now() - startedAt > OUTBOX_LEASE_MS * LEASE_USE) {
        released.push(m);
        continue;
      }
      try {
        await transport.sendMail({ from, to: m.toAddress, subject: m.subject, text: m.body, messageId: `<${m.id}@selfcare.invalid>` });
        succeeded.push(m);
        handedOver++;
        if (succeeded.length >= MARK_EVERY) flush();
      } catch (error) {
        failures.push({ m, error: error instanceof Error ? error.message.slice(0, 500) : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, claimed.length)) }, lane));
  flush();
  const marked = (async () => {
    // Every write is tried whatever another's fate; the first error is thrown once all are done.
    const settled = await Promise.allSettled([
      ...markings,
      markFailures(options, failures, until),
      // Not handed over in time: due again at once (for this sender's next round or another's).
      releaseBatch(options, { claimed: released, startedAt, until }),
    ]);
    const refused = settled.find((r) => r.status === "rejected");
    if (refused) throw refused.reason;
    return sent;
  })();
  marked.catch(() => undefined); // awaited by the caller; not an unhandled rejection meanwhile
  return { failed: failures.length, sent: handedOver, claimed: claimed.length, marked };
}

/** Failed sends: retried with backoff in one statement, FAILED after OUTBOX_MAX_ATTEMPTS (logged once per round). */
async function markFailures({ database, now }: DeliveryOptions, failures: { m: Claimed; error: string }[], until: Date | null): Promise<void> {
  if (failures.length === 0) return;
  const attempts = failures.map((f) => f.m.attempts + 1);
  // Only rows still PENDING under this batch's lease: a late failure never undoes another sender's SENT.
  await database.sql.query(
    `UPDATE "OutboxEmail" o SET attempts = f.attempts, "lastError" = f.err, status = (CASE WHEN f.attempts >= $5 THEN 'FAILED' ELSE 'PENDING' END)::"OutboxStatus",
            "nextAttemptAt" = COALESCE($1::timestamptz, clock_timestamp()) + f.backoff * interval '1 millisecond'
       FROM unnest($2::uuid[], $3::int[], $4::text[], $6::int[]) AS f(id, attempts, err, backoff)
      WHERE o.id = f.id AND o.status = 'PENDING' AND o."nextAttemptAt" = $7::timestamptz`,
    [now ?? null, failures.map((f) => f.m.id), attempts, failures.map((f) => f.error), OUTBOX_MAX_ATTEMPTS, attempts.map(outboxBackoffMs), until],
  );
  const retrying = failures.filter((_, i) => attempts[i]! < OUTBOX_MAX_ATTEMPTS);
  for (const [i, f] of failures.entries()) if (attempts[i]! >= OUTBOX_MAX_ATTEMPTS) log.error({ outboxId: f.m.id, attempts: attempts[i], err: f.error }, "email given up");
  // One line per delivery round, not one per message: an SMTP outage would otherwise log every queued message each round.
  if (retrying.length > 0) log.warn({ failed: retrying.length, err: retrying[0]!.error }, "emails send failed, will retry");
}

/**
 * One round of the sender loop: batches one after another while they come back full (a backlog
 * drains at full speed instead of one batch per poll), for at most `maxMs` or until asked to stop.
 * While a full batch is being sent the next one is already claimed (its lease runs from its claim),
 * so SMTP never waits for the claim, and a batch's rows are marked while the next is sent; a batch
 * claimed ahead and then not sent (the round ends, or a send failed) is given back at once. Order per recipient holds: a recipient's message in flight is
 * still PENDING and leased, so the claim ahead cannot take that recipient's next one.
 */
export async function drainDueEmails(options: DeliveryOptions & { maxMs?: number; stopping?: () => boolean }): Promise<{ sent: number; failed: number; claimed: number }> {
  const total = { sent: 0, failed: 0, claimed: 0 };
  const until = Date.now() + (options.maxMs ?? 30_000);
  const size = options.batchSize ?? 20;
  const goOn = () => Date.now() <= until && !options.stopping?.();
  let ahead: Promise<Batch> | null = claimBatch(options);
  const marks: Promise<number>[] = [];
  let markFailed = false;
  try {
    for (;;) {
      const batch: Batch = await ahead;
      ahead = null;
      if (batch.claimed.length >= size && goOn()) {
        ahead = claimBatch(options);
        ahead.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      }
      const r = await sendBatch(options, batch);
      marks.push(r.marked);
      r.marked.catch(() => void (markFailed = true));
      total.failed += r.failed;
      total.claimed += r.claimed;
      // A batch that SMTP refused whole (an outage, not one bad address) or whose rows could not be
      // written (the database) ends the round: no more sends until the next poll.
      const outage = r.failed > 0 && r.sent === 0;
      if (!ahead || outage || markFailed || !goOn()) break;
    }
  } finally {
    if (ahead) {
      const unsent = await ahead.catch(() => null);
      if (unsent) marks.push(releaseBatch(options, unsent).then(() => 0));
    }
    // Every batch's marks are written before the round ends (a failed one is thrown here).
    const settled = await Promise.allSettled(marks);
    for (const m of settled) if (m.status === "fulfilled") total.sent += m.value;
    const failed = settled.find((m) => m.status === "rejected");
    if (failed) throw failed.reason;
  }
  return total;
}
