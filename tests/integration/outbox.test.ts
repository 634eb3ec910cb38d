import { createServer } from "node:net";
import type { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/lib/db";
import { enqueueEmail, type OutgoingEmail } from "@/lib/mail/outbox";
import { OUTBOX_LEASE_MS, OUTBOX_MAX_ATTEMPTS, deliverDueEmails, drainDueEmails, outboxBackoffMs, smtpTransport, type MailTransport } from "@/lib/mail/sender";
import { startSmtpCapture, type CapturedMail } from "../fixtures/mail-capture";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const FROM = "IP電話サポート <no-reply@example.jp>";

let database: TestDatabase;
const prisma = () => database.prisma;
const servers: SMTPServer[] = [];
const extraDatabases: Database[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

afterAll(async () => {
  for (const d of extraDatabases) await d.close();
  await database?.close();
});

/** A random high port that nothing listens on right now (checked by binding it once). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 40_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

async function capture(port: number): Promise<CapturedMail[]> {
  const mails: CapturedMail[] = [];
  servers.push(await startSmtpCapture(port, (m) => mails.push(m)));
  return mails;
}

let counter = 0;
function message(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  counter++;
  return {
    kind: "LOGIN_CODE",
    to: `outbox${counter}@example.jp`,
    subject: `【IP加入電話】テスト ${counter}`,
    body: `テスト本文 ${counter}\n認証コード: 0${counter}2345`,
    ...overrides,
  };
}

async function enqueue(m: OutgoingEmail): Promise<string> {
  return prisma().$transaction((tx) => enqueueEmail(tx, m, new Date()));
}

/** Delivery "now": a little after the real time (enqueueEmail makes a message due at the server clock). */
const soon = () => new Date(Date.now() + 1_000);

// On PostgreSQL the concurrent cases use a second, independent pool (openSecond), as two worker
// processes would; on PGlite both senders share the one embedded database.
describe("outbox delivery", () => {
  it("keeps a message through an SMTP outage and delivers it exactly once when SMTP is back", async () => {
    const port = await freePort();
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    const m = message({ sensitive: true });
    const id = await enqueue(m);

    // SMTP is down: the attempt fails, the message stays and is rescheduled with backoff.
    const t1 = soon();
    expect(await deliverDueEmails({ database, transport, from: FROM, now: t1 })).toEqual({ sent: 0, failed: 1 });
    let row = await prisma().outboxEmail.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "PENDING", attempts: 1, sentAt: null, body: m.body });
    expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(row.nextAttemptAt.toISOString()).toBe(new Date(t1.getTime() + outboxBackoffMs(1)).toISOString());
    expect(outboxBackoffMs(1)).toBe(5_000);

    // Not due before the backoff has passed.
    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(t1.getTime() + 4_999) })).toEqual({ sent: 0, failed: 0 });

    // SMTP comes back on the same port.
    const mails = await capture(port);
    const t2 = new Date(t1.getTime() + 5_000);
    expect(await deliverDueEmails({ database, transport, from: FROM, now: t2 })).toEqual({ sent: 1, failed: 0 });
    row = await prisma().outboxEmail.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
    expect(row.sentAt?.toISOString()).toBe(t2.toISOString());
    // A sensitive body (it carries a code) is erased once delivered.
    expect(row.body).toBe("");

    // Nothing more to send, now or later.
    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(t2.getTime() + 1_000) })).toEqual({ sent: 0, failed: 0 });
    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(t2.getTime() + 24 * 3_600_000) })).toEqual({ sent: 0, failed: 0 });

    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: [m.to], from: "no-reply@example.jp", subject: m.subject, messageId: `<${id}@selfcare.invalid>` });
    expect(mails[0]!.text.trim()).toBe(m.body);
  });

  it("keeps the body of a message that carries no secret", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const m = message({ kind: "LOCKOUT" });
    const id = await enqueue(m);
    expect(await deliverDueEmails({ database, transport: smtpTransport(`smtp://127.0.0.1:${port}`), from: FROM, now: soon() })).toEqual({ sent: 1, failed: 0 });
    const row = await prisma().outboxEmail.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "SENT", sensitive: false, body: m.body, attempts: 1 });
    expect(mails).toHaveLength(1);
  });

  it("backs off 5 s, 10 s, 20 s … and gives up as FAILED after the last attempt", async () => {
    const port = await freePort();
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    const id = await enqueue(message());
    let now = soon();
    for (let attempt = 1; attempt <= OUTBOX_MAX_ATTEMPTS; attempt++) {
      expect(await deliverDueEmails({ database, transport, from: FROM, now })).toEqual({ sent: 0, failed: 1 });
      const row = await prisma().outboxEmail.findUniqueOrThrow({ where: { id } });
      expect(row.attempts).toBe(attempt);
      expect(row.status).toBe(attempt < OUTBOX_MAX_ATTEMPTS ? "PENDING" : "FAILED");
      expect(row.nextAttemptAt.getTime() - now.getTime()).toBe(outboxBackoffMs(attempt));
      now = row.nextAttemptAt;
    }
    expect([1, 2, 3, 4, 8, 9, 10].map(outboxBackoffMs)).toEqual([5_000, 10_000, 20_000, 40_000, 600_000, 600_000, 600_000]);
    // A failed message is left alone (and stays visible), even when SMTP is back.
    await capture(port);
    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(now.getTime() + 3_600_000) })).toEqual({ sent: 0, failed: 0 });
    expect(await prisma().outboxEmail.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "FAILED", attempts: OUTBOX_MAX_ATTEMPTS });
  });

  it("never sends a message whose transaction rolled back", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const m = message();
    await expect(
      prisma().$transaction(async (tx) => {
        await enqueueEmail(tx, m, new Date());
        throw new Error("the event failed");
      }),
    ).rejects.toThrow("the event failed");
    expect(await prisma().outboxEmail.count({ where: { toAddress: m.to } })).toBe(0);
    expect(await deliverDueEmails({ database, transport: smtpTransport(`smtp://127.0.0.1:${port}`), from: FROM, now: soon() })).toEqual({ sent: 0, failed: 0 });
    expect(mails).toHaveLength(0);
  });

  it("sends a due message once when two senders run at the same time", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const real = smtpTransport(`smtp://127.0.0.1:${port}`);
    // A slow SMTP hand-off widens the window in which a second sender could pick the message up.
    const slow: MailTransport = { sendMail: async (msg) => (await new Promise((r) => setTimeout(r, 150)), real.sendMail(msg)) };
    const second = database.openSecond ? database.openSecond() : database;
    if (second !== database) extraDatabases.push(second);

    const m = message();
    const id = await enqueue(m);
    const now = soon();
    const results = await Promise.all([
      deliverDueEmails({ database, transport: slow, from: FROM, now }),
      deliverDueEmails({ database: second, transport: slow, from: FROM, now }),
    ]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.failed, 0)).toBe(0);
    expect(mails.filter((x) => x.to.includes(m.to))).toHaveLength(1);
    expect(await prisma().outboxEmail.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "SENT", attempts: 1 });
  });

  it("shares a batch among concurrent senders: every message exactly once", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    const second = database.openSecond ? database.openSecond() : database;
    if (second !== database) extraDatabases.push(second);

    const batch = Array.from({ length: 12 }, () => message({ kind: "CHANGE_ACCEPTED" }));
    for (const m of batch) await enqueue(m);
    const now = soon();
    const senders = [database, second, database, second].map((d) => deliverDueEmails({ database: d, transport, from: FROM, now, batchSize: 4 }));
    const results = await Promise.all(senders);
    // Every message was taken by at most one sender; a straggler or two may be left for the next round.
    let total = results.reduce((n, r) => n + r.sent, 0);
    total += (await deliverDueEmails({ database, transport, from: FROM, now, batchSize: 50 })).sent;
    expect(total).toBe(batch.length);

    const received = mails.filter((x) => batch.some((m) => x.to.includes(m.to)));
    expect(received).toHaveLength(batch.length);
    expect(new Set(received.map((x) => x.messageId)).size).toBe(batch.length);
  });

  it("leaves a message another sender holds alone until its lease runs out", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    const id = await enqueue(message());
    const now = soon();
    // A sender claims the message and dies before sending (its SMTP hand-off never returns).
    const stuck: MailTransport = { sendMail: () => new Promise(() => undefined) };
    void deliverDueEmails({ database, transport: stuck, from: FROM, now });
    await expect.poll(async () => (await prisma().outboxEmail.findUniqueOrThrow({ where: { id } })).nextAttemptAt.getTime()).toBe(now.getTime() + OUTBOX_LEASE_MS);

    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(now.getTime() + OUTBOX_LEASE_MS - 1) })).toEqual({ sent: 0, failed: 0 });
    expect(await deliverDueEmails({ database, transport, from: FROM, now: new Date(now.getTime() + OUTBOX_LEASE_MS) })).toEqual({ sent: 1, failed: 0 });
    expect(mails).toHaveLength(1);
  });
});

