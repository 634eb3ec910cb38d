import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { hashSecret, verifySecret } from "@/lib/auth/password";
import { unseal } from "@/lib/crypto/seal";
import { setProcessDatabase } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { LINE_BLOCK_MS, LINE_FAILURES_TO_BLOCK, changeLinePassword, type ChangeAccepted, type Customer } from "@/lib/lines/change-password";
import { computeReflection, type ServiceType } from "@/lib/schedule";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";

// Issue 4, step 5 and 6: the server-side use-case of the password change, against a real, migrated
// database (PGlite, or PostgreSQL with TEST_DB=postgres). Customers and lines are seeded directly.

// Secrets come from the environment (and DATA_DIR is a temp dir), so no secrets file is written
// into the repository. Hoisted: runs before the imports above are evaluated.
const KEY_HEX = vi.hoisted(() => {
  const hex = "c0ffee00".repeat(8);
  process.env.CREDENTIAL_KEY = hex;
  process.env.NEXTAUTH_SECRET = "integration-test-session-secret-0123456789";
  return hex;
});
const KEY = Buffer.from(KEY_HEX, "hex");
const REALM = process.env.SIP_REALM || "sip.example.jp";
const dataDir = mkdtempSync(path.join(tmpdir(), "pwchange-test-"));
process.env.DATA_DIR = dataDir;

const MIN = 60_000;
const UA = "Mozilla/5.0 (password-change integration test)";
const CLIENT: ClientInfo = { ip: "192.0.2.10", userAgent: UA };
/** 2026-11-25 14:00 in Japan (the manual's example). */
const T0 = new Date("2026-11-25T14:00:00.000+09:00");
const at = (ms: number) => new Date(T0.getTime() + ms);

let database: TestDatabase;
const prisma = () => database.prisma;

/** Every password a test used: none may ever appear in the audit trail or an email. */
const secretsUsed = new Set<string>();

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");
const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  setProcessDatabase(undefined);
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  const audits = json(await prisma().auditEvent.findMany());
  const mails = json(await prisma().outboxEmail.findMany());
  for (const s of secretsUsed) {
    expect(audits, "audit trail leaks a password").not.toContain(s);
    expect(mails, "an email leaks a password").not.toContain(s);
  }
  expect(audits).not.toContain("$argon2");
  expect(mails).not.toContain("$argon2");
});

// ---- seeding -------------------------------------------------------------------------------------

interface SeededCustomer extends Customer {
  password: string;
}
interface SeededLine {
  id: string;
  number: string;
  service: ServiceType;
  password: string;
}

/** A fresh random 8-character a-z0-9 password that the schema would accept (never weak). */
function newPassword(): string {
  for (;;) {
    const p = randomBytes(8)
      .toString("base64")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
      .slice(0, 8);
    if (p.length === 8 && /[a-z]/.test(p) && /\d/.test(p)) {
      secretsUsed.add(p);
      return p;
    }
  }
}

function freshNumber(): string {
  return `050${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, "0")}`;
}

async function seedCustomer(o: { failedLoginCount?: number } = {}): Promise<SeededCustomer> {
  const loginId = `c${randomBytes(4).toString("hex")}`;
  const password = `Selfcare-${randomBytes(4).toString("hex")}`;
  secretsUsed.add(password);
  const email = `${loginId}@example.jp`;
  const c = await prisma().customer.create({
    data: { selfcareId: loginId, email, locale: "ja", passwordHash: await hashSecret(password), failedLoginCount: o.failedLoginCount ?? 0 },
  });
  return { id: c.id, loginId, email, locale: "ja", password };
}

async function seedLine(customerId: string, service: ServiceType = "B2BUA"): Promise<SeededLine> {
  const password = newPassword();
  const number = freshNumber();
  const line = await prisma().line.create({ data: { number, customerId, service, passwordHash: await hashSecret(password) } });
  return { id: line.id, number, service, password };
}

function submit(customer: Customer, o: { number: string; currentPassword: string; newPassword: string; key?: string; now?: Date }) {
  return changeLinePassword({
    customer: { id: customer.id, loginId: customer.loginId, email: customer.email, locale: customer.locale },
    number: o.number,
    currentPassword: o.currentPassword,
    newPassword: o.newPassword,
    idempotencyKey: o.key ?? randomUUID(),
    now: o.now ?? T0,
    client: CLIENT,
  });
}

