import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { hashSecret, verifySecret } from "@/lib/auth/password";
import { unseal } from "@/lib/crypto/seal";
import { AppError } from "@/lib/errors";
import { LINE_BLOCK_MS, LINE_FAILURES_TO_BLOCK, cancelPendingChange, changeLinePassword, type ChangeAccepted, type Customer } from "@/lib/lines/change-password";
import { reflectionPromise } from "@/lib/lines/promise";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { runReflectionBatch } from "@/lib/reflection/worker";
import { computeReflection, type ServiceType } from "@/lib/schedule";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";
import { md5 } from "../helpers/md5";

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

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
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
  const passwordHash = await hashSecret(password);
  const line = await prisma().line.create({ data: { number, customerId, service, passwordHash, baselinePasswordHash: passwordHash } });
  return { id: line.id, number, service, password };
}

function submit(customer: Customer, o: { number: string; currentPassword: string; newPassword: string; key?: string; now?: Date; promised?: string }) {
  return changeLinePassword(database, {
    customer: { id: customer.id, loginId: customer.loginId, email: customer.email, locale: customer.locale },
    number: o.number,
    currentPassword: o.currentPassword,
    newPassword: o.newPassword,
    idempotencyKey: o.key ?? randomUUID(),
    promised: o.promised,
    now: o.now ?? T0,
    client: CLIENT,
  });
}

/** The AppError a promise rejects with (fails the test on success or on any other error); its data untyped. */
async function appError(p: Promise<unknown>): Promise<AppError & { data: Record<string, string | undefined> }> {
  const outcome = await p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!("error" in outcome)) throw new Error(`expected an AppError, got ${json(outcome.value)}`);
  if (!(outcome.error instanceof AppError)) throw outcome.error;
  return outcome.error as AppError & { data: Record<string, string | undefined> };
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
    // The 14:00 → 17:30 rule itself is the unit table's (tests/unit/schedule.test.ts) and the e2e's
    // (tests/e2e/password-change.spec.ts); here: the use-case stores and answers what lib/schedule says.

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
    expect(fifth.data.until).toBe(until.toISOString());
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
      expect(e.data.until).toBe(until.toISOString());
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

  it("each wrong current password says how many wrong tries remain before the block", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const remaining: string[] = [];
    for (let i = 0; i < LINE_FAILURES_TO_BLOCK - 1; i++) {
      const e = await appError(submit(customer, { number: line.number, currentPassword: "wrongpw9", newPassword: newPassword() }));
      expect(e.code).toBe("CURRENT_PASSWORD_WRONG");
      remaining.push(e.data.remaining!);
    }
    expect(remaining).toEqual(["4", "3", "2", "1"]);
    expect((await appError(submit(customer, { number: line.number, currentPassword: "wrongpw9", newPassword: newPassword() }))).code).toBe("LINE_BLOCKED");
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

describe("one form, one content (Back after a completed change)", () => {
  it("the same key with another new password is refused with the change it made, audited, and nothing else is written", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const first = newPassword();
    const key = randomUUID();
    const accepted = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: first, key });
    const before = await counts();

    // Back, then the now-current password as current and another new one, under the same key.
    const second = newPassword();
    const e = await appError(submit(customer, { number: line.number, currentPassword: first, newPassword: second, key, now: at(2 * MIN) }));
    expect(e.code).toBe("FORM_ALREADY_USED");
    expect(e.data).toMatchObject({ changeId: accepted.changeId, requestedAt: accepted.requestedAt.toISOString() });
    const after = await counts();
    expect(after).toMatchObject({ changes: before.changes, mails: before.mails });
    const refused = await prisma().auditEvent.findMany({ where: { lineNumber: line.number, type: "CHANGE_REFUSED" } });
    expect(refused).toHaveLength(1);
    expect(refused[0]!.details).toMatchObject({ reason: "form_already_used", acceptedChangeId: accepted.changeId });
    // The stored password is still the first one: the second was never taken for "current".
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(l.passwordHash, first)).toBe(true);
    expect(await verifySecret(l.passwordHash, second)).toBe(false);

    // A fresh form (a new key) with the same content is its own change.
    const again = await submit(customer, { number: line.number, currentPassword: first, newPassword: second, now: at(3 * MIN) });
    expect(again.replayed).toBe(false);
    expect(again.changeId).not.toBe(accepted.changeId);
  });

  it("the same key for another of the customer's lines is refused too (the content is the line and the password)", async () => {
    const customer = await seedCustomer();
    const [a, b] = [await seedLine(customer.id, "B2BUA"), await seedLine(customer.id, "IP_PHONE")];
    const key = randomUUID();
    const next = newPassword();
    await submit(customer, { number: a.number, currentPassword: a.password, newPassword: next, key });
    expect((await appError(submit(customer, { number: b.number, currentPassword: b.password, newPassword: next, key }))).code).toBe("FORM_ALREADY_USED");
    expect(await prisma().passwordChange.count({ where: { lineId: b.id } })).toBe(0);
  });
});

