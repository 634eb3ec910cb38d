import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { CODE_MAX_ATTEMPTS } from "@/lib/auth/codes";
import { resendCode, startLogin, verifyCode } from "@/lib/auth/login";
import { hashSecret } from "@/lib/auth/password";
import { checkSession } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

const SEC = 1_000;
const MIN = 60 * SEC;
const T0 = new Date("2026-11-25T05:00:00.000Z"); // 14:00 in Japan
const at = (ms: number) => new Date(T0.getTime() + ms);
const UA = "Mozilla/5.0 (integration test)";
/** No address: the per-IP budget is not spent (tests of that budget set one explicitly). */
const NO_IP: ClientInfo = { ip: null, userAgent: UA };

let database: TestDatabase;
const prisma = () => database.prisma;

/** Every password and code a test used: none of them may ever appear in the audit trail. */
const secretsUsed = new Set<string>();
const codesUsed = new Set<string>();

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

afterEach(async () => {
  // BigInt ids do not serialise on their own; everything else is as stored.
  const rows = await prisma().auditEvent.findMany();
  const json = JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  for (const s of secretsUsed) expect(json, "audit trail leaks a password").not.toContain(s);
  // A code as a token of its own (6 digits may occur inside a UUID's hex by chance; never alone).
  for (const c of codesUsed) expect(json, "audit trail leaks a code").not.toMatch(new RegExp(`(?<![0-9A-Za-z])${c}(?![0-9A-Za-z])`));
  expect(json).not.toContain("$argon2");
});

interface Seeded {
  id: string;
  selfcareId: string;
  password: string;
  email: string;
}

async function seedCustomer(overrides: Partial<{ lockoutCount: number }> = {}): Promise<Seeded> {
  const suffix = randomBytes(4).toString("hex");
  const selfcareId = `t${suffix}`;
  const password = `Pw-${randomBytes(6).toString("hex")}`;
  const email = `${selfcareId}@example.jp`;
  const c = await prisma().customer.create({
    data: { selfcareId, email, passwordHash: await hashSecret(password), locale: "ja", ...overrides },
  });
  secretsUsed.add(password);
  return { id: c.id, selfcareId, password, email };
}

/** The latest LOGIN_CODE message to `email`, and the code it carries (reading the outbox is fine at this level). */
async function latestCode(email: string): Promise<string> {
  const mail = await prisma().outboxEmail.findFirst({ where: { toAddress: email, kind: "LOGIN_CODE" }, orderBy: { createdAt: "desc" } });
  const m = mail && /認証コード: (\d{6})/.exec(mail.body);
  if (!m) throw new Error(`no code mail for ${email}`);
  const code = m[1]!;
  codesUsed.add(code);
  return code;
}

async function codeMails(email: string) {
  return prisma().outboxEmail.findMany({ where: { toAddress: email, kind: "LOGIN_CODE" }, orderBy: [{ createdAt: "asc" }, { nextAttemptAt: "asc" }] });
}

/** A 6-digit code that is certainly not `code`. */
const otherThan = (code: string, k = 1) => String((Number(code) + k) % 1_000_000).padStart(6, "0");

async function failure(p: Promise<unknown>): Promise<string> {
  const error = await p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return (error as AppError).code;
}

async function auditOf(customerId: string) {
  return prisma().auditEvent.findMany({ where: { customerId }, orderBy: { id: "asc" } });
}

const login = (c: Seeded, password: string, now: Date, client: ClientInfo = NO_IP) =>
  startLogin(database, { kind: "customer", loginId: c.selfcareId, password, now, client });

