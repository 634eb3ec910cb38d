import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { CODE_MAX_ATTEMPTS } from "@/lib/auth/codes";
import { CODE_FAILURES_TO_LOCK, LOGIN_FAILURES_TO_LOCK } from "@/lib/auth/lockout";
import { resendCode, startLogin, verifyCode } from "@/lib/auth/login";
import { hashSecret } from "@/lib/auth/password";
import type { Database } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { unlockCustomer, unlockStaff } from "@/lib/support/commands";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// Issue 14: the limits must hold under real concurrency. On PostgreSQL every burst runs through two
// independent pools of 20 connections each (two application processes), all requests at once, and
// each burst is repeated on fresh accounts. On PGlite (one connection by design) the same bursts
// interleave at every await, which still catches a check made on a stale read.

const MIN = 60_000;
const T0 = new Date("2026-11-25T05:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const NO_IP: ClientInfo = { ip: null, userAgent: "attack-races test" };
const ROUNDS = testDbKind === "postgres" ? 6 : 3;

let first: TestDatabase;
let second: Database;

beforeAll(async () => {
  first = await createTestDatabase();
  second = first.openSecond ? first.openSecond() : first;
});

afterAll(async () => {
  if (second !== first) await second?.close();
  await first?.close();
});

const prisma = () => first.prisma;

async function seedCustomer() {
  const selfcareId = `race${randomBytes(4).toString("hex")}`;
  const password = `Pw-${randomBytes(6).toString("hex")}`;
  const email = `${selfcareId}@example.jp`;
  const c = await prisma().customer.create({ data: { selfcareId, email, passwordHash: await hashSecret(password) } });
  return { id: c.id, selfcareId, password, email };
}

/** Runs `fn` through the database client `d` (one of the two "processes"), returning the error code (or "OK"). */
function via<T>(d: Database, fn: (d: Database) => Promise<T>): Promise<string> {
  return fn(d).then(
    () => "OK",
    (e: unknown) => (e instanceof AppError ? e.code : Promise.reject(e)),
  );
}
const pick = (i: number) => (i % 2 === 0 ? first : second);

async function latestCode(email: string): Promise<string> {
  const mail = await prisma().outboxEmail.findFirst({ where: { toAddress: email, kind: "LOGIN_CODE" }, orderBy: { createdAt: "desc" } });
  const m = mail && /認証コード: (\d{6})/.exec(mail.body);
  if (!m) throw new Error(`no code mail for ${email}`);
  return m[1]!;
}
const otherThan = (code: string, k = 1) => String((Number(code) + k) % 1_000_000).padStart(6, "0");
const challengeOf = async (customerId: string) => (await prisma().loginChallenge.findFirstOrThrow({ where: { customerId }, orderBy: { createdAt: "desc" } })).id;

describe("item 1: the sign-in lockout under a burst of 30 simultaneous guesses", () => {
  it(`never answers the right password after the lock, and checks at most ${LOGIN_FAILURES_TO_LOCK} guesses before it (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await seedCustomer();
      // The right password at a different place each round, late in the burst more often than not.
      const rightAt = [29, 20, 10, 25, 5, 15][round % 6]!;
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => via(pick(i), (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: i === rightAt ? c.password : `wrong-${round}-${i}`, now: T0, client: NO_IP }))),
      );
      const right = results[rightAt]!;
      const wrong = results.filter((_, i) => i !== rightAt);
      expect(wrong.every((r) => r === "INVALID_CREDENTIALS"), JSON.stringify(results)).toBe(true);

      const events = await prisma().auditEvent.findMany({ where: { customerId: c.id }, orderBy: { id: "asc" } });
      const evaluatedWrong = events.filter((e) => e.type === "LOGIN_FAILED" && (e.details as { reason?: string }).reason === "wrong_password");
      const lockout = events.filter((e) => e.type === "LOCKOUT");
      const ok = events.filter((e) => e.type === "LOGIN_PASSWORD_OK");
      expect(lockout.length, `round ${round}: at most one lock`).toBeLessThanOrEqual(1);
      expect(ok.length).toBe(right === "OK" ? 1 : 0);
      if (right === "OK") {
        // The right password won only because it was checked before the lock: never after it.
        if (lockout[0]) expect(ok[0]!.id < lockout[0].id, `round ${round}: right password accepted after the lock`).toBe(true);
        const challenge = await prisma().loginChallenge.findFirstOrThrow({ where: { customerId: c.id } });
        const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
        expect(row.lockedUntil === null || challenge.invalidatedAt !== null).toBe(true);
      } else {
        // Not accepted: then the account locked after exactly LOGIN_FAILURES_TO_LOCK checked guesses.
        expect(right).toBe("INVALID_CREDENTIALS");
        expect(lockout.length).toBe(1);
        expect(evaluatedWrong.length).toBeLessThanOrEqual(LOGIN_FAILURES_TO_LOCK);
        const codeMails = await prisma().outboxEmail.count({ where: { customerId: c.id, kind: "LOGIN_CODE" } });
        expect(codeMails, `round ${round}: a code email after the lock`).toBe(0);
      }
    }
  });

  it(`checks exactly ${LOGIN_FAILURES_TO_LOCK} of 30 simultaneous wrong passwords and locks once`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await seedCustomer();
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => via(pick(i), (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: `wrong-${i}`, now: T0, client: NO_IP }))));
      expect(results).toEqual(Array(30).fill("INVALID_CREDENTIALS"));
      const failed = await prisma().auditEvent.findMany({ where: { customerId: c.id, type: "LOGIN_FAILED" } });
      const reasons = failed.map((e) => (e.details as { reason: string }).reason);
      expect(reasons.filter((r) => r === "wrong_password").length).toBe(LOGIN_FAILURES_TO_LOCK);
      expect(reasons.filter((r) => r === "locked").length).toBe(30 - LOGIN_FAILURES_TO_LOCK);
      expect(await prisma().auditEvent.count({ where: { customerId: c.id, type: "LOCKOUT" } })).toBe(1);
      const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row).toMatchObject({ failedLoginCount: 0, lockoutCount: 1 });
      // While locked, the right password answers exactly as a wrong one, and sends nothing.
      expect(await via(second, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: at(MIN), client: NO_IP }))).toBe("INVALID_CREDENTIALS");
      expect(await prisma().outboxEmail.count({ where: { customerId: c.id, kind: "LOGIN_CODE" } })).toBe(0);
    }
  });
});

describe("item 2: code guesses are limited per account, not only per challenge", () => {
  it(`locks the account after ${CODE_FAILURES_TO_LOCK} wrong codes over fresh challenges opened with the known password`, async () => {
    const c = await seedCustomer();
    let guesses = 0;
    let lastError = "";
    for (let challenge = 0; challenge < 5 && lastError !== "LOCKED"; challenge++) {
      const login = await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: at(challenge * MIN), client: NO_IP }));
      if (login !== "OK") {
        lastError = "LOCKED";
        break;
      }
      const id = await challengeOf(c.id);
      const code = await latestCode(c.email);
      for (let k = 1; k <= CODE_MAX_ATTEMPTS; k++) {
        const r = await via(first, (d) => verifyCode(d, { challengeId: id, code: otherThan(code, k), now: at(challenge * MIN + k * 1000), client: NO_IP }));
        if (r === "CODE_INVALID" || r === "CHALLENGE_DEAD") guesses++;
        if (r === "CHALLENGE_DEAD") break;
      }
    }
    expect(guesses).toBe(CODE_FAILURES_TO_LOCK);
    const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.lockedUntil?.getTime()).toBeGreaterThan(at(2 * MIN).getTime());
    expect(row.lockoutCount).toBe(1);
    const lock = await prisma().auditEvent.findFirstOrThrow({ where: { customerId: c.id, type: "LOCKOUT" } });
    expect(lock.details).toMatchObject({ cause: "codes" });
    // The known password now opens nothing.
    expect(await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: at(5 * MIN), client: NO_IP }))).toBe("INVALID_CREDENTIALS");
  });

  it("a right password does not reset the account's code failures; a completed sign-in does", async () => {
    const c = await seedCustomer();
    await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: T0, client: NO_IP }));
    const id1 = await challengeOf(c.id);
    const code1 = await latestCode(c.email);
    for (let k = 1; k <= 3; k++) expect(await via(first, (d) => verifyCode(d, { challengeId: id1, code: otherThan(code1, k), now: T0, client: NO_IP }))).toBe("CODE_INVALID");
    await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: at(MIN), client: NO_IP }));
    expect((await prisma().customer.findUniqueOrThrow({ where: { id: c.id } })).failedCodeCount).toBe(3);
    const id2 = await challengeOf(c.id);
    const code2 = await latestCode(c.email);
    expect(await via(first, (d) => verifyCode(d, { challengeId: id2, code: code2, now: at(MIN), client: NO_IP }))).toBe("OK");
    expect((await prisma().customer.findUniqueOrThrow({ where: { id: c.id } })).failedCodeCount).toBe(0);
  });

  it(`checks at most ${CODE_MAX_ATTEMPTS} of 20 simultaneous code guesses on one challenge (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await seedCustomer();
      await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: T0, client: NO_IP }));
      const id = await challengeOf(c.id);
      const code = await latestCode(c.email);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => via(pick(i), (d) => verifyCode(d, { challengeId: id, code: otherThan(code, i + 1), now: T0, client: NO_IP }))));
      const checked = await prisma().auditEvent.count({ where: { customerId: c.id, type: "CODE_FAILED", details: { path: ["reason"], equals: "wrong_code" } } });
      expect(checked).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS);
      expect(results.filter((r) => r === "CODE_INVALID").length).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS - 1);
      const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row.failedCodeCount).toBe(checked);
    }
  });
});