describe("the reflection time the form showed", () => {
  it("a promise shown at 16:59 and sent at 17:00:01 is refused with the new time (18:30); sent again with it, the change is accepted", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const shownAt = new Date("2026-11-25T16:59:00.000+09:00");
    const sentAt = new Date("2026-11-25T17:00:01.000+09:00");
    const shown = reflectionPromise("B2BUA", shownAt);
    const next = newPassword();
    const before = await counts();
    const e = await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, now: sentAt, promised: shown.key }));
    expect(e.code).toBe("REFLECTION_CHANGED");
    expect(e.data.dueAt).toBe(new Date("2026-11-25T18:30:00.000+09:00").toISOString());
    expect((await counts()).changes).toBe(before.changes);
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(l.failedPasswordCount).toBe(0);
    expect(await verifySecret(l.passwordHash, line.password)).toBe(true);

    const accepted = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, now: sentAt, promised: e.data.promise });
    expect(accepted.dueAt).toEqual(new Date("2026-11-25T18:30:00.000+09:00"));
  });

  it("a form that showed no promise ('' from the screen) is never committed silently; an IP_PHONE promise ('within 15 minutes') holds at any time", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "IP_PHONE");
    expect((await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), promised: "" }))).code).toBe("REFLECTION_CHANGED");
    const shown = reflectionPromise("IP_PHONE", at(0));
    // Minutes later (a slow customer, a busy server) the promise is still the one shown.
    const accepted = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), now: at(7 * MIN), promised: shown.key });
    expect(accepted.deadline).toEqual(at(22 * MIN));
    // A batch line's promise is not an IP_PHONE one.
    const batch = await seedLine(customer.id, "B2BUA");
    expect((await appError(submit(customer, { number: batch.number, currentPassword: batch.password, newPassword: newPassword(), promised: shown.key }))).code).toBe("REFLECTION_CHANGED");
  });
});

describe("a pending change, explained", () => {
  it("the password the phone still uses, typed as current while a change waits, is answered with the pending change's time", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const pending = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword() });
    const e = await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), now: at(MIN) }));
    expect(e.code).toBe("CURRENT_PASSWORD_WRONG");
    expect(e.data).toEqual({ pendingSince: pending.requestedAt.toISOString(), remaining: "4" });
    // Without a change waiting, a wrong password says only how many tries remain.
    const other = await seedLine(customer.id, "B2BUA");
    expect((await appError(submit(customer, { number: other.number, currentPassword: "wrong123", newPassword: newPassword() }))).data).toEqual({ remaining: "4" });
  });
});

