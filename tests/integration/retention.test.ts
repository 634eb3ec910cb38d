import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetClock, setClockTo } from "@/lib/clock";
import { renderMetrics } from "@/lib/metrics";
import { runRetention, type RetentionPolicy } from "@/lib/retention";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// The retention job (issue 19, item 2) on PGlite and PostgreSQL: rows on both sides of every cutoff,
// a batch size smaller than what is due (so every step runs several batches), and the exact set of
// survivors checked table by table — what the policy says goes, everything else stays.
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date("2027-06-01T03:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const POLICY: RetentionPolicy = { auditDays: 400, emailDays: 180, emailBodyDays: 30, challengeHours: 24, sessionHours: 24, rateLimitHours: 1, batchSize: 2, maxBatches: 100 };

let database: TestDatabase;
const q = <R = Record<string, unknown>>(sql: string, params?: unknown[]) => database.sql.query<R>(sql, params);
const customerId = randomUUID();
const lineId = randomUUID();
const otherLineId = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase();
  await q(`INSERT INTO "Customer" (id, "selfcareId", "passwordHash", email) VALUES ($1, 'ret0001', 'x', 'ret0001@example.jp')`, [customerId]);
  await q(`INSERT INTO "Line" (id, number, "customerId", service, "passwordHash") VALUES ($1, '05099990001', $3, 'IP_PHONE', 'x'), ($2, '05099990002', $3, 'B2BUA', 'x')`, [lineId, otherLineId, customerId]);
});
afterAll(async () => {
  resetClock();
  await database?.close();
});

async function audit(tag: string, at: Date) {
  await q(`INSERT INTO "AuditEvent" (at, type, actor, "customerId", details) VALUES ($1, 'LOGIN_SUCCESS', 'customer', $2, $3)`, [at, customerId, JSON.stringify({ tag })]);
}
async function email(tag: string, createdAt: Date, status: "PENDING" | "SENT" | "FAILED", body = `body ${tag}`) {
  await q(`INSERT INTO "OutboxEmail" (kind, "toAddress", subject, body, status, "createdAt", "sentAt", "customerId") VALUES ('CHANGE_APPLIED', 'ret0001@example.jp', $1, $2, $3::"OutboxStatus", $4, $5, $6)`, [
    tag,
    body,
    status,
    createdAt,
    status === "SENT" ? createdAt : null,
    customerId,
  ]);
}
async function change(tag: string, line: string, createdAt: Date, status: string) {
  await q(
    `INSERT INTO "PasswordChange" (id, "lineId", "idempotencyKey", "requestedAt", "dueAt", deadline, status, "nextAttemptAt", "createdAt", "lastError", credential)
     VALUES ($1, $2, $3, $4, $4, $4, $5::"ChangeStatus", $4, $4, $6, $7)`,
    [randomUUID(), line, `ret-${tag}`, createdAt, status, tag, status === "PENDING" ? "v1.sealed-test-value" : null],
  );
}
async function challenge(tag: string, expiresAt: Date, consumed: boolean) {
  await q(`INSERT INTO "LoginChallenge" ("customerId", "codeHash", "expiresAt", "lastSentAt", "consumedAt", "createdAt") VALUES ($1, $2, $3, $3, $4, $3)`, [customerId, tag, expiresAt, consumed ? expiresAt : null]);
}
async function session(tag: string, lastSeenAt: Date, revokedAt: Date | null) {
  await q(`INSERT INTO "AuthSession" (id, "customerId", "createdAt", "lastSeenAt", "revokedAt") VALUES ($1, $2, $3, $3, $4)`, [tag, customerId, lastSeenAt, revokedAt]);
}