/** The AppError a promise rejects with (fails the test on success or on any other error). */
async function appError(p: Promise<unknown>): Promise<AppError> {
  const outcome = await p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected an AppError, got ${json(outcome.value)}`);
  if (!(outcome.error instanceof AppError)) throw outcome.error;
  return outcome.error;
}

async function counts() {
  const [changes, mails, audits, lines] = await Promise.all([
    prisma().passwordChange.count(),
    prisma().outboxEmail.count(),
    prisma().auditEvent.count(),
    prisma().line.findMany({ select: { id: true, passwordHash: true, failedPasswordCount: true, blockedUntil: true }, orderBy: { id: "asc" } }),
  ]);
  return { changes, mails, audits, lines };
}

const auditsOf = (type: string, lineNumber: string) => prisma().auditEvent.findMany({ where: { type, lineNumber }, orderBy: { id: "asc" } });
const detailsOf = (e: { details: unknown }) => (e.details ?? {}) as Record<string, unknown>;

// ---- the accepted change -------------------------------------------------------------------------

describe("an accepted change", () => {
  it("writes a PENDING change with its reflection time, switches the line's hash, seals the HA1 values, mails and audits", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const next = newPassword();

    const result = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next });

    const expected = computeReflection("B2BUA", T0);
    expect(result).toEqual<ChangeAccepted>({
      changeId: expect.any(String) as string,
      number: line.number,
      service: "B2BUA",
      requestedAt: T0,
      dueAt: expected.dueAt,
      deadline: expected.deadline,
      replayed: false,
    });
    // The manual's example as a literal: a B2BUA change at 14:00 is reflected at 17:30.
    expect(result.dueAt).toEqual(new Date("2026-11-25T17:30:00.000+09:00"));
    expect(result.deadline).toEqual(new Date("2026-11-25T17:30:00.000+09:00"));

    const change = await prisma().passwordChange.findUniqueOrThrow({ where: { id: result.changeId } });
    expect(change).toMatchObject({ lineId: line.id, status: "PENDING", requestedAt: T0, dueAt: expected.dueAt, deadline: expected.deadline, nextAttemptAt: expected.dueAt, attempts: 0, supersededById: null });

    // The line now answers to the new password only.
    const after = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(after.passwordHash, next)).toBe(true);
    expect(await verifySecret(after.passwordHash, line.password)).toBe(false);
    expect(after.passwordHash).toMatch(/^\$argon2id\$/);
    expect(after.failedPasswordCount).toBe(0);

    // The credential is sealed: neither the password nor the HA1 values are readable in the row…
    const ha1 = md5(`${line.number}:${REALM}:${next}`);
    const ha1b = md5(`${line.number}@${REALM}:${REALM}:${next}`);
    const credential = change.credential;
    expect(credential).toEqual(expect.any(String));
    expect(credential).not.toContain(next);
    expect(credential).not.toContain(ha1);
    expect(credential).not.toContain(ha1b);
    expect(json(change)).not.toContain(next);
    expect(json(change)).not.toContain(ha1);
    // …and opens with the key, bound to this change's id, to the digest values.
    const opened = JSON.parse(unseal(credential!, KEY, result.changeId)) as Record<string, unknown>;
    expect(opened).toEqual({ username: line.number, realm: REALM, ha1, ha1b });
    expect(() => unseal(credential!, KEY, randomUUID())).toThrow();

    // The acceptance email: to the customer, with the reflection time, the adapter reminder, no password.
    const mails = await prisma().outboxEmail.findMany({ where: { customerId: customer.id } });
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail).toMatchObject({ kind: "CHANGE_ACCEPTED", toAddress: customer.email, status: "PENDING", sensitive: false });
    expect(mail.subject).toContain("変更を受け付けました");
    expect(mail.body).toContain(line.number);
    expect(mail.body).toContain("2026年11月25日 17:30");
    expect(mail.body).toContain("IP電話対応機器");
    for (const s of [next, line.password, ha1, ha1b]) expect(mail.body).not.toContain(s);

    // One audit event, with ids and times only.
    const audits = await prisma().auditEvent.findMany({ where: { customerId: customer.id } });
    expect(audits.map((a) => a.type)).toEqual(["CHANGE_ACCEPTED"]);
    const accepted = audits[0]!;
    expect(accepted).toMatchObject({ actor: "customer", selfcareId: customer.loginId, lineNumber: line.number, ip: CLIENT.ip, userAgent: UA, at: T0 });
    expect(detailsOf(accepted)).toMatchObject({ changeId: result.changeId, service: "B2BUA", dueAt: expected.dueAt.toISOString() });
    for (const s of [next, line.password, ha1, ha1b, credential!, after.passwordHash]) expect(json(accepted)).not.toContain(s);
  });

  it("IP_PHONE: due at once, promised within 15 minutes; the email states the deadline", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "IP_PHONE");
    const result = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword() });
    expect(result.dueAt).toEqual(T0);
    expect(result.deadline).toEqual(new Date("2026-11-25T14:15:00.000+09:00"));
    expect(result.deadline.getTime() - result.requestedAt.getTime()).toBe(15 * MIN);
    const change = await prisma().passwordChange.findUniqueOrThrow({ where: { id: result.changeId } });
    expect(change).toMatchObject({ status: "PENDING", dueAt: T0, deadline: result.deadline, nextAttemptAt: T0 });
    const mail = await prisma().outboxEmail.findFirstOrThrow({ where: { customerId: customer.id, kind: "CHANGE_ACCEPTED" } });
    expect(mail.body).toContain("2026年11月25日 14:15まで");
    expect(mail.body).toContain("15分以内");
  });

  it("B2BUA_OPENGATE at 23:10 Japan time: reflected at 0:30 the next day, in the row and the email", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA_OPENGATE");
    const now = new Date("2026-11-25T23:10:00.000+09:00");
    const result = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), now });
    expect(result.dueAt).toEqual(new Date("2026-11-26T00:30:00.000+09:00"));
    expect(result.deadline).toEqual(result.dueAt);
    const mail = await prisma().outboxEmail.findFirstOrThrow({ where: { customerId: customer.id, kind: "CHANGE_ACCEPTED" } });
    expect(mail.body).toContain("2026年11月26日 0:30");
  });
});

// ---- ownership -----------------------------------------------------------------------------------

describe("ownership", () => {
  it("another customer's line is 'not found' exactly like a number that does not exist; it is audited and nothing else is written", async () => {
    const me = await seedCustomer();
    await seedLine(me.id);
    const other = await seedCustomer();
    const theirs = await seedLine(other.id);
    const before = await counts();

    // Even with the right current password of that line.
    const foreign = await appError(submit(me, { number: theirs.number, currentPassword: theirs.password, newPassword: newPassword() }));
    const wrongPw = await appError(submit(me, { number: theirs.number, currentPassword: "wrongpw1", newPassword: newPassword() }));
    const missing = await appError(submit(me, { number: "05000000000", currentPassword: "whatever", newPassword: newPassword() }));
    for (const e of [foreign, wrongPw, missing]) {
      expect(e.code).toBe("LINE_NOT_FOUND");
      expect(e.field).toBe("number");
    }
    expect(foreign.message).toBe(missing.message);
    expect(wrongPw.message).toBe(missing.message);

    const refused = await prisma().auditEvent.findMany({ where: { customerId: me.id, type: "LINE_NOT_FOUND" }, orderBy: { id: "asc" } });
    expect(refused.map((a) => [a.lineNumber, detailsOf(a).reason])).toEqual([
      [theirs.number, "other_customer"],
      [theirs.number, "other_customer"],
      ["05000000000", "no_such_line"],
    ]);
    expect(refused[0]).toMatchObject({ actor: "customer", selfcareId: me.loginId, ip: CLIENT.ip });

    // Nothing but those three audit rows: no change, no mail, the other line untouched (hash, counters).
    const after = await counts();
    expect(after.changes).toBe(before.changes);
    expect(after.mails).toBe(before.mails);
    expect(after.audits).toBe(before.audits + 3);
    expect(after.lines).toEqual(before.lines);
    expect(await prisma().auditEvent.count({ where: { customerId: other.id } })).toBe(0);
    const theirLine = await prisma().line.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(await verifySecret(theirLine.passwordHash, theirs.password)).toBe(true);
    expect(theirLine.failedPasswordCount).toBe(0);
  });
});

// ---- supersede -----------------------------------------------------------------------------------

describe("supersede", () => {
  it("a second change replaces the pending one; its reflection is recomputed; the newest password is then the current one", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const first = newPassword();
    const second = newPassword();
    const third = newPassword();
    const t1 = T0; // 14:00 → 17:30
    const t2 = new Date("2026-11-25T17:10:00.000+09:00"); // → 18:30

    const a = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: first, now: t1 });
    expect(a.dueAt).toEqual(new Date("2026-11-25T17:30:00.000+09:00"));
    const b = await submit(customer, { number: line.number, currentPassword: first, newPassword: second, now: t2 });
    expect(b.changeId).not.toBe(a.changeId);
    expect(b.replayed).toBe(false);
    expect(b.requestedAt).toEqual(t2);
    expect(b.dueAt).toEqual(new Date("2026-11-25T18:30:00.000+09:00"));

    const rowA = await prisma().passwordChange.findUniqueOrThrow({ where: { id: a.changeId } });
    const rowB = await prisma().passwordChange.findUniqueOrThrow({ where: { id: b.changeId } });
    expect(rowA).toMatchObject({ status: "SUPERSEDED", credential: null, supersededById: b.changeId, dueAt: a.dueAt });
    expect(rowB).toMatchObject({ status: "PENDING", supersededById: null, requestedAt: t2, dueAt: b.dueAt, nextAttemptAt: b.dueAt });
    expect(JSON.parse(unseal(rowB.credential!, KEY, b.changeId))).toMatchObject({ ha1: md5(`${line.number}:${REALM}:${second}`) });
    expect(await prisma().passwordChange.count({ where: { lineId: line.id, status: "PENDING" } })).toBe(1);
    const superseded = await auditsOf("CHANGE_SUPERSEDED", line.number);
    expect(superseded.map(detailsOf)).toEqual([{ changeId: a.changeId, supersededBy: b.changeId }]);
    expect(await prisma().outboxEmail.count({ where: { customerId: customer.id, kind: "CHANGE_ACCEPTED" } })).toBe(2);

    // The first new password is no longer current; neither is the original one.
    const t3 = new Date("2026-11-25T17:20:00.000+09:00");
    expect((await appError(submit(customer, { number: line.number, currentPassword: first, newPassword: third, now: t3 }))).code).toBe("CURRENT_PASSWORD_WRONG");
    expect((await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: third, now: t3 }))).code).toBe("CURRENT_PASSWORD_WRONG");
    expect((await prisma().line.findUniqueOrThrow({ where: { id: line.id } })).failedPasswordCount).toBe(2);
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: b.changeId } })).status).toBe("PENDING");

    // The newest one is.
    const c = await submit(customer, { number: line.number, currentPassword: second, newPassword: third, now: t3 });
    expect(c.dueAt).toEqual(new Date("2026-11-25T18:30:00.000+09:00"));
    const rows = await prisma().passwordChange.findMany({ where: { lineId: line.id }, orderBy: { requestedAt: "asc" } });
    expect(rows.map((r) => [r.id, r.status, r.supersededById])).toEqual([
      [a.changeId, "SUPERSEDED", b.changeId],
      [b.changeId, "SUPERSEDED", c.changeId],
      [c.changeId, "PENDING", null],
    ]);
    expect(rows.filter((r) => r.status === "SUPERSEDED").every((r) => r.credential === null)).toBe(true);
    const final = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(final.passwordHash, third)).toBe(true);
    expect(final.failedPasswordCount).toBe(0);
  });
});

// ---- per-line lockout ----------------------------------------------------------------------------

describe("per-line lockout", () => {
  it("5 wrong current passwords block changes to the line for 30 minutes, with an email; the login lockout is untouched", async () => {
    expect(LINE_FAILURES_TO_BLOCK).toBe(5);
    expect(LINE_BLOCK_MS).toBe(30 * MIN);
    const customer = await seedCustomer({ failedLoginCount: 2 });
    const line = await seedLine(customer.id, "IP_PHONE");
    const next = newPassword();
    const wrong = ["wrongpw1", "wrongpw2", "wrongpw3", "wrongpw4", "wrongpw5"];
    wrong.forEach((w) => secretsUsed.add(w));

    for (let i = 0; i < 4; i++) {
      const e = await appError(submit(customer, { number: line.number, currentPassword: wrong[i]!, newPassword: next, now: at(i * 1000) }));
      expect(e.code).toBe("CURRENT_PASSWORD_WRONG");
      expect(e.field).toBe("currentPassword");
      expect((await prisma().line.findUniqueOrThrow({ where: { id: line.id } })).failedPasswordCount).toBe(i + 1);
    }
    expect(await prisma().outboxEmail.count({ where: { customerId: customer.id } })).toBe(0);

    const fifthAt = at(4000);
    const until = new Date(fifthAt.getTime() + 30 * MIN);
    const fifth = await appError(submit(customer, { number: line.number, currentPassword: wrong[4]!, newPassword: next, now: fifthAt }));
    expect(fifth.code).toBe("LINE_BLOCKED");
    expect(fifth.message).toBe(until.toISOString());
    const blocked = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(blocked.blockedUntil).toEqual(until);

    const failed = await auditsOf("LINE_PASSWORD_FAILED", line.number);
    expect(failed.map((a) => detailsOf(a).consecutive)).toEqual([1, 2, 3, 4, 5]);
    const blockAudits = await auditsOf("LINE_BLOCKED", line.number);
    expect(blockAudits).toHaveLength(1);
    expect(detailsOf(blockAudits[0]!)).toEqual({ until: until.toISOString() });
    const mails = await prisma().outboxEmail.findMany({ where: { customerId: customer.id } });
    expect(mails.map((m) => m.kind)).toEqual(["LINE_BLOCKED"]);
    expect(mails[0]!.toAddress).toBe(customer.email);
    expect(mails[0]!.body).toContain(line.number);
    expect(mails[0]!.body).toContain("2026年11月25日 14:30"); // 14:00:04 + 30 min, in Japan time

    // Blocked: even the right password is refused, up to the last millisecond, and nothing is counted.
    for (const when of [at(5000), at(10 * MIN), new Date(until.getTime() - 1)]) {
      const e = await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, now: when }));
      expect(e.code).toBe("LINE_BLOCKED");
      expect(e.message).toBe(until.toISOString());
    }
    expect(await prisma().passwordChange.count({ where: { lineId: line.id } })).toBe(0);
    expect(await verifySecret((await prisma().line.findUniqueOrThrow({ where: { id: line.id } })).passwordHash, line.password)).toBe(true);
    expect(await auditsOf("LINE_PASSWORD_FAILED", line.number)).toHaveLength(5);

    // The login lockout is separate: the customer's own counters are as seeded.
    const c = await prisma().customer.findUniqueOrThrow({ where: { id: customer.id } });
    expect(c).toMatchObject({ failedLoginCount: 2, lockedUntil: null, lockoutCount: 0 });

    // After 30 minutes the right password works.
    const result = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, now: until });
    expect(result.replayed).toBe(false);
    expect(result.deadline).toEqual(new Date(until.getTime() + 15 * MIN));
    const after = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(after.failedPasswordCount).toBe(0);
    expect(await verifySecret(after.passwordHash, next)).toBe(true);
    expect(await prisma().customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({ failedLoginCount: 2, lockedUntil: null, lockoutCount: 0 });
  });

  it("a success resets the count: 4 wrong, 1 right, 4 wrong is not a block", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const next = newPassword();
    for (let i = 0; i < 4; i++) expect((await appError(submit(customer, { number: line.number, currentPassword: "wrongpw9", newPassword: next }))).code).toBe("CURRENT_PASSWORD_WRONG");
    await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next });
    for (let i = 0; i < 4; i++) expect((await appError(submit(customer, { number: line.number, currentPassword: "wrongpw9", newPassword: newPassword() }))).code).toBe("CURRENT_PASSWORD_WRONG");
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(l.failedPasswordCount).toBe(4);
    expect(l.blockedUntil).toBeNull();
  });
});

// ---- idempotency ---------------------------------------------------------------------------------

describe("idempotency", () => {
  it("the same form submitted again returns the first result and writes nothing", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const next = newPassword();
    const key = randomUUID();
    const first = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, key });
    const before = await counts();

    // A retried request, later, with the very same form (whose current password is no longer current).
    const again = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, key, now: at(3 * 60 * MIN) });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await counts()).toEqual(before);
    expect(await prisma().auditEvent.count({ where: { lineNumber: line.number, type: "LINE_PASSWORD_FAILED" } })).toBe(0);
  });

  it("another customer's idempotency key is not a replay of their change", async () => {
    const victim = await seedCustomer();
    const victimLine = await seedLine(victim.id, "B2BUA");
    const key = randomUUID();
    const theirs = await submit(victim, { number: victimLine.number, currentPassword: victimLine.password, newPassword: newPassword(), key });

    const me = await seedCustomer();
    const mine = await seedLine(me.id, "IP_PHONE");
    const outcome = await submit(me, { number: mine.number, currentPassword: mine.password, newPassword: newPassword(), key }).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // Either refused, or accepted as a change of MY line — never answered with the victim's change.
    const myChanges = await prisma().passwordChange.findMany({ where: { lineId: mine.id } });
    const myLine = await prisma().line.findUniqueOrThrow({ where: { id: mine.id } });
    if ("value" in outcome) {
      expect(outcome.value.changeId).not.toBe(theirs.changeId);
      expect(outcome.value.replayed).toBe(false);
      expect(myChanges.map((c) => c.id)).toEqual([outcome.value.changeId]);
    } else {
      // Refused: nothing of mine changed (not "accepted" with my password silently kept).
      expect(myChanges).toEqual([]);
      expect(await verifySecret(myLine.passwordHash, mine.password)).toBe(true);
    }
    const victimChange = await prisma().passwordChange.findUniqueOrThrow({ where: { id: theirs.changeId } });
    expect(victimChange).toMatchObject({ status: "PENDING", lineId: victimLine.id, supersededById: null });
  });
});

// ---- concurrency ---------------------------------------------------------------------------------

describe("concurrent submissions", () => {
  it("20 parallel submits of one form: exactly one PasswordChange, the same changeId everywhere, no failure counted", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const next = newPassword();
    const key = randomUUID();
    const before = await counts();

    const results = await Promise.all(Array.from({ length: 20 }, () => submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, key })));

    const ids = new Set(results.map((r) => r.changeId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r).toMatchObject({ number: line.number, service: "B2BUA", dueAt: new Date("2026-11-25T17:30:00.000+09:00") });

    const rows = await prisma().passwordChange.findMany({ where: { lineId: line.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: results[0]!.changeId, status: "PENDING", idempotencyKey: key });
    const after = await counts();
    expect(after.changes).toBe(before.changes + 1);
    expect(after.mails).toBe(before.mails + 1);
    expect(await prisma().auditEvent.findMany({ where: { lineNumber: line.number }, select: { type: true } })).toEqual([{ type: "CHANGE_ACCEPTED" }]);
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(l.failedPasswordCount).toBe(0);
    expect(l.blockedUntil).toBeNull();
    expect(await verifySecret(l.passwordHash, next)).toBe(true);
  });

  it("10 parallel submits with different keys to one line: at most one PENDING, the line's hash and the pending credential agree, only AppErrors escape", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "IP_PHONE");
    const passwords = Array.from({ length: 10 }, () => newPassword());

    const settled = await Promise.allSettled(passwords.map((p, i) => submit(customer, { number: line.number, currentPassword: line.password, newPassword: p, now: at(i) })));

    const unexpected = settled.filter((s): s is PromiseRejectedResult => s.status === "rejected" && !(s.reason instanceof AppError));
    expect(unexpected.map((s) => String((s.reason as Error)?.stack ?? s.reason))).toEqual([]);
    const refusedCodes = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as AppError).code] : []));
    for (const code of refusedCodes) expect(["CURRENT_PASSWORD_WRONG", "LINE_BLOCKED"]).toContain(code);
    const accepted = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(accepted.every((a) => !a.replayed)).toBe(true);

    const rows = await prisma().passwordChange.findMany({ where: { lineId: line.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.id).sort()).toEqual(accepted.map((a) => a.changeId).sort());
    const pending = rows.filter((r) => r.status === "PENDING");
    expect(pending).toHaveLength(1);
    for (const r of rows.filter((x) => x.status !== "PENDING")) {
      expect(r.status).toBe("SUPERSEDED");
      expect(r.credential).toBeNull();
      expect(rows.map((x) => x.id)).toContain(r.supersededById);
    }
    // The line's hash is the pending change's password: what the customer was told last is what the worker will provision.
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    const winnerIndex = accepted.findIndex((a) => a.changeId === pending[0]!.id);
    expect(winnerIndex).toBeGreaterThanOrEqual(0);
    const winnerPassword = passwords.find((p) => JSON.parse(unseal(pending[0]!.credential!, KEY, pending[0]!.id)).ha1 === md5(`${line.number}:${REALM}:${p}`));
    expect(winnerPassword).toBeDefined();
    expect(await verifySecret(l.passwordHash, winnerPassword!)).toBe(true);
  });
});

describe("test database", () => {
  it(`runs on ${testDbKind}`, () => {
    expect(database.kind).toBe(testDbKind);
  });
});