describe("cancel a pending change", () => {
  const registrarHas = async (number: string) => prisma().registrarCredential.findUnique({ where: { username: number } });

  it("returns the line to the password the registrar holds, erases the credential, audits and mails; the worker never applies it", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const next = newPassword();
    const change = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next });
    const done = await cancelPendingChange(database, { customer, changeId: change.changeId, now: at(5 * MIN), client: CLIENT });
    expect(done).toMatchObject({ changeId: change.changeId, number: line.number });

    const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: change.changeId } });
    expect(row).toMatchObject({ status: "CANCELLED", credential: null, cancelledAt: at(5 * MIN), appliedAt: null });
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(l.passwordHash, line.password)).toBe(true);
    expect(await verifySecret(l.passwordHash, next)).toBe(false);
    const audit = await prisma().auditEvent.findMany({ where: { lineNumber: line.number, type: "CHANGE_CANCELLED" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ changeId: change.changeId, restoredTo: "baseline" });
    const mail = await prisma().outboxEmail.findFirstOrThrow({ where: { customerId: customer.id, kind: "CHANGE_CANCELLED" } });
    expect(mail.subject).toContain("取り消しました");
    expect(mail.body).toContain(line.number);

    await runReflectionBatch({ database, provisioner: internalProvisioner, credentialKey: KEY, now: at(24 * 60 * MIN), batchSize: 500, maxAttempts: 3 });
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: change.changeId } })).status).toBe("CANCELLED");
    expect(await registrarHas(line.number)).toBeNull();
    // And the old password works for a new change.
    await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), now: at(6 * MIN) });
  });

  it("a change it had superseded stays superseded: the line returns to the last reflected password, not the superseded one's", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const p1 = newPassword();
    const p2 = newPassword();
    const first = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: p1 });
    const second = await submit(customer, { number: line.number, currentPassword: p1, newPassword: p2, now: at(MIN) });
    await cancelPendingChange(database, { customer, changeId: second.changeId, now: at(2 * MIN), client: CLIENT });
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: first.changeId } })).status).toBe("SUPERSEDED");
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(l.passwordHash, line.password)).toBe(true);
    expect(await verifySecret(l.passwordHash, p1)).toBe(false);
  });

  it("after an applied change, the line returns to that change's password; an applied change cannot be cancelled", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "IP_PHONE");
    const p1 = newPassword();
    const p2 = newPassword();
    const first = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: p1 });
    await runReflectionBatch({ database, provisioner: internalProvisioner, credentialKey: KEY, now: at(MIN), batchSize: 50, maxAttempts: 3 });
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: first.changeId } })).status).toBe("APPLIED");
    expect((await appError(cancelPendingChange(database, { customer, changeId: first.changeId, now: at(2 * MIN), client: CLIENT }))).code).toBe("ALREADY_REFLECTED");

    const line2 = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    // IP_PHONE changes are due at once: cancel it before any worker runs.
    const second = await submit(customer, { number: line.number, currentPassword: p1, newPassword: p2, now: at(3 * MIN) });
    expect(line2.id).toBe(line.id);
    const done = await cancelPendingChange(database, { customer, changeId: second.changeId, now: at(3 * MIN), client: CLIENT });
    expect(done.changeId).toBe(second.changeId);
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(await verifySecret(l.passwordHash, p1)).toBe(true);
    expect((await prisma().auditEvent.findFirstOrThrow({ where: { lineNumber: line.number, type: "CHANGE_CANCELLED" } })).details).toMatchObject({ restoredTo: first.changeId });
  });

  it("a form whose change was cancelled (or superseded) never replays its completion: the same content again is refused", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const key = randomUUID();
    const next = newPassword();
    const change = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, key });
    await cancelPendingChange(database, { customer, changeId: change.changeId, now: at(MIN), client: CLIENT });
    const e = await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: next, key, now: at(2 * MIN) }));
    expect(e.code).toBe("FORM_ALREADY_USED");
    expect(e.data.changeId).toBe(change.changeId);

    const key2 = randomUUID();
    const p1 = newPassword();
    const first = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: p1, key: key2, now: at(3 * MIN) });
    await submit(customer, { number: line.number, currentPassword: p1, newPassword: newPassword(), now: at(4 * MIN) });
    expect((await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: p1, key: key2, now: at(5 * MIN) }))).data.changeId).toBe(first.changeId);
  });

  it("guess slots never given back (their requests died) become a real, audited block instead of a line stuck for good", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    // Every slot taken, the last of them a minute ago, and none given back since.
    await database.sql.query(`UPDATE "Line" SET "failedPasswordCount" = $2, "guessSlotsAt" = clock_timestamp() - interval '61 seconds' WHERE id = $1::uuid`, [line.id, LINE_FAILURES_TO_BLOCK]);
    const e = await appError(submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword() }));
    expect(e.code).toBe("LINE_BLOCKED");
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(l.blockedUntil).toEqual(new Date(T0.getTime() + LINE_BLOCK_MS));
    expect(l.failedPasswordCount).toBe(0);
    expect((await prisma().auditEvent.findFirstOrThrow({ where: { type: "LINE_BLOCKED", details: { path: ["reason"], equals: "stuck_guess_slots" } } })).details).toMatchObject({ reason: "stuck_guess_slots" });
    // After the block the line opens again, and the right password works.
    await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword(), now: new Date(T0.getTime() + LINE_BLOCK_MS + 1) });
  });

  it("a guess waiting longer than the old 10 s behind slots that are still moving is not blocked: it gets the slot once one is given back", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    // Every slot in use by verifications that are slow (a loaded machine), the newest taken just now.
    await database.sql.query(`UPDATE "Line" SET "failedPasswordCount" = $2, "guessSlotsAt" = clock_timestamp() WHERE id = $1::uuid`, [line.id, LINE_FAILURES_TO_BLOCK]);
    const next = newPassword();
    let settled = false;
    const pending = submit(customer, { number: line.number, currentPassword: line.password, newPassword: next }).finally(() => (settled = true));
    // Half-way, another guess ends and a new one takes its slot: the slots are alive.
    await new Promise((r) => setTimeout(r, 6_000));
    await database.sql.query(`UPDATE "Line" SET "guessSlotsAt" = clock_timestamp() WHERE id = $1::uuid`, [line.id]);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(settled).toBe(false);
    expect((await prisma().line.findUniqueOrThrow({ where: { id: line.id } })).blockedUntil).toBeNull();
    // One slot is given back (its guess was a replay): the waiting guess takes it and is accepted.
    await database.sql.query(`UPDATE "Line" SET "failedPasswordCount" = "failedPasswordCount" - 1, "guessSlotsAt" = clock_timestamp() WHERE id = $1::uuid`, [line.id]);
    const r = await pending;
    expect(r.replayed).toBe(false);
    const l = await prisma().line.findUniqueOrThrow({ where: { id: line.id } });
    expect(l.blockedUntil).toBeNull();
    expect(await verifySecret(l.passwordHash, next)).toBe(true);
    expect(await prisma().auditEvent.count({ where: { type: "LINE_BLOCKED", lineNumber: line.number } })).toBe(0);
  }, 60_000);

  it("is refused for another customer's change, twice for the same change, and for a line with no known baseline", async () => {
    const customer = await seedCustomer();
    const stranger = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const change = await submit(customer, { number: line.number, currentPassword: line.password, newPassword: newPassword() });
    expect((await appError(cancelPendingChange(database, { customer: stranger, changeId: change.changeId, now: at(MIN), client: CLIENT }))).code).toBe("CHANGE_NOT_FOUND");
    await cancelPendingChange(database, { customer, changeId: change.changeId, now: at(MIN), client: CLIENT });
    expect((await appError(cancelPendingChange(database, { customer, changeId: change.changeId, now: at(2 * MIN), client: CLIENT }))).code).toBe("NOT_CANCELLABLE");

    // A line whose change waited from before the migration: no baseline, nothing is changed.
    const old = await seedLine(customer.id, "B2BUA");
    const waiting = await submit(customer, { number: old.number, currentPassword: old.password, newPassword: newPassword() });
    await prisma().line.update({ where: { id: old.id }, data: { baselinePasswordHash: null } });
    const e = await appError(cancelPendingChange(database, { customer, changeId: waiting.changeId, now: at(MIN), client: CLIENT }));
    expect(e).toMatchObject({ code: "NOT_CANCELLABLE", data: { status: "PENDING" } });
    expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: waiting.changeId } })).status).toBe("PENDING");
  });

  it("cancel and the worker race (many rounds, concurrently): each change is applied or cancelled, never both, never neither", async () => {
    const customer = await seedCustomer();
    const worker = testDbKind === "postgres" ? database.openSecond!() : database;
    try {
      const rounds = 25;
      const lines = await Promise.all(Array.from({ length: rounds }, () => seedLine(customer.id, "IP_PHONE")));
      const outcomes: string[] = [];
      let round = 0;
      for (const l of lines) {
        // One due change at a time: the worker's claim either takes this one or finds nothing.
        const change = await submit(customer, { number: l.number, currentPassword: l.password, newPassword: newPassword() });
        // The worker runs on its own connection pool; the cancel on the process's.
        // Who starts first varies from round to round (a 0–12 ms head start for the cancel), so both
        // orders — and the moments where both hold the row at once — are exercised.
        const headStart = (round++ % 5) * 3;
        const [cancel, batch] = await Promise.allSettled([
          cancelPendingChange(database, { customer, changeId: change.changeId, now: at(MIN), client: CLIENT }),
          sleep(headStart).then(() => runReflectionBatch({ database: worker, provisioner: internalProvisioner, credentialKey: KEY, now: at(MIN), batchSize: 1, maxAttempts: 3 })),
        ]);
        const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: change.changeId } });
        const registrar = await registrarHas(l.number);
        if (row.status === "CANCELLED") {
          expect(cancel.status).toBe("fulfilled");
          expect(registrar, "a cancelled change reached the registrar").toBeNull();
          expect(batch.status === "fulfilled" && batch.value.applied).toBe(0);
          expect(await verifySecret((await prisma().line.findUniqueOrThrow({ where: { id: l.id } })).passwordHash, l.password)).toBe(true);
        } else {
          expect(row.status).toBe("APPLIED");
          expect(cancel.status === "rejected" && (cancel.reason as AppError).code).toBe("ALREADY_REFLECTED");
          expect(registrar?.lastChangeId).toBe(change.changeId);
        }
        expect(row.credential).toBeNull();
        outcomes.push(row.status);
      }
      expect(outcomes).toHaveLength(rounds);
      expect(await prisma().auditEvent.count({ where: { customerId: customer.id, type: "CHANGE_CANCELLED" } })).toBe(outcomes.filter((o) => o === "CANCELLED").length);
      expect(await prisma().auditEvent.count({ where: { customerId: customer.id, type: "CHANGE_APPLIED" } })).toBe(outcomes.filter((o) => o === "APPLIED").length);
    } finally {
      if (worker !== database) await worker.close();
    }
  });
});

