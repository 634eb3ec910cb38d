import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import type { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueEmail } from "@/lib/mail/outbox";
import { startSmtpCapture, type CapturedMail } from "../fixtures/mail-capture";
import { freePort } from "../fixtures/net";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MESSAGES = 30;

let database: TestDatabase;
const smtps: SMTPServer[] = [];
const children: ChildProcess[] = [];

function startSender(url: string, smtpPort: number, appNow: Date): Promise<ChildProcess> {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["tests/fixtures/outbox-sender-process.ts"], {
    cwd: ROOT,
    env: { ...process.env, APP_ENV: "test", DATABASE_URL: url, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, APP_NOW: appNow.toISOString(), OUTBOX_POLL_MS: "50", LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const stderr: string[] = [];
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sender exited (${code}) before it was ready: ${stderr.join("")}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("ready ")) resolve(child);
    });
  });
}

const stopped = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

describe.skipIf(testDbKind !== "postgres")("outbox senders on hosts whose clocks differ (PostgreSQL only: PGlite is one process by design)", () => {
  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(children.map(stopped));
    await Promise.all(smtps.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    await database?.close();
  });

  it("two sender processes whose clocks are 5 minutes apart send each email exactly once (one behind a slow SMTP server)", async () => {
    const received: CapturedMail[] = [];
    // Host A's SMTP relay takes 800 ms a message, host B's answers at once: B runs out of work
    // while A still holds leased messages in flight — the moment a sender could take another's.
    const [slowPort, fastPort] = [await freePort(), await freePort()];
    smtps.push(await startSmtpCapture(slowPort, (m) => received.push(m), { delayMs: 800 }));
    smtps.push(await startSmtpCapture(fastPort, (m) => received.push(m)));
    await database.prisma.$transaction(async (tx) => {
      for (let i = 0; i < MESSAGES; i++) {
        await enqueueEmail(tx, { kind: "CHANGE_APPLIED", to: `clocks${i}@example.jp`, subject: `clocks ${i}`, body: `body ${i}` }, new Date());
      }
    });
    const real = Date.now();
    // Host A's clock is right; host B's runs 5 minutes ahead (more than the 2-minute lease).
    await Promise.all([startSender(database.url!, slowPort, new Date(real)), startSender(database.url!, fastPort, new Date(real + 5 * 60_000))]);

    await expect
      .poll(async () => Number((await database.sql.query<{ n: string }>(`SELECT count(*) AS n FROM "OutboxEmail" WHERE status = 'SENT'`))[0]!.n), { timeout: 60_000, interval: 200 })
      .toBe(MESSAGES);
    // Anything sent twice would have reached a capture by now (a send takes at most 800 ms).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const byId = new Map<string, number>();
    for (const m of received) byId.set(m.messageId ?? "", (byId.get(m.messageId ?? "") ?? 0) + 1);
    expect([...byId.values()].filter((n) => n > 1)).toEqual([]);
    expect(received).toHaveLength(MESSAGES);
    expect(byId.size).toBe(MESSAGES);
  });
});