/** The test database, except that a statement marking messages SENT is refused whenever `refuse()` says so. */
function refusingSentMarks(refuse: () => boolean, message: string): Database {
  const query: Database["sql"]["query"] = (sql, params) => (sql.includes("SET status = 'SENT'") && refuse() ? Promise.reject(new Error(message)) : database.sql.query(sql, params));
  return { ...database, sql: { ...database.sql, query } };
}

describe("outbox throughput and order (issue 19)", () => {
  /** Enqueues `m` as created at `createdAt` (order per recipient follows createdAt). */
  const enqueueAt = (m: OutgoingEmail, createdAt: Date) => prisma().$transaction((tx) => enqueueEmail(tx, m, createdAt));

  it("sends a recipient's messages in the order they were written, one per batch, whatever the concurrency", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 3 });
    const t = Date.now() - 60_000;
    const a = `order-a-${counter}@example.jp`;
    const b = `order-b-${counter}@example.jp`;
    // Written out of order on purpose: A3 first, then A1, A2 (by createdAt A1 < A2 < A3).
    await enqueueAt(message({ to: a, subject: "A3" }), new Date(t + 3));
    await enqueueAt(message({ to: a, subject: "A1" }), new Date(t + 1));
    await enqueueAt(message({ to: b, subject: "B1" }), new Date(t + 1));
    await enqueueAt(message({ to: a, subject: "A2" }), new Date(t + 2));
    await enqueueAt(message({ to: b, subject: "B2" }), new Date(t + 2));
    const now = soon();
    const rounds = [];
    for (let i = 0; i < 4; i++) rounds.push(await deliverDueEmails({ database, transport, from: FROM, now, batchSize: 50, concurrency: 8 }));
    transport.close?.();
    expect(rounds.map((r) => r.sent)).toEqual([2, 2, 1, 0]);
    expect(mails.filter((m) => m.to.includes(a)).map((m) => m.subject)).toEqual(["A1", "A2", "A3"]);
    expect(mails.filter((m) => m.to.includes(b)).map((m) => m.subject)).toEqual(["B1", "B2"]);
  });

  it("holds a recipient's later message back while an earlier one is retried, and lets it go once that one is given up", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const real = smtpTransport(`smtp://127.0.0.1:${port}`);
    const to = `hold-${counter}@example.jp`;
    const t = Date.now() - 60_000;
    const first = await enqueueAt(message({ to, subject: "first" }), new Date(t));
    await enqueueAt(message({ to, subject: "second" }), new Date(t + 1));
    const refusing: MailTransport = { sendMail: async (msg) => (msg.subject === "first" ? Promise.reject(new Error("550 mailbox busy")) : real.sendMail(msg)) };
    let now = soon();
    expect(await deliverDueEmails({ database, transport: refusing, from: FROM, now, batchSize: 10 })).toEqual({ sent: 0, failed: 1 });
    // "second" is due but waits behind "first" through every retry.
    for (let attempt = 2; attempt <= OUTBOX_MAX_ATTEMPTS; attempt++) {
      now = new Date(now.getTime() + outboxBackoffMs(attempt - 1) + 1_000);
      expect(await deliverDueEmails({ database, transport: refusing, from: FROM, now, batchSize: 10 })).toEqual({ sent: 0, failed: 1 });
    }
    expect(await prisma().outboxEmail.findUniqueOrThrow({ where: { id: first } })).toMatchObject({ status: "FAILED", attempts: OUTBOX_MAX_ATTEMPTS });
    expect(await deliverDueEmails({ database, transport: refusing, from: FROM, now, batchSize: 10 })).toEqual({ sent: 1, failed: 0 });
    expect(mails.filter((m) => m.to.includes(to)).map((m) => m.subject)).toEqual(["second"]);
  });

  it("a round that stops gives the batch it claimed ahead back at once: nothing waits out a lease", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 2 });
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i)));
    const now = soon();
    // Asked to stop after the first batch: the second (claimed while the first was sent) goes back.
    let batches = 0;
    const r = await drainDueEmails({ database, transport, from: FROM, now, batchSize: 10, concurrency: 4, stopping: () => ++batches > 1 });
    expect(r.sent).toBe(10);
    const left = await prisma().outboxEmail.findMany({ where: { id: { in: ids }, status: "PENDING" } });
    expect(left).toHaveLength(20);
    // Due again by the round's clock (a moment after `now`), not a lease (two minutes) away…
    for (const m of left) expect(m.nextAttemptAt.getTime()).toBeLessThan(now.getTime() + 60_000);
    // …so the next round, a minute later, sends them all.
    expect((await drainDueEmails({ database, transport, from: FROM, now: new Date(now.getTime() + 60_000), batchSize: 10, concurrency: 4 })).sent).toBe(20);
    transport.close?.();
    expect(new Set(mails.filter((m) => ids.some((id) => m.messageId?.includes(id))).map((m) => m.messageId)).size).toBe(30);
  });

  it("one sender draining many full batches (each claimed while the one before is sent) keeps a busy recipient's order", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 3 });
    const busy = `ahead-${counter}@example.jp`;
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      for (let k = 0; k < 9; k++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i * 10 + k)));
      ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED", to: busy, subject: `ahead ${i}` }), new Date(t + i * 10 + 9)));
    }
    const now = soon();
    const ours = () => prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT" } });
    let rounds = 0;
    while (rounds++ < 12 && (await ours()) < 80) await drainDueEmails({ database, transport, from: FROM, now, batchSize: 10, concurrency: 5 });
    transport.close?.();
    // One round per message of the busy recipient (one per batch), each round several batches.
    expect(rounds).toBeLessThanOrEqual(9);
    expect(mails.filter((m) => m.to.includes(busy)).map((m) => m.subject)).toEqual(Array.from({ length: 8 }, (_, i) => `ahead ${i}`));
    expect(await prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT", attempts: 1 } })).toBe(80);
  });

  it("a mark that fails fails the round, instead of being lost behind the next batch", async () => {
    const port = await freePort();
    await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 2 });
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i)));
    const now = soon();
    // The database refuses the SENT marks only; claims and releases go through.
    const refusingMarks = refusingSentMarks(() => true, "marks refused");
    await expect(drainDueEmails({ database: refusingMarks, transport, from: FROM, now, batchSize: 10, concurrency: 4 })).rejects.toThrow("marks refused");
    transport.close?.();
    // Nothing marked SENT and nothing lost: every message is still PENDING (those handed to SMTP come
    // back after their lease, with the same Message-ID; those claimed ahead were given back).
    const rows = await prisma().outboxEmail.findMany({ where: { id: { in: ids } } });
    expect(rows.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => "PENDING"));
    // Clean up for the next tests: these were handed to SMTP; retire them.
    await prisma().outboxEmail.updateMany({ where: { id: { in: ids } }, data: { status: "FAILED" } });
  });

  it("a sender whose lease ran out cannot give back rows another sender has claimed since (the lease is a fencing token)", async () => {
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i)));
    const subjects = new Map(await Promise.all(ids.map(async (id) => [id, (await prisma().outboxEmail.findUniqueOrThrow({ where: { id } })).subject] as const)));
    const mine = (m: { subject: string }) => [...subjects.values()].includes(m.subject);
    let openFirst!: () => void;
    const first = new Promise<void>((resolve) => (openFirst = resolve));
    const now = soon();
    // Sender 1: its first batch hangs at the relay, the batch after it claimed ahead meanwhile.
    let stop = false;
    const one = drainDueEmails({ database, transport: { sendMail: async () => first }, from: FROM, now, batchSize: 10, concurrency: 10, stopping: () => stop });
    await expect.poll(async () => prisma().outboxEmail.count({ where: { id: { in: ids }, nextAttemptAt: { gt: new Date(now.getTime() + 60_000) } } })).toBe(20);
    // Three minutes later by the database's clock every lease has run out: sender 2 claims all 20 and hangs too.
    const later = new Date(now.getTime() + 3 * 60_000);
    let openSecond!: () => void;
    const second = new Promise<void>((resolve) => (openSecond = resolve));
    const two = deliverDueEmails({ database, transport: { sendMail: async () => second }, from: FROM, now: later, batchSize: 50, concurrency: 50 });
    await expect.poll(async () => prisma().outboxEmail.count({ where: { id: { in: ids }, nextAttemptAt: { gt: new Date(later.getTime() + 60_000) } } })).toBe(20);
    // Sender 1's relay lets go and its round ends: it gives back the batch it claimed ahead — which is sender 2's now.
    stop = true;
    openFirst();
    await one;
    // A third sender a second later finds nothing of sender 2's free to take.
    const sentByThird: string[] = [];
    const three = await deliverDueEmails({ database, transport: { sendMail: async (m) => void (mine(m) && sentByThird.push(m.subject)) }, from: FROM, now: new Date(later.getTime() + 1_000), batchSize: 50 });
    openSecond();
    await two;
    expect(sentByThird).toEqual([]);
    expect(three.sent).toBe(0);
    expect(await prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT" } })).toBe(20);
  });

  it("one refused address does not end the round: the rest of a burst goes on, batch after batch", async () => {
    const port = await freePort();
    await capture(port);
    const real = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 2 });
    const t = Date.now() - 60_000;
    const bad = `refused-${counter}@example.jp`;
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED", ...(i % 10 === 0 ? { to: `${bad}.${i}` } : {}) }), new Date(t + i)));
    const refusing: MailTransport = { sendMail: async (m) => (m.to.startsWith(bad) ? Promise.reject(new Error("550 no such user")) : real.sendMail(m)) };
    // One round (batches of 10, one refused address in each) sends all the others.
    const r = await drainDueEmails({ database, transport: refusing, from: FROM, now: soon(), batchSize: 10, concurrency: 4 });
    real.close?.();
    expect(r).toMatchObject({ sent: 36, failed: 4 });
    expect(await prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT" } })).toBe(36);
    await prisma().outboxEmail.updateMany({ where: { id: { in: ids }, status: "PENDING" }, data: { status: "FAILED" } });
  });

  it("a refused mark in the middle of a batch neither stops the batch's other marks nor escapes as an unhandled rejection", async () => {
    const port = await freePort();
    await capture(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 3 });
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i)));
    let marks = 0;
    const firstMarkRefused = refusingSentMarks(() => marks++ === 0, "first mark refused");
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      await expect(deliverDueEmails({ database: firstMarkRefused, transport, from: FROM, now: soon(), batchSize: 250, concurrency: 20 })).rejects.toThrow("first mark refused");
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      process.off("unhandledRejection", onUnhandled);
      transport.close?.();
    }
    expect(unhandled).toEqual([]);
    // 250 handed over: marks of 100, 100 and 50; only the first was refused.
    expect(marks).toBe(3);
    expect(await prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT" } })).toBe(150);
    await prisma().outboxEmail.updateMany({ where: { id: { in: ids }, status: "PENDING" }, data: { status: "FAILED" } });
  });

  it("two senders draining 300 messages in parallel batches send each exactly once, a busy recipient's in order", async () => {
    const port = await freePort();
    const mails = await capture(port);
    const second = database.openSecond ? database.openSecond() : database;
    if (second !== database) extraDatabases.push(second);
    const busy = `busy-${counter}@example.jp`;
    const t = Date.now() - 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 280; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED" }), new Date(t + i)));
    for (let i = 0; i < 20; i++) ids.push(await enqueueAt(message({ kind: "CHANGE_APPLIED", to: busy, subject: `busy ${String(i).padStart(2, "0")}` }), new Date(t + i)));
    const now = soon();
    const transports = [smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 4 }), smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 4 })];
    let sent = 0;
    // Rounds of both senders at once until nothing is left (the busy recipient needs 20 rounds).
    for (let round = 0; round < 40; round++) {
      const rs = await Promise.all([database, second].map((d, i) => drainDueEmails({ database: d, transport: transports[i]!, from: FROM, now, batchSize: 50, concurrency: 10 })));
      const n = rs.reduce((x, r) => x + r.sent, 0);
      sent += n;
      if (n === 0) break;
    }
    for (const tr of transports) tr.close?.();
    expect(sent).toBeGreaterThanOrEqual(300);
    const ours = mails.filter((m) => m.messageId && ids.some((id) => m.messageId!.includes(id)));
    expect(ours).toHaveLength(300);
    expect(new Set(ours.map((m) => m.messageId)).size).toBe(300);
    expect(mails.filter((m) => m.to.includes(busy)).map((m) => m.subject)).toEqual(Array.from({ length: 20 }, (_, i) => `busy ${String(i).padStart(2, "0")}`));
    expect(await prisma().outboxEmail.count({ where: { id: { in: ids }, status: "SENT", attempts: 1 } })).toBe(300);
  });
});