describe("startLogin with the right password", () => {
  it("opens a challenge, queues the code email and audits both steps", async () => {
    const c = await seedCustomer();
    const client = { ip: "198.51.100.7", userAgent: UA };
    const started = await login(c, c.password, T0, client);

    expect(started.maskedEmail).toBe(`${c.selfcareId[0]}***@example.jp`);
    expect(started.expiresAt.toISOString()).toBe(at(10 * MIN).toISOString());

    const challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: started.challengeId } });
    expect(challenge).toMatchObject({ customerId: c.id, staffUserId: null, attempts: 0, sendCount: 1, consumedAt: null, invalidatedAt: null });
    expect(challenge.expiresAt.toISOString()).toBe(at(10 * MIN).toISOString());
    expect(challenge.lastSentAt.toISOString()).toBe(T0.toISOString());

    const mails = await codeMails(c.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: "LOGIN_CODE", sensitive: true, status: "PENDING", attempts: 0, customerId: c.id, toAddress: c.email });
    expect(mails[0]!.subject).toContain("認証コード");
    const code = await latestCode(c.email);
    expect(code).toMatch(/^\d{6}$/);
    // The email says until when (Japan time) and what to do if it was not you.
    expect(mails[0]!.body).toContain("有効期限");
    expect(mails[0]!.body).toContain("日本時間");
    expect(mails[0]!.body).toContain("お心当たりのない場合");

    // Stored only as an argon2id hash.
    expect(challenge.codeHash).toMatch(/^\$argon2id\$/);
    expect(challenge.codeHash).not.toContain(code);

    const events = await auditOf(c.id);
    expect(events.map((e) => e.type)).toEqual(["LOGIN_PASSWORD_OK", "CODE_SENT"]);
    for (const e of events) {
      expect(e).toMatchObject({ selfcareId: c.selfcareId, customerId: c.id, ip: "198.51.100.7", userAgent: UA });
      expect(e.at.toISOString()).toBe(T0.toISOString());
    }
    expect(events[1]!.details).toMatchObject({ challengeId: started.challengeId, to: started.maskedEmail, resend: false });
  });

  it("accepts the emailed code once: a session, then CHALLENGE_DEAD for the same code", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const code = await latestCode(c.email);

    const session = await verifyCode(database, { challengeId, code, now: at(2 * MIN), client: NO_IP });
    expect(session).toMatchObject({ kind: "customer", principalId: c.id, sessionVersion: 0 });
    const row = await prisma().authSession.findUniqueOrThrow({ where: { id: session.sessionId } });
    expect(row).toMatchObject({ customerId: c.id, revokedAt: null });
    expect(row.createdAt.toISOString()).toBe(at(2 * MIN).toISOString());
    const check = await checkSession(database, { sid: session.sessionId, kind: "customer", sv: session.sessionVersion }, "customer", at(3 * MIN));
    expect(check.ok).toBe(true);

    const challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: challengeId } });
    expect(challenge.consumedAt?.toISOString()).toBe(at(2 * MIN).toISOString());

    expect(await failure(verifyCode(database, { challengeId, code, now: at(3 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");
    expect(await prisma().authSession.count({ where: { customerId: c.id } })).toBe(1);

    const types = (await auditOf(c.id)).map((e) => e.type);
    expect(types).toEqual(["LOGIN_PASSWORD_OK", "CODE_SENT", "LOGIN_SUCCESS", "CODE_FAILED"]);
  });

  it("lets only one of two simultaneous right codes through", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const code = await latestCode(c.email);
    const results = await Promise.allSettled([1, 2, 3].map(() => verifyCode(database, { challengeId, code, now: at(MIN), client: NO_IP })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "CHALLENGE_DEAD" });
    expect(await prisma().authSession.count({ where: { customerId: c.id } })).toBe(1);
  });

  it("counts wrong codes: CODE_INVALID, and CHALLENGE_DEAD from the 5th on, even for the right code", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const code = await latestCode(c.email);

    for (let i = 1; i < CODE_MAX_ATTEMPTS; i++) {
      expect(await failure(verifyCode(database, { challengeId, code: otherThan(code, i), now: at(i * SEC), client: NO_IP }))).toBe("CODE_INVALID");
    }
    expect(await failure(verifyCode(database, { challengeId, code: otherThan(code, 5), now: at(5 * SEC), client: NO_IP }))).toBe("CHALLENGE_DEAD");
    expect(await failure(verifyCode(database, { challengeId, code, now: at(6 * SEC), client: NO_IP }))).toBe("CHALLENGE_DEAD");

    const challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: challengeId } });
    expect(challenge.attempts).toBe(CODE_MAX_ATTEMPTS);
    expect(challenge.consumedAt).toBeNull();
    expect(await prisma().authSession.count({ where: { customerId: c.id } })).toBe(0);

    const failed = (await auditOf(c.id)).filter((e) => e.type === "CODE_FAILED");
    expect(failed).toHaveLength(6);
    expect(failed.slice(0, 5).map((e) => (e.details as { reason: string }).reason)).toEqual(Array(5).fill("wrong_code"));
    expect((failed[5]!.details as { reason: string }).reason).toBe("dead");
  });

  // verifyCode reserves the attempt with a conditional update before it checks the hash, so
  // simultaneous guesses cannot all be checked (this was a known gap, fixed; docs/security.md).
  it("checks at most 5 guesses even when they arrive at the same time", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const code = await latestCode(c.email);
    const guesses = Array.from({ length: 15 }, (_, i) => otherThan(code, i + 1));
    guesses.splice(3, 0, code); // the right code among them, early
    const results = await Promise.allSettled(guesses.map((g) => verifyCode(database, { challengeId, code: g, now: at(MIN), client: NO_IP })));
    const outcomes = results.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as AppError).code));
    // No more than CODE_MAX_ATTEMPTS codes are ever checked against the hash; the rest are refused unseen.
    const checked = (await auditOf(c.id)).filter((e) => e.type === "CODE_FAILED" && (e.details as { reason: string }).reason === "wrong_code");
    expect(checked.length + outcomes.filter((x) => x === "OK").length).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS);
    expect((await prisma().loginChallenge.findUniqueOrThrow({ where: { id: challengeId } })).attempts).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS);
    expect(outcomes.filter((x) => x === "CODE_INVALID" || x === "OK").length).toBeLessThanOrEqual(CODE_MAX_ATTEMPTS);
  });

  it("expires the code after 10 minutes (CODE_EXPIRED at expiresAt, fine just before)", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const code = await latestCode(c.email);
    expect(await failure(verifyCode(database, { challengeId, code, now: at(10 * MIN), client: NO_IP }))).toBe("CODE_EXPIRED");
    expect(await failure(verifyCode(database, { challengeId, code, now: at(15 * MIN), client: NO_IP }))).toBe("CODE_EXPIRED");
    expect(await prisma().authSession.count({ where: { customerId: c.id } })).toBe(0);

    const again = await login(c, c.password, at(20 * MIN));
    const code2 = await latestCode(c.email);
    const s = await verifyCode(database, { challengeId: again.challengeId, code: code2, now: at(30 * MIN - 1), client: NO_IP });
    expect(s.principalId).toBe(c.id);
  });

  it("ends an older challenge when the password is entered again (one open challenge per account)", async () => {
    const c = await seedCustomer();
    const first = await login(c, c.password, T0);
    const firstCode = await latestCode(c.email);
    await login(c, c.password, at(SEC));
    expect(await failure(verifyCode(database, { challengeId: first.challengeId, code: firstCode, now: at(2 * SEC), client: NO_IP }))).toBe("CHALLENGE_DEAD");
  });

  it("refuses an unknown challenge id", async () => {
    expect(await failure(verifyCode(database, { challengeId: "00000000-0000-4000-8000-000000000000", code: "123456", now: T0, client: NO_IP }))).toBe("CHALLENGE_DEAD");
  });
});

