import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { changeLinePassword, type Customer } from "@/lib/lines/change-password";
import { log } from "@/lib/log";
import type { Provisioner, ProvisionItem } from "@/lib/provisioning";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { drainDueChanges, runReflectionBatch, type WorkerOptions } from "@/lib/reflection/worker";
import { createTestCustomer } from "@/testing/data";
import { freeNumbers, installTestSecrets, provisionItemsOf, seedDueChanges, TEST_REALM } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";
import { md5 } from "../helpers/md5";

const KEY = installTestSecrets();
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const T0 = new Date("2026-11-25T05:00:00.000Z"); // 14:00 in Japan
const at = (ms: number, from = T0) => new Date(from.getTime() + ms);

let database: TestDatabase;
const prisma = () => database.prisma;

beforeAll(async () => {
  database = await createTestDatabase();
});

// Every test starts with no work waiting, so batch counts are exact: what a test leaves PENDING
// (on purpose) is retired here.
afterEach(async () => {
  await database.sql.query(`UPDATE "PasswordChange" SET status = 'SUPERSEDED', credential = NULL WHERE status = 'PENDING'`);
});

afterAll(async () => {
  await database?.close();
});

function options(now: Date, overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return { database, provisioner: internalProvisioner, credentialKey: KEY, now, batchSize: 50, maxAttempts: 5, ...overrides };
}

/** The internal provisioner, recording which changes it was handed. */
function recording(): Provisioner & { seen: string[] } {
  const seen: string[] = [];
  return {
    name: "internal",
    seen,
    async provision(items, ctx) {
      seen.push(...items.map((i) => i.changeId));
      await internalProvisioner.provision(items, ctx);
    },
  };
}

const count = async (sql: string, params: unknown[]) => Number((await database.sql.query<{ n: number | string }>(sql, params))[0]!.n);
const audits = (type: string, changeId: string) => count(`SELECT count(*) AS n FROM "AuditEvent" WHERE type = $1 AND details->>'changeId' = $2`, [type, changeId]);
const registrar = (number: string) => prisma().registrarCredential.findUnique({ where: { username: number } });

let customerSeq = 0;
/** A customer with one line, through the same fixture the e2e tests use (real argon2 hashes). */
async function customerWithLine(service: "IP_PHONE" | "B2BUA") {
  customerSeq++;
  const selfcareId = `refl${testDbKind}${customerSeq}${randomUUID().slice(0, 6)}`;
  const [number] = await freeNumbers(database, 1);
  const email = `${selfcareId}@example.jp`;
  const { id } = await createTestCustomer(database, { selfcareId, password: "Selfcare-Pw-1", email, locale: "ja", lines: [{ number: number!, service, password: "oldpass1" }] });
  const customer: Customer = { id, loginId: selfcareId, email, locale: "ja" };
  return { customer, number: number!, email };
}

async function requestChange(c: Awaited<ReturnType<typeof customerWithLine>>, currentPassword: string, newPassword: string, now: Date) {
  return changeLinePassword(database, {
    customer: c.customer,
    number: c.number,
    currentPassword,
    newPassword,
    idempotencyKey: randomUUID(),
    now,
    client: { ip: null, userAgent: "reflection test" },
  });
}

