import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { startLogin } from "@/lib/auth/login";
import { hashSecret } from "@/lib/auth/password";
import type { Database } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// Two application processes share one PostgreSQL database; here they are two independent clients
// (two pools) in one test process, and each call is given the one it goes through.
// PGlite is an embedded, single-process database by design, so there is no second client to open.
const MIN = 60_000;
const T0 = new Date("2026-11-25T05:00:00.000Z");
const NO_IP: ClientInfo = { ip: null, userAgent: "two-clients test" };

describe.skipIf(testDbKind !== "postgres")("lockout holds across two database clients (PostgreSQL only: PGlite is single-process by design)", () => {
  let first: TestDatabase;
  let second: Database;

  beforeAll(async () => {
    first = await createTestDatabase();
    second = first.openSecond!();
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  async function seed() {
    const selfcareId = `two${randomBytes(4).toString("hex")}`;
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    const c = await first.prisma.customer.create({ data: { selfcareId, email: `${selfcareId}@example.jp`, passwordHash: await hashSecret(password) } });
    return { id: c.id, selfcareId, password, email: `${selfcareId}@example.jp` };
  }

  /** Runs startLogin through the client `via`, returning the error code (or "OK"). */
  async function attempt(via: Database, loginId: string, password: string, now: Date, client: ClientInfo = NO_IP): Promise<string> {
    try {
      await startLogin(via, { kind: "customer", loginId, password, now, client });
      return "OK";
    } catch (error) {
      if (error instanceof AppError) return error.code;
      throw error;
    }
  }

  it("uses two separate connections", async () => {
    const pid = async (d: Database) => (await d.sql.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))[0]!.pid;
    expect(await pid(first)).not.toBe(await pid(second));
  });

  it("locks after 5 wrong passwords alternating between the clients, and both see the lock", async () => {
    const c = await seed();
    const clients = [first, second] as const;
    for (let i = 0; i < 4; i++) {
      expect(await attempt(clients[i % 2]!, c.selfcareId, `wrong-${i}`, T0)).toBe("INVALID_CREDENTIALS");
      // Each client sees the count the other one left.
      const seen = await Promise.all(clients.map((d) => d.prisma.customer.findUniqueOrThrow({ where: { id: c.id } })));
      expect(seen.map((s) => s.failedLoginCount)).toEqual([i + 1, i + 1]);
      expect(seen.map((s) => s.lockedUntil)).toEqual([null, null]);
    }
    expect(await attempt(first, c.selfcareId, "wrong-4", T0)).toBe("INVALID_CREDENTIALS");

    const until = new Date(T0.getTime() + 15 * MIN).toISOString();
    for (const d of clients) {
      const row = await d.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row.lockedUntil?.toISOString()).toBe(until);
      expect(row.lockoutCount).toBe(1);
    }
    expect(await first.prisma.auditEvent.count({ where: { customerId: c.id, type: "LOCKOUT" } })).toBe(1);
    expect(await second.prisma.outboxEmail.count({ where: { customerId: c.id, kind: "LOCKOUT" } })).toBe(1);

    // The right password is refused through either client while the lock lasts, and no code is sent.
    expect(await attempt(second, c.selfcareId, c.password, new Date(T0.getTime() + MIN))).toBe("INVALID_CREDENTIALS");
    expect(await attempt(first, c.selfcareId, c.password, new Date(T0.getTime() + 14 * MIN))).toBe("INVALID_CREDENTIALS");
    expect(await first.prisma.loginChallenge.count({ where: { customerId: c.id } })).toBe(0);

    // After the lock, either client lets the right password through.
    expect(await attempt(second, c.selfcareId, c.password, new Date(T0.getTime() + 15 * MIN))).toBe("OK");
  });

  it("locks exactly once when 5 wrong passwords arrive at the same time through both clients", async () => {
    const c = await seed();
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => attemptConcurrently(i % 2 === 0 ? first : second, c.selfcareId, `burst-${i}`)));
    expect(results).toEqual(Array(5).fill("INVALID_CREDENTIALS"));
    const row = await second.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.lockedUntil?.toISOString()).toBe(new Date(T0.getTime() + 15 * MIN).toISOString());
    expect(row).toMatchObject({ failedLoginCount: 0, lockoutCount: 1 });
    expect(await first.prisma.auditEvent.count({ where: { customerId: c.id, type: "LOCKOUT" } })).toBe(1);
    expect(await first.prisma.auditEvent.count({ where: { customerId: c.id, type: "LOGIN_FAILED" } })).toBe(5);
  });

  // A failure counts only while the account is unlocked and the counters are read under the row
  // lock, so a burst locks once (this was a known gap, fixed; docs/security.md).
  it("locks once, not twice, when a burst of 12 wrong passwords arrives through both clients", async () => {
    const c = await seed();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => attemptConcurrently(i % 2 === 0 ? first : second, c.selfcareId, `burst-${i}`)));
    expect(results).toEqual(Array(12).fill("INVALID_CREDENTIALS"));
    const row = await second.prisma.customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.lockedUntil?.toISOString()).toBe(new Date(T0.getTime() + 15 * MIN).toISOString());
    // Attempts that land while the lock is in force neither count towards a next lock nor repeat this one.
    expect(row).toMatchObject({ failedLoginCount: 0, lockoutCount: 1 });
    expect(await first.prisma.auditEvent.count({ where: { customerId: c.id, type: "LOCKOUT" } })).toBe(1);
    expect(await first.prisma.outboxEmail.count({ where: { customerId: c.id, kind: "LOCKOUT" } })).toBe(1);
  });

  // Simultaneous calls, each through its own client for its whole duration.
  async function attemptConcurrently(via: Database, loginId: string, password: string): Promise<string> {
    return startLogin(via, { kind: "customer", loginId, password, now: T0, client: NO_IP }).then(
      () => "OK",
      (e: unknown) => (e instanceof AppError ? e.code : Promise.reject(e)),
    );
  }

  it("shares the per-address login budget between the clients", async () => {
    const c = await seed();
    const client = { ip: "198.51.100.99", userAgent: "two-clients test" };
    for (let i = 0; i < 30; i++) {
      expect(await attempt(i % 2 === 0 ? first : second, `ghost-${i}`, "x", T0, client)).toBe("INVALID_CREDENTIALS");
    }
    expect(await attempt(first, c.selfcareId, c.password, T0, client)).toBe("RATE_LIMITED");
    expect(await attempt(second, c.selfcareId, c.password, T0, client)).toBe("RATE_LIMITED");
  });
});