describe("wrong current passwords at once (the per-line limit is atomic)", () => {
  it("30 simultaneous wrong guesses for one line: at most 5 are verified, all others answer LINE_BLOCKED, one block email", async () => {
    const customer = await seedCustomer();
    const line = await seedLine(customer.id, "B2BUA");
    const settled = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => submit(customer, { number: line.number, currentPassword: `wrong${String(i).padStart(3, "0")}`, newPassword: newPassword() })));
    const codes = settled.map((s) => (s.status === "rejected" ? (s.reason as AppError).code : "ACCEPTED"));
    expect(codes.filter((c) => c === "CURRENT_PASSWORD_WRONG").length).toBeLessThanOrEqual(LINE_FAILURES_TO_BLOCK - 1);
    expect(codes.filter((c) => c !== "CURRENT_PASSWORD_WRONG" && c !== "LINE_BLOCKED")).toEqual([]);
    expect(await prisma().auditEvent.count({ where: { lineNumber: line.number, type: "LINE_PASSWORD_FAILED" } })).toBe(LINE_FAILURES_TO_BLOCK);
    expect(await prisma().outboxEmail.count({ where: { customerId: customer.id, kind: "LINE_BLOCKED" } })).toBe(1);
  });

  it("29 wrong and the right one at once, repeated: the right one is accepted only before the block; once blocked, right and wrong answer alike", async () => {
    for (let round = 0; round < 3; round++) {
      const customer = await seedCustomer();
      const line = await seedLine(customer.id, "B2BUA");
      const right = 7 + round * 9;
      const settled = await Promise.allSettled(
        Array.from({ length: 30 }, (_, i) => submit(customer, { number: line.number, currentPassword: i === right ? line.password : `wrong${String(i).padStart(3, "0")}`, newPassword: newPassword() })),
      );
      // The right one is accepted, or answered "blocked" like the wrong ones; never "wrong".
      const rightOutcome = settled[right]!;
      if (rightOutcome.status === "rejected") expect((rightOutcome.reason as AppError).code).toBe("LINE_BLOCKED");
      const verified = await prisma().auditEvent.count({ where: { lineNumber: line.number, type: { in: ["LINE_PASSWORD_FAILED", "CHANGE_ACCEPTED"] } } });
      const accepted = settled.filter((s) => s.status === "fulfilled");
      const blockedAt = (await prisma().auditEvent.findFirst({ where: { lineNumber: line.number, type: "LINE_BLOCKED" } }))?.id;
      const acceptedAt = (await prisma().auditEvent.findFirst({ where: { lineNumber: line.number, type: "CHANGE_ACCEPTED" } }))?.id;
      if (accepted.length > 0 && blockedAt !== undefined) expect(acceptedAt! < blockedAt).toBe(true);
      // A success resets the count, so at most 5 guesses before it and 5 after it are verified.
      expect(verified).toBeLessThanOrEqual(2 * LINE_FAILURES_TO_BLOCK);
      if (accepted.length === 0) expect(verified).toBeLessThanOrEqual(LINE_FAILURES_TO_BLOCK);
      expect(accepted.length).toBeLessThanOrEqual(1);
    }
  });
});
