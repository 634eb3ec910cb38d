import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { log } from "@/lib/log";
import { enqueueEmail } from "@/lib/mail/outbox";
import { deliverDueEmails, OUTBOX_MAX_ATTEMPTS } from "@/lib/mail/sender";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// An SMTP outage used to log one warning per queued message per round (2,624 in a minute): now one
// line per delivery round with the count; a message given up is still logged on its own.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe("outbox sender logs during an SMTP outage", () => {
  it("one warning per round with the count of failed messages, and one error per message given up", async () => {
    const now = new Date("2026-11-25T05:00:00.000Z");
    for (let i = 0; i < 7; i++) await enqueueEmail(database.prisma, { kind: "LOGIN_CODE", to: `u${i}@example.jp`, subject: "s", body: "b" }, now);
    await database.sql.query(`UPDATE "OutboxEmail" SET "nextAttemptAt" = $1`, [now]);
    // two of them are at their last attempt
    await database.sql.query(`UPDATE "OutboxEmail" SET attempts = $1 WHERE "toAddress" IN ('u0@example.jp', 'u1@example.jp')`, [OUTBOX_MAX_ATTEMPTS - 1]);
    const warn = vi.spyOn(log, "warn");
    const error = vi.spyOn(log, "error");
    const down = { sendMail: () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:25"), { code: "ECONNREFUSED" })) };

    const r = await deliverDueEmails({ database, transport: down, from: "x@example.jp", now });
    expect(r).toEqual({ sent: 0, failed: 7 });
    expect(warn.mock.calls).toEqual([[{ failed: 5, err: "connect ECONNREFUSED 127.0.0.1:25" }, "emails send failed, will retry"]]);
    expect(error.mock.calls.map((c) => c[1])).toEqual(["email given up", "email given up"]);
  });
});