describe(`reflection worker on ${testDbKind}`, () => {
  it("applies an IP_PHONE change as soon as it is due: APPLIED, credential erased, registrar row, audit and email", async () => {
    const c = await customerWithLine("IP_PHONE");
    const accepted = await requestChange(c, "oldpass1", "newpass1", T0);
    expect(accepted.dueAt).toEqual(T0);
    const pending = await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } });
    expect(pending.status).toBe("PENDING");
    expect(pending.credential).toBeTruthy();
    // The sealed material carries HA1 values, never the password itself.
    expect(pending.credential).not.toContain("newpass1");

    const r = await runReflectionBatch(options(T0));
    expect(r).toMatchObject({ applied: 1, failed: 0, gaveUp: 0 });

    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } });
    expect(row.status).toBe("APPLIED");
    expect(row.appliedAt).toEqual(T0);
    expect(row.appliedAt!.getTime()).toBeLessThanOrEqual(row.deadline.getTime());
    expect(row.credential).toBeNull();
    expect(row.lastError).toBeNull();

    const reg = await registrar(c.number);
    expect(reg).toMatchObject({
      realm: TEST_REALM,
      ha1: md5(`${c.number}:${TEST_REALM}:newpass1`),
      ha1b: md5(`${c.number}@${TEST_REALM}:${TEST_REALM}:newpass1`),
      lastChangeId: accepted.changeId,
    });
    expect(reg!.ha1).not.toBe(md5(`${c.number}:${TEST_REALM}:oldpass1`));

    const audit = await prisma().auditEvent.findMany({ where: { type: "CHANGE_APPLIED", lineNumber: c.number } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: "system", customerId: c.customer.id, at: T0, details: { changeId: accepted.changeId } });
    const mails = await prisma().outboxEmail.findMany({ where: { customerId: c.customer.id, kind: "CHANGE_APPLIED" } });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.toAddress).toBe(c.email);
    expect(mails[0]!.subject).toContain("反映が完了しました");
    expect(mails[0]!.body).toContain(c.number);
    expect(mails[0]!.body).not.toContain("newpass1");

    // Nothing more to do afterwards: a later batch changes nothing.
    const again = await runReflectionBatch(options(at(MIN)));
    expect(again.claimed).toBe(0);
    expect(await audits("CHANGE_APPLIED", accepted.changeId)).toBe(1);
  });

  it("never applies a B2BUA change before its reflection time (17:30), and applies it at 17:30:00.000", async () => {
    const c = await customerWithLine("B2BUA");
    const accepted = await requestChange(c, "oldpass1", "b2bnew01", T0);
    const due = new Date("2026-11-25T08:30:00.000Z"); // 17:30 in Japan
    expect(accepted.dueAt).toEqual(due);

    const early = recording();
    const before = await runReflectionBatch(options(at(-1, due), { provisioner: early }));
    expect(before.claimed).toBe(0);
    expect(early.seen).not.toContain(accepted.changeId);
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } })).status).toBe("PENDING");
    expect(await registrar(c.number)).toBeNull();

    const onTime = recording();
    const r = await runReflectionBatch(options(due, { provisioner: onTime }));
    expect(r.applied).toBe(1);
    expect(onTime.seen).toEqual([accepted.changeId]);
    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } });
    expect(row).toMatchObject({ status: "APPLIED", appliedAt: due, credential: null });
    expect((await registrar(c.number))?.ha1).toBe(md5(`${c.number}:${TEST_REALM}:b2bnew01`));
  });

  it("never applies a SUPERSEDED change: only the newer password reaches the registrar", async () => {
    const c = await customerWithLine("B2BUA");
    const first = await requestChange(c, "oldpass1", "first001", T0);
    const second = await requestChange(c, "first001", "second01", at(10 * MIN));
    const due = second.dueAt;
    expect(first.dueAt).toEqual(due);
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: first.changeId } })).status).toBe("SUPERSEDED");

    const p = recording();
    const total = await drainDueChanges(options(at(HOUR, due), { provisioner: p }));
    // Only the newer change is even claimed.
    expect(total).toEqual({ claimed: 1, applied: 1, failed: 0, gaveUp: 0 });
    expect(p.seen).toContain(second.changeId);
    expect(p.seen).not.toContain(first.changeId);
    const firstRow = await prisma().passwordChange.findUniqueOrThrow({ where: { id: first.changeId } });
    expect(firstRow).toMatchObject({ status: "SUPERSEDED", appliedAt: null, credential: null, attempts: 0 });
    expect(await audits("CHANGE_APPLIED", first.changeId)).toBe(0);
    expect(await audits("CHANGE_APPLIED", second.changeId)).toBe(1);
    expect((await registrar(c.number))?.ha1).toBe(md5(`${c.number}:${TEST_REALM}:second01`));
    expect(await prisma().outboxEmail.count({ where: { customerId: c.customer.id, kind: "CHANGE_APPLIED" } })).toBe(1);
  });

  it("retries a failing provisioner with backoff, keeping the change PENDING and visible, and not before nextAttemptAt", async () => {
    const [ch] = await seedDueChanges(database, { count: 1, requestedAt: T0 });
    let calls = 0;
    const broken: Provisioner = {
      name: "broken",
      provision: async () => {
        calls++;
        throw new Error("registrar unreachable (test)");
      },
    };

    const r1 = await runReflectionBatch(options(T0, { provisioner: broken, maxAttempts: 5 }));
    expect(r1).toEqual({ claimed: 1, applied: 0, failed: 1, gaveUp: 0 });
    const after1 = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(after1).toMatchObject({ status: "PENDING", attempts: 1, appliedAt: null });
    expect(after1.lastError).toContain("registrar unreachable (test)");
    expect(after1.credential).toBeTruthy(); // nothing lost: the material waits for the next attempt
    expect(after1.nextAttemptAt).toEqual(at(10_000)); // 10 s after the first failed attempt
    const retry = await database.sql.query<{ details: { attempt: number; error: string } }>(
      `SELECT details FROM "AuditEvent" WHERE type = 'CHANGE_RETRY' AND details->>'changeId' = $1`,
      [ch!.id],
    );
    expect(retry).toHaveLength(1);
    expect(retry[0]!.details).toMatchObject({ attempt: 1 });
    expect(await registrar(ch!.number)).toBeNull();
    expect(await audits("CHANGE_APPLIED", ch!.id)).toBe(0);

    // One millisecond before the backoff ends, nobody touches it.
    const early = await runReflectionBatch(options(at(-1, after1.nextAttemptAt), { provisioner: broken, maxAttempts: 5 }));
    expect(early.claimed).toBe(0);
    expect(calls).toBe(1);
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } })).attempts).toBe(1);

    // At nextAttemptAt it is tried again, and the next delay is longer.
    const t2 = after1.nextAttemptAt;
    await runReflectionBatch(options(t2, { provisioner: broken, maxAttempts: 5 }));
    expect(calls).toBe(2);
    const after2 = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(after2).toMatchObject({ status: "PENDING", attempts: 2 });
    expect(after2.nextAttemptAt).toEqual(at(20_000, t2)); // then 20 s

    // When the registrar comes back, the change is applied; the error is cleared.
    const ok = await runReflectionBatch(options(after2.nextAttemptAt));
    expect(ok.applied).toBe(1);
    const done = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(done).toMatchObject({ status: "APPLIED", appliedAt: after2.nextAttemptAt, credential: null, lastError: null });
    expect((await registrar(ch!.number))?.ha1).toBe(ch!.credential.ha1);
  });

  it("records a readable lastError when the error has no message of its own (a dual-stack connect failure)", async () => {
    const [ch] = await seedDueChanges(database, { count: 1, requestedAt: T0 });
    // What node:net throws when every address of a host (127.0.0.1 and ::1) refuses: message "".
    const refused = Object.assign(
      new AggregateError([new Error("connect ECONNREFUSED 127.0.0.1:5432"), new Error("connect ECONNREFUSED ::1:5432")], ""),
      { code: "ECONNREFUSED" },
    );
    const broken: Provisioner = { name: "broken", provision: () => Promise.reject(refused) };
    await runReflectionBatch(options(T0, { provisioner: broken }));
    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(row).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(row.lastError).toContain("ECONNREFUSED 127.0.0.1:5432");
  });

  it("does not hide a failure of the portal database itself: the batch rejects (the loop logs it)", async () => {
    const unreachable = new Error("portal database unreachable (test)");
    const down = { ...database, sql: { ...database.sql, transaction: () => Promise.reject(unreachable) } };
    await expect(runReflectionBatch(options(T0, { database: down }))).rejects.toBe(unreachable);
  });

  it("writes no CHANGE_RETRY when another worker applied the change between the failed attempt and its recording", async () => {
    const [ch] = await seedDueChanges(database, { count: 1, requestedAt: T0 });
    const broken: Provisioner = { name: "broken", provision: () => Promise.reject(new Error("registrar unreachable (test)")) };
    // Worker 1's batch fails and rolls back; before it records the failure (its second unit of
    // work), worker 2 claims the now unlocked change and applies it.
    let units = 0;
    const racing = {
      ...database,
      sql: {
        ...database.sql,
        transaction: async <T,>(fn: Parameters<typeof database.sql.transaction<T>>[0]) => {
          if (++units === 2) expect((await runReflectionBatch(options(T0))).applied).toBe(1);
          return database.sql.transaction(fn);
        },
      },
    };
    const r = await runReflectionBatch(options(T0, { database: racing, provisioner: broken }));
    expect(units).toBe(2);
    expect(r).toMatchObject({ claimed: 1, applied: 0, failed: 0, gaveUp: 0 });
    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(row).toMatchObject({ status: "APPLIED", lastError: null, credential: null });
    expect(await audits("CHANGE_APPLIED", ch!.id)).toBe(1);
    expect(await audits("CHANGE_RETRY", ch!.id)).toBe(0);
  });

  it("gives up after maxAttempts: FAILED (credential kept sealed for a support retry), logged at error level, audit and email", async () => {
    const [ch] = await seedDueChanges(database, { count: 1, requestedAt: T0 });
    const errorLog = vi.spyOn(log, "error");
    let calls = 0;
    const broken: Provisioner = {
      name: "broken",
      provision: async () => {
        calls++;
        throw new Error("subscriber table missing (test)");
      },
    };
    const maxAttempts = 3;
    let now = T0;
    const results = [];
    for (let i = 0; i < maxAttempts; i++) {
      results.push(await runReflectionBatch(options(now, { provisioner: broken, maxAttempts })));
      now = (await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } })).nextAttemptAt;
    }
    expect(calls).toBe(maxAttempts);
    expect(results.map((r) => r.gaveUp)).toEqual([0, 0, 1]);
    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(row).toMatchObject({ status: "FAILED", attempts: maxAttempts, appliedAt: null });
    expect(row.credential).toMatch(/^v1\./);
    expect(row.lastError).toContain("subscriber table missing (test)");
    expect(await audits("CHANGE_RETRY", ch!.id)).toBe(maxAttempts - 1);
    expect(await audits("CHANGE_FAILED", ch!.id)).toBe(1);
    expect(await audits("CHANGE_APPLIED", ch!.id)).toBe(0);
    const mails = await prisma().outboxEmail.findMany({ where: { customerId: ch!.customerId } });
    expect(mails.map((m) => m.kind)).toEqual(["CHANGE_FAILED"]);
    expect(mails[0]!.subject).toContain("反映ができませんでした");
    expect(mails[0]!.toAddress).toBe(ch!.email);
    expect(errorLog).toHaveBeenCalledTimes(1);
    expect(errorLog.mock.calls[0]![0]).toMatchObject({ changeId: ch!.id, attempts: maxAttempts });

    // A FAILED change is never retried by the worker on its own.
    const later = await runReflectionBatch(options(at(24 * HOUR), { provisioner: broken, maxAttempts }));
    expect(later.claimed).toBe(0);
    expect(calls).toBe(maxAttempts);
    expect(await registrar(ch!.number)).toBeNull();
  });

  it("applies the rest of a batch when one change's credential does not open, and records that one as a failed attempt", async () => {
    const seeded = await seedDueChanges(database, { count: 3, requestedAt: T0 });
    const [a, b, c] = seeded as [(typeof seeded)[0], (typeof seeded)[0], (typeof seeded)[0]];
    // b's sealed value copied from a: bound to a's id, so it must not open for b.
    await database.sql.query(`UPDATE "PasswordChange" SET credential = (SELECT credential FROM "PasswordChange" WHERE id = $1) WHERE id = $2`, [a.id, b.id]);
    const r = await runReflectionBatch(options(T0));
    expect(r).toMatchObject({ claimed: 3, applied: 2, failed: 1 });
    const rows = await prisma().passwordChange.findMany({ where: { id: { in: [a.id, b.id, c.id] } } });
    const byId = new Map(rows.map((x) => [x.id, x]));
    expect(byId.get(a.id)?.status).toBe("APPLIED");
    expect(byId.get(c.id)?.status).toBe("APPLIED");
    expect(byId.get(b.id)).toMatchObject({ status: "PENDING", attempts: 1 });
    expect(byId.get(b.id)?.lastError).toContain("credential unusable");
    // a's credential never lands on b's line.
    expect(await registrar(b.number)).toBeNull();
    expect((await registrar(a.number))?.ha1).toBe(a.credential.ha1);
  });

  it("drains a backlog larger than one batch, oldest due first", async () => {
    const older = await seedDueChanges(database, { count: 3, requestedAt: at(-5 * MIN) });
    const newer = await seedDueChanges(database, { count: 4, requestedAt: at(-1 * MIN) });
    const p = recording();
    const total = await drainDueChanges(options(T0, { provisioner: p, batchSize: 2 }));
    const ours = new Set([...older, ...newer].map((c) => c.id));
    const seen = p.seen.filter((id) => ours.has(id));
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(new Set(seen.slice(0, 3))).toEqual(new Set(older.map((c) => c.id)));
    expect(total).toEqual({ claimed: 7, applied: 7, failed: 0, gaveUp: 0 });
    expect(p.seen).toHaveLength(7);
    expect(await prisma().passwordChange.count({ where: { id: { in: [...ours] }, status: "APPLIED" } })).toBe(7);
  });

  it("is idempotent: provisioning the same items twice leaves the same registrar state", async () => {
    const seeded = await seedDueChanges(database, { count: 5, requestedAt: T0 });
    const numbers = seeded.map((c) => c.number);
    // A line that already had a credential from an earlier change.
    await database.sql.query(
      `INSERT INTO "RegistrarCredential" (username, realm, ha1, ha1b, "lastChangeId", "updatedAt") VALUES ($1, $2, 'old-ha1', 'old-ha1b', NULL, $3)`,
      [numbers[0], TEST_REALM, at(-HOUR)],
    );
    const items: ProvisionItem[] = await provisionItemsOf(database, seeded.map((c) => c.id), KEY);
    const snapshot = () => prisma().registrarCredential.findMany({ where: { username: { in: numbers } }, orderBy: { username: "asc" } });

    await database.sql.transaction((q) => internalProvisioner.provision(items, { query: q, now: T0 }));
    const once = await snapshot();
    await database.sql.transaction((q) => internalProvisioner.provision(items, { query: q, now: T0 }));
    const twice = await snapshot();
    // …and twice within one unit of work (a batch repeated after a crash before the commit).
    await database.sql.transaction(async (q) => {
      await internalProvisioner.provision(items, { query: q, now: T0 });
      await internalProvisioner.provision(items, { query: q, now: T0 });
    });
    const thrice = await snapshot();

    expect(once).toHaveLength(5);
    expect(twice).toEqual(once);
    expect(thrice).toEqual(once);
    for (const c of seeded) {
      expect(once.find((r) => r.username === c.number)).toMatchObject({ ha1: c.credential.ha1, ha1b: c.credential.ha1b, realm: TEST_REALM, lastChangeId: c.id });
    }
  });

  it("a failure after the registrar write and before the mark rolls the write back: stays PENDING, then applied exactly once", async () => {
    const [ch] = await seedDueChanges(database, { count: 1, requestedAt: T0 });
    let provisioned = 0;
    const crashing: Provisioner = {
      name: "internal",
      async provision(items, ctx) {
        await internalProvisioner.provision(items, ctx);
        provisioned += items.length;
        throw new Error("worker crashed after provisioning (test)");
      },
    };
    const r = await runReflectionBatch(options(T0, { provisioner: crashing }));
    expect(provisioned).toBe(1);
    expect(r.applied).toBe(0);
    const pending = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(pending).toMatchObject({ status: "PENDING", attempts: 1, appliedAt: null });
    expect(pending.credential).toBeTruthy();
    // The internal registrar write shared the worker's transaction, so it rolled back with it.
    expect(await registrar(ch!.number)).toBeNull();
    expect(await audits("CHANGE_APPLIED", ch!.id)).toBe(0);

    const p = recording();
    for (const t of [pending.nextAttemptAt, at(MIN, pending.nextAttemptAt), at(HOUR, pending.nextAttemptAt)]) {
      await runReflectionBatch(options(t, { provisioner: p }));
    }
    expect(p.seen.filter((id) => id === ch!.id)).toHaveLength(1);
    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: ch!.id } });
    expect(row).toMatchObject({ status: "APPLIED", appliedAt: pending.nextAttemptAt, credential: null });
    expect(await prisma().passwordChange.count({ where: { lineId: ch!.lineId, status: "APPLIED" } })).toBe(1);
    expect(await audits("CHANGE_APPLIED", ch!.id)).toBe(1);
    expect(await prisma().outboxEmail.count({ where: { customerId: ch!.customerId, kind: "CHANGE_APPLIED" } })).toBe(1);
    expect((await registrar(ch!.number))?.ha1).toBe(ch!.credential.ha1);
  });

  it("isolates a failing change: one line the registrar refuses does not fail the 49 others of its batch; only its customer is told", async () => {
    const seeded = await seedDueChanges(database, { count: 50, requestedAt: T0 });
    const bad = seeded[17]!;
    let calls = 0;
    const refusesOne: Provisioner = {
      name: "internal",
      async provision(items, ctx) {
        calls++;
        if (items.some((i) => i.changeId === bad.id)) throw new Error(`subscriber row for ${bad.number} rejected (test)`);
        await internalProvisioner.provision(items, ctx);
      },
    };
    const r = await runReflectionBatch(options(T0, { provisioner: refusesOne, maxAttempts: 1 }));
    expect(r).toEqual({ claimed: 50, applied: 49, failed: 0, gaveUp: 1 });
    // Bisected, not retried one by one: 1 + 2·⌈log2 50⌉ transactions at most.
    expect(calls).toBeLessThanOrEqual(1 + 2 * 6);
    const rows = await prisma().passwordChange.findMany({ where: { id: { in: seeded.map((c) => c.id) } } });
    expect(rows.filter((x) => x.status === "APPLIED")).toHaveLength(49);
    const failed = rows.filter((x) => x.status === "FAILED");
    expect(failed.map((x) => x.id)).toEqual([bad.id]);
    expect(failed[0]!.lastError).toContain(`subscriber row for ${bad.number} rejected (test)`);
    const customers = seeded.map((c) => c.customerId);
    const mails = await prisma().outboxEmail.findMany({ where: { customerId: { in: customers } }, select: { kind: true, customerId: true } });
    expect(mails.filter((m) => m.kind === "CHANGE_FAILED").map((m) => m.customerId)).toEqual([bad.customerId]);
    expect(mails.filter((m) => m.kind === "CHANGE_APPLIED")).toHaveLength(49);
    expect(await audits("CHANGE_FAILED", bad.id)).toBe(1);
    for (const c of seeded) if (c.id !== bad.id) expect((await registrar(c.number))?.ha1).toBe(c.credential.ha1);
    expect(await registrar(bad.number)).toBeNull();
  });

  it("with retries left, only the failing change is retried (its backoff), the rest are applied at once", async () => {
    const seeded = await seedDueChanges(database, { count: 20, requestedAt: T0 });
    const bad = new Set([seeded[3]!.id, seeded[11]!.id]);
    const refusesTwo: Provisioner = {
      name: "internal",
      async provision(items, ctx) {
        if (items.some((i) => bad.has(i.changeId))) throw new Error("row rejected (test)");
        await internalProvisioner.provision(items, ctx);
      },
    };
    const r = await runReflectionBatch(options(T0, { provisioner: refusesTwo, maxAttempts: 5 }));
    expect(r).toEqual({ claimed: 20, applied: 18, failed: 2, gaveUp: 0 });
    const rows = await prisma().passwordChange.findMany({ where: { id: { in: seeded.map((c) => c.id) } } });
    for (const row of rows) {
      if (bad.has(row.id)) expect(row).toMatchObject({ status: "PENDING", attempts: 1, nextAttemptAt: at(10_000) });
      else expect(row).toMatchObject({ status: "APPLIED", attempts: 1 });
    }
    expect(await prisma().auditEvent.count({ where: { type: "CHANGE_RETRY", customerId: { in: seeded.map((c) => c.customerId) } } })).toBe(2);
    expect(await prisma().outboxEmail.count({ where: { kind: "CHANGE_FAILED", customerId: { in: seeded.map((c) => c.customerId) } } })).toBe(0);
  });

  it("does not bisect when the registrar is unreachable: one attempt, recorded on every change of the batch", async () => {
    const seeded = await seedDueChanges(database, { count: 8, requestedAt: T0 });
    let calls = 0;
    const down: Provisioner = {
      name: "down",
      provision: async () => {
        calls++;
        throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
      },
    };
    const r = await runReflectionBatch(options(T0, { provisioner: down, maxAttempts: 5 }));
    expect(calls).toBe(1);
    expect(r).toEqual({ claimed: 8, applied: 0, failed: 8, gaveUp: 0 });
    expect(await prisma().passwordChange.count({ where: { id: { in: seeded.map((c) => c.id) }, status: "PENDING", attempts: 1 } })).toBe(8);
  });

  it("logs every batch as it commits, and a stopping worker finishes the batch in hand, not the backlog", async () => {
    await seedDueChanges(database, { count: 7, requestedAt: T0 });
    const info = vi.spyOn(log, "info");
    let batches = 0;
    const total = await drainDueChanges(options(T0, { batchSize: 2 }), { stopping: () => batches++ >= 2 });
    // Two batches ran; the third was not started, so 3 changes wait for the next worker.
    expect(total).toMatchObject({ claimed: 4, applied: 4 });
    const lines = info.mock.calls.filter((c) => c[1] === "reflection batch");
    expect(lines).toHaveLength(2);
    expect(lines[0]![0]).toMatchObject({ claimed: 2, applied: 2, batch: 1 });
    info.mockRestore();
    expect((await drainDueChanges(options(T0, { batchSize: 2 }))).applied).toBe(3);
  });

  it("without a run clock, what is due is decided by the database's clock (workers on drifting hosts agree)", async () => {
    const [dbNow] = await database.sql.query<{ now: Date | string }>(`SELECT now() AS now`);
    const now = new Date(dbNow!.now);
    const [due] = await seedDueChanges(database, { count: 1, requestedAt: at(-MIN, now), dueAt: at(-MIN, now) });
    const [later] = await seedDueChanges(database, { count: 1, requestedAt: at(-MIN, now), dueAt: at(HOUR, now) });
    const r = await runReflectionBatch(options(T0, { now: undefined }));
    expect(r.applied).toBe(1);
    const applied = await prisma().passwordChange.findUniqueOrThrow({ where: { id: due!.id } });
    expect(applied.status).toBe("APPLIED");
    expect(Math.abs(applied.appliedAt!.getTime() - now.getTime())).toBeLessThan(60_000);
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: later!.id } })).status).toBe("PENDING");
  });
});