describe("resendCode", () => {
  it("refuses a resend within 60 seconds, then sends a new code that replaces the old one", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const oldCode = await latestCode(c.email);

    expect(await failure(verifyCode(database, { challengeId, code: otherThan(oldCode), now: at(10 * SEC), client: NO_IP }))).toBe("CODE_INVALID");
    expect(await failure(resendCode(database, { challengeId, now: at(59 * SEC), client: NO_IP }))).toBe("RESEND_TOO_SOON");
    expect(await codeMails(c.email)).toHaveLength(1);

    const resent = await resendCode(database, { challengeId, now: at(61 * SEC), client: NO_IP });
    expect(resent.expiresAt.toISOString()).toBe(at(61 * SEC + 10 * MIN).toISOString());
    expect(resent.maskedEmail).toBe(`${c.selfcareId[0]}***@example.jp`);
    expect(await codeMails(c.email)).toHaveLength(2);
    const newCode = await latestCode(c.email);
    expect(newCode).not.toBe(oldCode); // one chance in a million of a false alarm

    // The failure counter is kept across the resend.
    let challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: challengeId } });
    expect(challenge).toMatchObject({ attempts: 1, sendCount: 2 });
    expect(challenge.lastSentAt.toISOString()).toBe(at(61 * SEC).toISOString());

    // Another resend right away is too soon again (spacing counts from the last send).
    expect(await failure(resendCode(database, { challengeId, now: at(100 * SEC), client: NO_IP }))).toBe("RESEND_TOO_SOON");

    expect(await failure(verifyCode(database, { challengeId, code: oldCode, now: at(70 * SEC), client: NO_IP }))).toBe("CODE_INVALID");
    challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: challengeId } });
    expect(challenge.attempts).toBe(2);

    const s = await verifyCode(database, { challengeId, code: newCode, now: at(80 * SEC), client: NO_IP });
    expect(s.principalId).toBe(c.id);

    const sent = (await auditOf(c.id)).filter((e) => e.type === "CODE_SENT").map((e) => (e.details as { resend: boolean }).resend);
    expect(sent).toEqual([false, true]);
  });

  it("buys no extra guesses: 4 wrong codes, a resend, and one more wrong code kill the challenge", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const oldCode = await latestCode(c.email);
    for (let i = 1; i <= 4; i++) {
      expect(await failure(verifyCode(database, { challengeId, code: otherThan(oldCode, i), now: at(i * SEC), client: NO_IP }))).toBe("CODE_INVALID");
    }
    await resendCode(database, { challengeId, now: at(2 * MIN), client: NO_IP });
    const newCode = await latestCode(c.email);
    expect(await failure(verifyCode(database, { challengeId, code: otherThan(newCode), now: at(3 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");
    expect(await failure(verifyCode(database, { challengeId, code: newCode, now: at(3 * MIN + SEC), client: NO_IP }))).toBe("CHALLENGE_DEAD");
    // A dead challenge gets no new code either.
    expect(await failure(resendCode(database, { challengeId, now: at(5 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");
  });

  it("revives a merely expired challenge with a fresh 10 minutes", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    const resent = await resendCode(database, { challengeId, now: at(12 * MIN), client: NO_IP });
    expect(resent.expiresAt.toISOString()).toBe(at(22 * MIN).toISOString());
    const code = await latestCode(c.email);
    const s = await verifyCode(database, { challengeId, code, now: at(21 * MIN), client: NO_IP });
    expect(s.principalId).toBe(c.id);
    // …but not a consumed one.
    expect(await failure(resendCode(database, { challengeId, now: at(25 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");
  });

  it("sends at most 5 resends per hour per account", async () => {
    const c = await seedCustomer();
    const { challengeId } = await login(c, c.password, T0);
    for (let i = 1; i <= 5; i++) await resendCode(database, { challengeId, now: at(i * 61 * SEC), client: NO_IP });
    expect(await failure(resendCode(database, { challengeId, now: at(6 * 61 * SEC), client: NO_IP }))).toBe("RATE_LIMITED");
    expect(await codeMails(c.email)).toHaveLength(6); // the first code and 5 resends
    await latestCode(c.email);
  });
});

describe("wrong credentials", () => {
  it("gives INVALID_CREDENTIALS alike for an unknown ID and a wrong password, and opens nothing", async () => {
    const c = await seedCustomer();
    const unknownId = `nobody-${randomBytes(3).toString("hex")}`;
    const unknown = startLogin(database, { kind: "customer", loginId: unknownId, password: c.password, now: T0, client: NO_IP });
    const wrongPassword = login(c, `${c.password}x`, T0);
    const errors = await Promise.all([unknown, wrongPassword].map((p) => p.catch((e: unknown) => e)));
    for (const e of errors) {
      expect(e).toBeInstanceOf(AppError);
      expect(e).toMatchObject({ code: "INVALID_CREDENTIALS", message: "INVALID_CREDENTIALS", field: undefined });
    }
    secretsUsed.add(`${c.password}x`);

    expect(await prisma().loginChallenge.count({ where: { customerId: c.id } })).toBe(0);
    expect(await prisma().outboxEmail.count({ where: { toAddress: c.email } })).toBe(0);

    const unknownRows = await prisma().auditEvent.findMany({ where: { selfcareId: unknownId } });
    expect(unknownRows).toHaveLength(1);
    expect(unknownRows[0]).toMatchObject({ type: "LOGIN_FAILED", actor: "anonymous", customerId: null, userAgent: UA });
    expect(unknownRows[0]!.details).toMatchObject({ reason: "unknown_id" });

    const rows = await auditOf(c.id);
    expect(rows.map((e) => e.type)).toEqual(["LOGIN_FAILED"]);
    expect(rows[0]!.details).toMatchObject({ reason: "wrong_password", consecutive: 1 });
    expect((await prisma().customer.findUniqueOrThrow({ where: { id: c.id } })).failedLoginCount).toBe(1);
  });
  // "An unknown ID takes an argon2 check too" is timed in the timing project (tests/timing/login-unknown-id.test.ts),
  // not here, where other files run at the same time.
});

describe("lockout", () => {
  it("locks after 5 consecutive wrong passwords for 15 minutes, emails the customer and ends sessions", async () => {
    const c = await seedCustomer();
    // A signed-in session (another browser) that the lockout must revoke.
    const first = await login(c, c.password, T0);
    const session = await verifyCode(database, { challengeId: first.challengeId, code: await latestCode(c.email), now: at(SEC), client: NO_IP });
    // And a half-finished sign-in whose challenge must die.
    const pending = await login(c, c.password, at(2 * SEC));
    const pendingCode = await latestCode(c.email);

    const t = at(MIN);
    for (let i = 1; i <= 4; i++) {
      expect(await failure(login(c, `wrong-${i}`, t))).toBe("INVALID_CREDENTIALS");
      const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row).toMatchObject({ failedLoginCount: i, lockedUntil: null });
    }
    expect(await prisma().outboxEmail.count({ where: { toAddress: c.email, kind: "LOCKOUT" } })).toBe(0);
    expect(await failure(login(c, "wrong-5", t))).toBe("INVALID_CREDENTIALS");

    const locked = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(locked.lockedUntil?.toISOString()).toBe(new Date(t.getTime() + 15 * MIN).toISOString());
    expect(locked).toMatchObject({ failedLoginCount: 0, lockoutCount: 1, sessionVersion: 1 });

    const lockoutRows = (await auditOf(c.id)).filter((e) => e.type === "LOCKOUT");
    expect(lockoutRows).toHaveLength(1);
    expect(lockoutRows[0]!.details).toMatchObject({ until: locked.lockedUntil?.toISOString(), nth: 1 });

    const mails = await prisma().outboxEmail.findMany({ where: { toAddress: c.email, kind: "LOCKOUT" } });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ status: "PENDING", customerId: c.id, sensitive: false });
    expect(mails[0]!.body).toContain("14:16"); // 05:16 UTC in Japan time: when the lock ends

    // The signed-in session is revoked and no longer passes the check; the pending challenge is dead.
    const revoked = await prisma().authSession.findUniqueOrThrow({ where: { id: session.sessionId } });
    expect(revoked.revokedAt?.toISOString()).toBe(t.toISOString());
    expect((await checkSession(database, { sid: session.sessionId, kind: "customer", sv: session.sessionVersion }, "customer", at(2 * MIN))).ok).toBe(false);
    expect(await failure(verifyCode(database, { challengeId: pending.challengeId, code: pendingCode, now: at(2 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");

    // Locked: even the right password gets the same generic error, and no code is sent.
    const codesBefore = (await codeMails(c.email)).length;
    expect(await failure(login(c, c.password, at(MIN + 14 * MIN + 59 * SEC)))).toBe("INVALID_CREDENTIALS");
    expect(await codeMails(c.email)).toHaveLength(codesBefore);
    const lastFailure = (await auditOf(c.id)).filter((e) => e.type === "LOGIN_FAILED").at(-1);
    expect(lastFailure?.details).toMatchObject({ reason: "locked" });

    // Wrong passwords during the lock neither extend it nor count towards the next one.
    expect(await failure(login(c, "wrong-6", at(5 * MIN)))).toBe("INVALID_CREDENTIALS");
    const still = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(still.lockedUntil?.toISOString()).toBe(locked.lockedUntil?.toISOString());
    expect(still.failedLoginCount).toBe(0);

    // At the end of the lock the right password works again.
    const after = await login(c, c.password, at(16 * MIN));
    const s = await verifyCode(database, { challengeId: after.challengeId, code: await latestCode(c.email), now: at(16 * MIN + SEC), client: NO_IP });
    expect(s.sessionVersion).toBe(1);
  });

  it("doubles the lock for a repeat offence: 15 minutes, then 30", async () => {
    const c = await seedCustomer();
    for (let i = 0; i < 5; i++) await failure(login(c, `bad-${i}`, T0));
    const first = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(first.lockedUntil?.toISOString()).toBe(at(15 * MIN).toISOString());

    // Exactly at lockedUntil the lock is over (half-open): the right password opens a challenge.
    await login(c, c.password, at(15 * MIN));

    const t = at(20 * MIN);
    for (let i = 0; i < 5; i++) await failure(login(c, `bad-again-${i}`, t));
    const second = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(second.lockedUntil?.toISOString()).toBe(new Date(t.getTime() + 30 * MIN).toISOString());
    expect(second.lockoutCount).toBe(2);
    const nths = (await auditOf(c.id)).filter((e) => e.type === "LOCKOUT").map((e) => (e.details as { nth: number }).nth);
    expect(nths).toEqual([1, 2]);
    expect(await prisma().outboxEmail.count({ where: { toAddress: c.email, kind: "LOCKOUT" } })).toBe(2);
    expect(await failure(login(c, c.password, new Date(t.getTime() + 29 * MIN)))).toBe("INVALID_CREDENTIALS");
  });

  it("counts only consecutive failures: a right password resets the count", async () => {
    const c = await seedCustomer();
    for (let i = 0; i < 4; i++) await failure(login(c, `bad-${i}`, T0));
    await login(c, c.password, at(SEC));
    for (let i = 0; i < 4; i++) await failure(login(c, `bad-${i}`, at(2 * SEC)));
    const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row).toMatchObject({ failedLoginCount: 4, lockedUntil: null, lockoutCount: 0 });
  });

  it("a completed sign-in starts the doubling over", async () => {
    const c = await seedCustomer({ lockoutCount: 3 });
    const started = await login(c, c.password, T0);
    await verifyCode(database, { challengeId: started.challengeId, code: await latestCode(c.email), now: at(SEC), client: NO_IP });
    for (let i = 0; i < 5; i++) await failure(login(c, `bad-${i}`, at(MIN)));
    const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.lockedUntil?.toISOString()).toBe(at(MIN + 15 * MIN).toISOString());
  });
});

describe("per-address limit", () => {
  it("allows 30 login attempts per client address in 15 minutes, then RATE_LIMITED, while other addresses go on", async () => {
    const c = await seedCustomer();
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const client = { ip, userAgent: UA };
    // Unknown IDs: they spend the budget without locking anybody.
    for (let i = 0; i < 30; i++) {
      expect(await failure(startLogin(database, { kind: "customer", loginId: `ghost-${i}`, password: "x", now: T0, client }))).toBe("INVALID_CREDENTIALS");
    }
    expect(await failure(login(c, c.password, T0, client))).toBe("RATE_LIMITED");
    expect(await prisma().loginChallenge.count({ where: { customerId: c.id } })).toBe(0);

    const other = await login(c, c.password, T0, { ip: "192.0.2.44", userAgent: UA });
    expect(other.challengeId).toBeTruthy();
  });
});