describe("item 8: a burst of resends spends at most one point of the hourly allowance", () => {
  it(`10 simultaneous resends: one sent, nine too soon, one point spent (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const c = await seedCustomer();
      await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: c.password, now: T0, client: NO_IP }));
      const id = await challengeOf(c.id);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => via(pick(i), (d) => resendCode(d, { challengeId: id, now: at(61_000), client: NO_IP }))));
      expect(results.filter((r) => r === "OK").length).toBe(1);
      expect(results.filter((r) => r === "RESEND_TOO_SOON").length).toBe(9);
      const points = await prisma().rateLimiterFlexible.findUnique({ where: { key: `resend:customer:${c.id}` } });
      expect(points?.points).toBe(1);
      expect(await prisma().outboxEmail.count({ where: { customerId: c.id, kind: "LOGIN_CODE" } })).toBe(2);
    }
  });
});

describe("item 6: a staff unlock resets the escalation; a locked staff account is recoverable by another", () => {
  const STAFF = { id: "", loginId: "" };

  it("after a staff unlock the next lock lasts 15 minutes again", async () => {
    const c = await seedCustomer();
    await prisma().customer.update({ where: { id: c.id }, data: { lockoutCount: 6, lockedUntil: at(16 * 60 * MIN) } });
    const s = await prisma().staffUser.create({ data: { loginId: `st${randomBytes(3).toString("hex")}`, email: "st@example.jp", passwordHash: "x" } });
    STAFF.id = s.id;
    STAFF.loginId = s.loginId;
    await unlockCustomer(first, { staff: STAFF, customerId: c.id, reason: "本人確認済み", now: T0, client: NO_IP });
    for (let i = 0; i < LOGIN_FAILURES_TO_LOCK; i++) await via(first, (d) => startLogin(d, { kind: "customer", loginId: c.selfcareId, password: `nope-${i}`, now: at(MIN), client: NO_IP }));
    const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.lockoutCount).toBe(1);
    expect(row.lockedUntil?.toISOString()).toBe(at(MIN + 15 * MIN).toISOString());
  });

  it("another staff member unlocks a locked staff account (escalation reset, sessions revoked); nobody unlocks their own", async () => {
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    const victim = await prisma().staffUser.create({ data: { loginId: `sv${randomBytes(3).toString("hex")}`, email: "sv@example.jp", passwordHash: await hashSecret(password) } });
    const helper = await prisma().staffUser.create({ data: { loginId: `sh${randomBytes(3).toString("hex")}`, email: "sh@example.jp", passwordHash: "x" } });
    for (let i = 0; i < LOGIN_FAILURES_TO_LOCK; i++) await via(first, (d) => startLogin(d, { kind: "staff", loginId: victim.loginId, password: `nope-${i}`, now: T0, client: NO_IP }));
    expect((await prisma().staffUser.findUniqueOrThrow({ where: { id: victim.id } })).lockedUntil).not.toBeNull();
    await expect(unlockStaff(first, { staff: { id: victim.id, loginId: victim.loginId }, staffUserId: victim.id, reason: "自分で解除", now: T0, client: NO_IP })).rejects.toThrow(AppError);
    await unlockStaff(first, { staff: { id: helper.id, loginId: helper.loginId }, staffUserId: victim.id, reason: "本人から電話", now: at(MIN), client: NO_IP });
    const row = await prisma().staffUser.findUniqueOrThrow({ where: { id: victim.id } });
    expect(row).toMatchObject({ lockedUntil: null, lockoutCount: 0, failedLoginCount: 0, failedCodeCount: 0 });
    expect(await via(first, (d) => startLogin(d, { kind: "staff", loginId: victim.loginId, password, now: at(2 * MIN), client: NO_IP }))).toBe("OK");
    expect(await prisma().auditEvent.count({ where: { type: "STAFF_UNLOCK", staffUserId: helper.id } })).toBe(1);
  });
});