describe(`retention on ${testDbKind}`, () => {
  it("deletes exactly what the policy says, in batches, and nothing else; a second run finds nothing", async () => {
    // Audit: 400 days.
    for (const d of [800, 500, 401, 400.9]) await audit(`old-${d}`, ago(d * DAY));
    for (const d of [399.9, 200, 0]) await audit(`keep-${d}`, ago(d * DAY));
    // Emails: rows after 180 days unless still PENDING; bodies after 30 days unless PENDING (the
    // bodies step runs first, so the two old rows count as erased bodies too).
    await email("row-old-sent", ago(181 * DAY), "SENT");
    await email("row-old-failed", ago(200 * DAY), "FAILED");
    await email("row-old-pending", ago(300 * DAY), "PENDING");
    await email("body-old-sent", ago(31 * DAY), "SENT");
    await email("body-old-sent-2", ago(100 * DAY), "SENT");
    await email("body-old-failed", ago(45 * DAY), "FAILED");
    await email("body-old-pending", ago(45 * DAY), "PENDING");
    await email("body-new-sent", ago(29 * DAY), "SENT");
    await email("code-erased", ago(60 * DAY), "SENT", "");
    // Changes: as long as the audit; never PENDING, never a line's newest APPLIED.
    await change("old-applied-superseded-by-newer-applied", lineId, ago(600 * DAY), "APPLIED");
    await change("old-superseded", lineId, ago(550 * DAY), "SUPERSEDED");
    await change("old-failed", lineId, ago(500 * DAY), "FAILED");
    await change("old-cancelled", lineId, ago(450 * DAY), "CANCELLED");
    await change("old-newest-applied-of-line", lineId, ago(420 * DAY), "APPLIED");
    await change("new-applied", otherLineId, ago(10 * DAY), "APPLIED");
    await change("old-applied-other", otherLineId, ago(700 * DAY), "APPLIED");
    await change("old-pending", otherLineId, ago(410 * DAY), "PENDING");
    await change("recent-failed", lineId, ago(399 * DAY), "FAILED");
    // Challenges: 24 hours after they expired.
    await challenge("ch-old-consumed", ago(25 * HOUR), true);
    await challenge("ch-old-open", ago(48 * HOUR), false);
    await challenge("ch-old-2", ago(30 * DAY), false);
    await challenge("ch-recent-expired", ago(23 * HOUR), false);
    await challenge("ch-open", new Date(NOW.getTime() + 5 * 60_000), false);
    // Sessions: 24 hours after they ended (last seen + 30 minutes idle).
    const s = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    await session(s(1), ago(25 * HOUR), null);
    await session(s(2), ago(26 * HOUR), ago(26 * HOUR));
    await session(s(3), ago(90 * DAY), null);
    await session(s(4), ago(24 * HOUR), ago(24 * HOUR)); // ended 23.5 h ago by its idle limit: kept
    await session(s(5), ago(2 * HOUR), ago(2 * HOUR)); // revoked 2 h ago: kept
    await session(s(6), ago(60_000), null); // alive
    // Rate-limit counters: 1 hour after their window.
    await q(`INSERT INTO "RateLimiterFlexible" (key, points, expire) VALUES ('rl-old', 3, $1), ('rl-old-2', 1, $2), ('rl-recent', 2, $3), ('rl-live', 1, $4), ('rl-forever', 1, NULL)`, [
      ago(2 * HOUR),
      ago(10 * DAY),
      ago(30 * 60_000),
      new Date(NOW.getTime() + HOUR),
    ]);

    const r = await runRetention(database, { now: NOW, policy: POLICY });
    expect(r).toEqual({ rate_limit: 2, login_challenge: 3, auth_session: 3, outbox_body: 5, outbox_email: 2, audit_event: 4, password_change: 5 });

    const tags = async (sql: string) => (await q<{ t: string }>(sql)).map((x) => x.t).sort();
    expect(await tags(`SELECT details->>'tag' AS t FROM "AuditEvent"`)).toEqual(["keep-0", "keep-200", "keep-399.9"]);
    expect(await tags(`SELECT subject AS t FROM "OutboxEmail"`)).toEqual(["body-new-sent", "body-old-failed", "body-old-pending", "body-old-sent", "body-old-sent-2", "code-erased", "row-old-pending"]);
    expect(await tags(`SELECT subject AS t FROM "OutboxEmail" WHERE body <> ''`)).toEqual(["body-new-sent", "body-old-pending", "row-old-pending"]);
    expect(await tags(`SELECT "lastError" AS t FROM "PasswordChange"`)).toEqual(["new-applied", "old-newest-applied-of-line", "old-pending", "recent-failed"]);
    expect(await tags(`SELECT "codeHash" AS t FROM "LoginChallenge"`)).toEqual(["ch-open", "ch-recent-expired"]);
    expect(await tags(`SELECT id::text AS t FROM "AuthSession"`)).toEqual([s(4), s(5), s(6)]);
    expect(await tags(`SELECT key AS t FROM "RateLimiterFlexible"`)).toEqual(["rl-forever", "rl-live", "rl-recent"]);
    // The customer and lines are untouched.
    expect(await q(`SELECT count(*)::int AS n FROM "Line"`)).toEqual([{ n: 2 }]);

    expect(Object.values(await runRetention(database, { now: NOW, policy: POLICY })).every((n) => n === 0)).toBe(true);
  });

  it("keeps the audit and the change history forever with RETENTION_AUDIT_DAYS=0, and stops at maxBatches", async () => {
    await audit("ancient", ago(5000 * DAY));
    await change("ancient-superseded", lineId, ago(5000 * DAY), "SUPERSEDED");
    for (let i = 0; i < 7; i++) await challenge(`bulk-${i}`, ago((100 + i) * DAY), false);
    const r = await runRetention(database, { now: NOW, policy: { ...POLICY, auditDays: 0, maxBatches: 2 } });
    expect(r).toMatchObject({ audit_event: 0, password_change: 0, login_challenge: 4 });
    expect(await q(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE details->>'tag' = 'ancient'`)).toEqual([{ n: 1 }]);
    // The rest waits for the next run.
    expect((await runRetention(database, { now: NOW, policy: { ...POLICY, auditDays: 0 } })).login_challenge).toBe(3);
  });

  it("reports rows deleted and the age of the oldest row kept in /metrics", async () => {
    setClockTo(NOW);
    const { body } = await renderMetrics(database);
    expect(body).toMatch(/selfcare_retention_deleted_total\{[^}]*target="audit_event"[^}]*\} 4/);
    expect(body).toMatch(/selfcare_retention_deleted_total\{[^}]*target="login_challenge"[^}]*\} 10/);
    const age = Number(/selfcare_retention_oldest_row_age_seconds\{[^}]*target="audit_event"[^}]*\} (\S+)/.exec(body)?.[1]);
    expect(age).toBeCloseTo(5000 * 86_400, -1);
    expect(body).toMatch(/selfcare_retention_period_seconds\{[^}]*target="audit_event"[^}]*\} 34560000/);
  });
});
