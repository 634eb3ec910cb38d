import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClientInfo } from "@/lib/audit";
import { LOGIN_FAILURES_TO_LOCK } from "@/lib/auth/lockout";
import { startLogin, verifyCode } from "@/lib/auth/login";
import { checkSession } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { changeLinePassword, type Customer } from "@/lib/lines/change-password";
import type { Provisioner } from "@/lib/provisioning";
import { internalProvisioner } from "@/lib/provisioning/internal";
import { runReflectionBatch, type WorkerOptions } from "@/lib/reflection/worker";
import type { ServiceType } from "@/lib/schedule";
import { retryFailedChange, unlockCustomer, type Staff } from "@/lib/support/commands";
import { customerAuditEvents, customerDetail, findCustomers, SEARCH_MIN_PARTIAL, searchCustomers } from "@/lib/support/lookup";
import { createTestCustomer, createTestStaff } from "@/testing/data";
import { installTestSecrets, TEST_REALM } from "@/testing/changes";
import { createTestDatabase, testDbKind, type TestDatabase } from "../helpers/db";
import { md5 } from "../helpers/md5";

const KEY = installTestSecrets();
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const T0 = new Date("2026-11-25T14:00:00+09:00");
/** Where a B2BUA change made at 14:00 is due: the 17:30 batch of the same day. */
const DUE_1730 = new Date("2026-11-25T17:30:00+09:00");
const at = (ms: number, from = T0) => new Date(from.getTime() + ms);

const UA = "Mozilla/5.0 (support integration test)";
const NO_IP: ClientInfo = { ip: null, userAgent: UA };
const STAFF_CLIENT: ClientInfo = { ip: "203.0.113.9", userAgent: "Mozilla/5.0 (support console test)" };
const CUSTOMER_PASSWORD = "Selfcare-Pw-1";
const LINE_PASSWORD = "oldpass1";

let database: TestDatabase;
const prisma = () => database.prisma;
let staff: Staff;

beforeAll(async () => {
  database = await createTestDatabase();
  const { id } = await createTestStaff(database, { loginId: "support-test", password: "Support-pass-test", email: "support-test@example.jp" });
  staff = { id, loginId: "support-test" };
});

// Every test starts with no due work from another test: what a test leaves PENDING is retired here.
afterEach(async () => {
  await database.sql.query(`UPDATE "PasswordChange" SET status = 'SUPERSEDED', credential = NULL WHERE status = 'PENDING'`);
});

afterAll(async () => {
  await database?.close();
});

// Line numbers of the lookup fixtures are fixed; every other test takes the next of these, which
// contain neither "8765" nor "5678" nor "0001" (the lookup tests' fragments).
let nextNumber = 5_030_000_100;
const newNumber = () => `0${nextNumber++}`;

interface TestCustomer {
  customer: Customer;
  id: string;
  selfcareId: string;
  email: string;
  numbers: string[];
}

async function makeCustomer(o: { selfcareId?: string; email?: string; lines: { service: ServiceType; number?: string }[] }): Promise<TestCustomer> {
  const selfcareId = o.selfcareId ?? `sup${randomBytes(4).toString("hex")}`;
  const email = o.email ?? `${selfcareId}@example.jp`;
  const lines = o.lines.map((l) => ({ number: l.number ?? newNumber(), service: l.service, password: LINE_PASSWORD }));
  const { id } = await createTestCustomer(database, { selfcareId, password: CUSTOMER_PASSWORD, email, locale: "ja", lines });
  return { customer: { id, loginId: selfcareId, email, locale: "ja" }, id, selfcareId, email, numbers: lines.map((l) => l.number) };
}

function requestChange(c: TestCustomer, number: string, newPassword: string, now: Date, currentPassword = LINE_PASSWORD) {
  return changeLinePassword(database, { customer: c.customer, number, currentPassword, newPassword, idempotencyKey: randomUUID(), now, client: NO_IP });
}

function worker(now: Date, overrides: Partial<WorkerOptions> = {}): WorkerOptions {
  return { database, provisioner: internalProvisioner, credentialKey: KEY, now, batchSize: 50, maxAttempts: 5, ...overrides };
}

const broken: Provisioner = {
  name: "broken",
  provision: () => Promise.reject(new Error("registrar unreachable (support test)")),
};

/** A change the worker gave up on: one attempt, provisioner throwing. Credential still sealed. */
async function failedChange(c: TestCustomer, newPassword: string, now = T0) {
  const accepted = await requestChange(c, c.numbers[0]!, newPassword, now);
  expect(accepted.dueAt).toEqual(now); // IP_PHONE: due at once
  const r = await runReflectionBatch(worker(now, { provisioner: broken, maxAttempts: 1 }));
  expect(r.gaveUp).toBeGreaterThanOrEqual(1);
  const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } });
  expect(row).toMatchObject({ status: "FAILED", attempts: 1 });
  expect(row.credential).toMatch(/^v1\./);
  return row;
}

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

const login = (c: TestCustomer, password: string, now: Date) => startLogin(database, { kind: "customer", loginId: c.selfcareId, password, now, client: NO_IP });

async function lockOut(c: TestCustomer, now: Date) {
  for (let i = 0; i < LOGIN_FAILURES_TO_LOCK; i++) {
    expect(await failure(login(c, `Wrong-pw-${i}`, now))).toBe("INVALID_CREDENTIALS");
  }
  const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
  expect(row.lockedUntil?.getTime()).toBeGreaterThan(now.getTime());
  return row;
}

/** The latest login code emailed to `email` (read from the outbox body, as a mailbox would). */
async function latestCode(email: string): Promise<string> {
  const mail = await prisma().outboxEmail.findFirst({ where: { toAddress: email, kind: "LOGIN_CODE" }, orderBy: { createdAt: "desc" } });
  const m = mail && /認証コード: (\d{6})/.exec(mail.body);
  if (!m) throw new Error(`no code mail for ${email}`);
  return m[1]!;
}

const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
const ids = (rows: { selfcareId: string }[]) => rows.map((r) => r.selfcareId);

describe(`support lookup on ${testDbKind}`, () => {
  describe("searchCustomers", () => {
    beforeAll(async () => {
      await makeCustomer({ selfcareId: "demo0001", email: "demo0001@example.jp", lines: [{ service: "B2BUA", number: "05012345678" }] });
      await makeCustomer({ selfcareId: "demo0002", email: "demo0002@example.jp", lines: [{ service: "IP_PHONE", number: "05087654321" }] });
      // A line number containing "0001": a search for the ID "demo0001" must not bring this one up.
      await makeCustomer({ selfcareId: "yamada", email: "Taro.Yamada@Example.JP", lines: [{ service: "IP_PHONE", number: "05000000001" }] });
      // LIKE metacharacters in the data: a search for them must find these literally, and only these.
      await makeCustomer({ selfcareId: "ab_cd", email: "abcd@example.net", lines: [] });
      await makeCustomer({ selfcareId: "100%ok", email: "pct@example.net", lines: [] });
    });

    it("matches part of a self-care ID, whatever the case", async () => {
      expect(ids(await searchCustomers(database, "DEMO00"))).toEqual(["demo0001", "demo0002"]);
      expect(ids(await searchCustomers(database, "demo0002"))).toEqual(["demo0002"]);
      expect(ids(await searchCustomers(database, "  Demo0002  "))).toEqual(["demo0002"]);
    });

    it("matches an ID exactly without pulling in customers whose line number happens to share its digits", async () => {
      expect(ids(await searchCustomers(database, "demo0001"))).toEqual(["demo0001"]);
    });

    it("matches part of an email, whatever the case", async () => {
      expect(ids(await searchCustomers(database, "taro.YAMADA@example.jp"))).toEqual(["yamada"]);
      expect(ids(await searchCustomers(database, "yamada@EXAMPLE"))).toEqual(["yamada"]);
      expect(ids(await searchCustomers(database, "@example.net"))).toEqual(["100%ok", "ab_cd"]);
    });

    it("matches a fragment of a line number, also written with hyphens", async () => {
      expect(ids(await searchCustomers(database, "8765"))).toEqual(["demo0002"]);
      expect(ids(await searchCustomers(database, "050-8765-4321"))).toEqual(["demo0002"]);
      expect(ids(await searchCustomers(database, "5678"))).toEqual(["demo0001"]);
      const [found] = await searchCustomers(database, "8765");
      expect(found?.lines).toEqual([{ number: "05087654321", service: "IP_PHONE" }]);
    });

    it("returns nothing for an empty or blank query", async () => {
      expect(await searchCustomers(database, "")).toEqual([]);
      expect(await searchCustomers(database, "   ")).toEqual([]);
    });

    it("treats SQL and LIKE metacharacters literally: no match-everything, no error", async () => {
      expect(ids(await searchCustomers(database, "0%o"))).toEqual(["100%ok"]);
      expect(ids(await searchCustomers(database, "b_c"))).toEqual(["ab_cd"]);
      expect(ids(await searchCustomers(database, "%%%"))).toEqual([]);
      expect(ids(await searchCustomers(database, "___"))).toEqual([]);
      expect(ids(await searchCustomers(database, "\\\\\\"))).toEqual([]);
      expect(ids(await searchCustomers(database, "d%1"))).toEqual([]);
      expect(ids(await searchCustomers(database, "demo_00"))).toEqual([]);
      expect(await searchCustomers(database, "' OR 1=1 --")).toEqual([]);
      expect(await searchCustomers(database, "'; DROP TABLE \"Customer\"; --")).toEqual([]);
      expect(await searchCustomers(database, "\\")).toEqual([]);
      expect(await searchCustomers(database, "demo\\")).toEqual([]);
      // The table is still there and intact.
      expect(ids(await searchCustomers(database, "DEMO00"))).toEqual(["demo0001", "demo0002"]);
    });

    it("finds an exact self-care ID alone, whatever its length, and refuses shorter partial queries with a reason", async () => {
      await makeCustomer({ selfcareId: "zq", email: "zq-short@example.org", lines: [] });
      expect(await findCustomers(database, "zq")).toMatchObject({ kind: "results", match: "exact", customers: [{ selfcareId: "zq" }], next: null });
      expect(await findCustomers(database, "demo0001")).toMatchObject({ kind: "results", match: "exact", customers: [{ selfcareId: "demo0001" }] });
      expect(SEARCH_MIN_PARTIAL).toBe(3);
      for (const q of ["de", "Zq", "%", "_", "12", " 1- ", "\\"]) expect(await findCustomers(database, q)).toEqual({ kind: "too-short", min: 3 });
      // Three digits written with a separator are a number search.
      expect(ids(((await findCustomers(database, "8-76")) as { customers: { selfcareId: string }[] }).customers)).toEqual(["demo0002"]);
      expect(await findCustomers(database, "   ")).toEqual({ kind: "empty" });
    });

    it("lists a customer once when the ID, the email and a number all match, ordered by ID", async () => {
      expect(ids(await searchCustomers(database, "emo000"))).toEqual(["demo0001", "demo0002"]);
      // "0001" is in demo0001's ID and email and in yamada's number.
      expect(ids(await searchCustomers(database, "0001"))).toEqual(["demo0001", "yamada"]);
    });

    it("pages by self-care ID: every match once, in order, the last page without a next", async () => {
      const made = [];
      for (let i = 0; i < 25; i++) made.push((await makeCustomer({ selfcareId: `pagetest${String(i).padStart(2, "0")}`, email: `p${i}@paging.example`, lines: [] })).selfcareId);
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const r = await findCustomers(database, "pagetest", { after, take: 10 });
        if (r.kind !== "results") throw new Error(r.kind);
        expect(r.match).toBe("partial");
        seen.push(...ids(r.customers));
        after = r.next;
        pages++;
      } while (after && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([...made].sort());
      // The email branch pages the same way (same order, same keyset).
      const first = await findCustomers(database, "@paging.example", { take: 20 });
      expect(first).toMatchObject({ kind: "results", next: "pagetest19" });
      const second = await findCustomers(database, "@paging.example", { after: "pagetest19", take: 20 });
      expect(second.kind === "results" && ids(second.customers)).toEqual(made.slice(20));
      expect(second).toMatchObject({ next: null });
    });

    it("returns no secret: only the ID, email, lock state and line numbers", async () => {
      const found = await searchCustomers(database, "example");
      expect(found.length).toBeGreaterThanOrEqual(5);
      for (const c of found) expect(Object.keys(c).sort()).toEqual(["email", "id", "lines", "lockedUntil", "selfcareId"]);
      expect(json(found)).not.toContain("$argon2");
    });
  });

  describe("customerAuditEvents", () => {
    it("merges the events naming the customer and those naming only the self-care ID: newest first, limited, each once", async () => {
      const c = await makeCustomer({ lines: [] });
      const other = await makeCustomer({ lines: [] });
      const base = new Date("2027-01-10T10:00:00Z").getTime();
      const ev = (i: number, who: "id" | "login" | "both" | "other") => ({
        at: new Date(base + i * MIN),
        type: "LOGIN_FAILED",
        actor: "anonymous",
        selfcareId: who === "other" ? other.selfcareId : who === "id" ? null : c.selfcareId,
        customerId: who === "other" ? other.id : who === "login" ? null : c.id,
        details: { i },
      });
      await prisma().auditEvent.createMany({
        data: [ev(1, "id"), ev(2, "login"), ev(3, "both"), ev(4, "other"), ev(5, "login"), ev(6, "id"), ev(7, "both"), ev(8, "other"), ev(9, "login")],
      });
      const all = await customerAuditEvents(database, { id: c.id, selfcareId: c.selfcareId }, 50);
      expect(all.map((e) => (e.details as { i: number }).i)).toEqual([9, 7, 6, 5, 3, 2, 1]);
      const newest = await customerAuditEvents(database, { id: c.id, selfcareId: c.selfcareId }, 3);
      expect(newest.map((e) => (e.details as { i: number }).i)).toEqual([9, 7, 6]);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      expect(typeof all[0]!.id).toBe("string");
    });
  });

  describe("customerDetail", () => {
    it("shows a pending B2BUA change due at 17:30, an untouched IP_PHONE line as initial, then applied after the 17:30 batch", async () => {
      const c = await makeCustomer({ lines: [{ service: "B2BUA" }, { service: "IP_PHONE" }] });
      const [b2bua, ipPhone] = c.numbers as [string, string];
      const accepted = await requestChange(c, b2bua, "newpass1", T0);
      expect(accepted.dueAt).toEqual(DUE_1730);

      const before = await customerDetail(database, c.id, at(MIN));
      expect(before).not.toBeNull();
      const lineA = before!.lines.find((l) => l.number === b2bua)!;
      const lineB = before!.lines.find((l) => l.number === ipPhone)!;
      expect(lineA.registrar).toEqual({ kind: "pending", dueAt: DUE_1730, deadline: accepted.deadline, batch: true });
      expect(lineA.changes).toHaveLength(1);
      expect(lineA.changes[0]).toMatchObject({ id: accepted.changeId, status: "PENDING", requestedAt: T0, dueAt: DUE_1730, attempts: 0, appliedAt: null, lastError: null });
      expect(lineA.registrarRow).toBeNull();
      expect(lineB.registrar).toEqual({ kind: "initial" });
      expect(lineB.changes).toEqual([]);

      // One minute before the batch: still pending.
      expect((await runReflectionBatch(worker(at(-MIN, DUE_1730)))).applied).toBe(0);
      expect((await customerDetail(database, c.id, at(-MIN, DUE_1730)))!.lines.find((l) => l.number === b2bua)!.registrar.kind).toBe("pending");

      expect((await runReflectionBatch(worker(DUE_1730))).applied).toBe(1);
      const after = await customerDetail(database, c.id, at(MIN, DUE_1730));
      const appliedLine = after!.lines.find((l) => l.number === b2bua)!;
      expect(appliedLine.registrar).toEqual({ kind: "applied", appliedAt: DUE_1730 });
      expect(appliedLine.changes[0]).toMatchObject({ status: "APPLIED", appliedAt: DUE_1730, attempts: 1 });
      expect(appliedLine.registrarRow).toEqual({ username: b2bua, lastChangeId: accepted.changeId, updatedAt: DUE_1730 });
      expect(after!.lines.find((l) => l.number === ipPhone)!.registrar).toEqual({ kind: "initial" });
      // The registrar really holds the new credential, and support does not see it.
      const ha1 = md5(`${b2bua}:${TEST_REALM}:newpass1`);
      expect((await prisma().registrarCredential.findUniqueOrThrow({ where: { username: b2bua } })).ha1).toBe(ha1);
      expect(json(after)).not.toContain(ha1);
    });

    it("shows a change the worker gave up on as failed, with attempts and the last error", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const row = await failedChange(c, "failpw01");
      const detail = await customerDetail(database, c.id, at(MIN));
      const line = detail!.lines[0]!;
      expect(line.registrar).toEqual({ kind: "failed", attempts: 1, lastError: row.lastError });
      expect(row.lastError).toContain("registrar unreachable (support test)");
      expect(line.changes[0]).toMatchObject({ id: row.id, status: "FAILED", attempts: 1 });
      // The sealed credential is still in the row, but not in what support sees.
      expect(json(detail)).not.toContain("v1.");
      expect(json(detail)).not.toContain(row.credential!);
      expect(json(detail)).not.toContain("failpw01");
      expect(json(detail)).not.toContain(md5(`${c.numbers[0]}:${TEST_REALM}:failpw01`));
    });

    it("shows a newer pending change over an older applied one (what the phone must use is still the old password)", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const first = await requestChange(c, c.numbers[0]!, "first001", T0);
      await runReflectionBatch(worker(T0));
      const second = await requestChange(c, c.numbers[0]!, "second01", at(HOUR), "first001");
      const line = (await customerDetail(database, c.id, at(HOUR)))!.lines[0]!;
      expect(line.registrar).toMatchObject({ kind: "pending", dueAt: at(HOUR), batch: false });
      expect(line.changes.map((ch) => [ch.id, ch.status])).toEqual([
        [second.changeId, "PENDING"],
        [first.changeId, "APPLIED"],
      ]);
      expect(line.registrarRow?.lastChangeId).toBe(first.changeId);
    });

    it("never returns a password, code, hash, sealed credential or HA1; lists the audit trail and the emails without bodies", async () => {
      const c = await makeCustomer({ lines: [{ service: "B2BUA" }, { service: "IP_PHONE" }] });
      const [b2bua, ipPhone] = c.numbers as [string, string];
      const other = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const accepted = await requestChange(c, b2bua, "newpass1", T0);
      // Someone else's activity must not show up in this customer's trail.
      await login(other, CUSTOMER_PASSWORD, T0);

      // A half-finished sign-in: the code is in the outbox, and must not be in the detail.
      await login(c, CUSTOMER_PASSWORD, at(MIN));
      const code = await latestCode(c.email);
      const open = await customerDetail(database, c.id, at(2 * MIN));
      expect(open!.customer).toMatchObject({ id: c.id, selfcareId: c.selfcareId, email: c.email, locked: false, openChallenges: 1, failedLoginCount: 0 });

      // Then five wrong passwords: a lockout.
      await lockOut(c, at(3 * MIN));
      const detail = await customerDetail(database, c.id, at(4 * MIN));
      expect(detail!.customer).toMatchObject({ locked: true, openChallenges: 0, lockoutCount: 1 });

      for (const d of [open, detail]) {
        const text = json(d);
        for (const secret of [CUSTOMER_PASSWORD, LINE_PASSWORD, "newpass1", "Wrong-pw-0"]) expect(text, `leaks ${secret}`).not.toContain(secret);
        expect(text).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
        expect(text).not.toContain("$argon2");
        expect(text).not.toContain("v1.");
        for (const n of [b2bua, ipPhone]) {
          for (const pw of [LINE_PASSWORD, "newpass1"]) {
            expect(text).not.toContain(md5(`${n}:${TEST_REALM}:${pw}`));
            expect(text).not.toContain(md5(`${n}@${TEST_REALM}:${TEST_REALM}:${pw}`));
          }
        }
        // No hex digest of any kind (HA1 and HA1b are 32 hex characters).
        expect(text).not.toMatch(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/i);
      }
      // The secrets the checks look for are really in the database (so the checks could fail).
      const stored = await prisma().passwordChange.findUniqueOrThrow({ where: { id: accepted.changeId } });
      expect(stored.credential).toMatch(/^v1\./);
      expect((await prisma().customer.findUniqueOrThrow({ where: { id: c.id } })).passwordHash).toMatch(/^\$argon2/);

      const types = detail!.audit.map((a) => a.type);
      for (const t of ["CHANGE_ACCEPTED", "LOGIN_PASSWORD_OK", "CODE_SENT", "LOGIN_FAILED", "LOCKOUT"]) expect(types, t).toContain(t);
      expect(types.filter((t) => t === "LOGIN_FAILED")).toHaveLength(LOGIN_FAILURES_TO_LOCK);
      // Newest first, and only this customer's (the other customer signed in at T0).
      expect(detail!.audit.map((a) => a.at.getTime())).toEqual(detail!.audit.map((a) => a.at.getTime()).sort((x, y) => y - x));
      expect(detail!.audit.every((a) => a.at.getTime() >= T0.getTime())).toBe(true);
      expect(types.filter((t) => t === "CODE_SENT")).toHaveLength(1);
      expect(detail!.audit.find((a) => a.type === "CHANGE_ACCEPTED")).toMatchObject({ lineNumber: b2bua, details: { changeId: accepted.changeId } });
      expect(typeof detail!.audit[0]!.id).toBe("string");

      expect(detail!.emails.map((e) => e.kind).sort()).toEqual(["CHANGE_ACCEPTED", "LOCKOUT", "LOGIN_CODE"]);
      for (const e of detail!.emails) {
        expect(e.subject.length).toBeGreaterThan(0);
        expect(e.createdAt).toBeInstanceOf(Date);
        expect(e).not.toHaveProperty("body");
      }
      expect(detail!.emails.find((e) => e.kind === "LOGIN_CODE")!.subject).toContain("認証コード");
      // The code really is in the stored body (what support must never see).
      const codeMail = await prisma().outboxEmail.findFirstOrThrow({ where: { customerId: c.id, kind: "LOGIN_CODE" } });
      expect(codeMail.body).toContain(code);
    });

    it("returns null for an unknown customer", async () => {
      expect(await customerDetail(database, randomUUID(), T0)).toBeNull();
    });
  });
});

describe(`support actions on ${testDbKind}`, () => {
  describe("unlockCustomer", () => {
    it("ends a lockout: counters reset, sessions revoked, an audited STAFF_UNLOCK, and the right password works again", async () => {
      const c = await makeCustomer({ lines: [] });
      const locked = await lockOut(c, T0);
      // The right password is refused while locked.
      expect(await failure(login(c, CUSTOMER_PASSWORD, at(MIN)))).toBe("INVALID_CREDENTIALS");

      const now = at(2 * MIN);
      await unlockCustomer(database, { staff, customerId: c.id, reason: "本人確認済み（電話）", now, client: STAFF_CLIENT });

      const row = await prisma().customer.findUniqueOrThrow({ where: { id: c.id } });
      expect(row).toMatchObject({ lockedUntil: null, failedLoginCount: 0, sessionVersion: locked.sessionVersion + 1 });
      const events = await prisma().auditEvent.findMany({ where: { customerId: c.id, type: "STAFF_UNLOCK" } });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: "staff", staffUserId: staff.id, selfcareId: c.selfcareId, ip: STAFF_CLIENT.ip, userAgent: STAFF_CLIENT.userAgent });
      expect(events[0]!.at).toEqual(now);
      expect(events[0]!.details).toMatchObject({ reason: "本人確認済み（電話）", staff: staff.loginId, wasLockedUntil: locked.lockedUntil!.toISOString() });

      const detail = await customerDetail(database, c.id, now);
      expect(detail!.customer.locked).toBe(false);
      expect(detail!.audit[0]).toMatchObject({ type: "STAFF_UNLOCK", staffUserId: staff.id });

      // The customer can sign in again, all the way through.
      const started = await login(c, CUSTOMER_PASSWORD, at(3 * MIN));
      const session = await verifyCode(database, { challengeId: started.challengeId, code: await latestCode(c.email), now: at(4 * MIN), client: NO_IP });
      expect(session.principalId).toBe(c.id);
    });

    it("ends a half-open sign-in and revokes existing sessions", async () => {
      const c = await makeCustomer({ lines: [] });
      const first = await login(c, CUSTOMER_PASSWORD, T0);
      const session = await verifyCode(database, { challengeId: first.challengeId, code: await latestCode(c.email), now: at(MIN), client: NO_IP });
      const half = await login(c, CUSTOMER_PASSWORD, at(2 * MIN));
      const code = await latestCode(c.email);
      const claims = { sid: session.sessionId, kind: "customer" as const, sv: session.sessionVersion };
      expect((await checkSession(database, claims, "customer", at(2 * MIN))).ok).toBe(true);

      const now = at(3 * MIN);
      await unlockCustomer(database, { staff, customerId: c.id, reason: "code screen stuck", now, client: STAFF_CLIENT });

      const challenge = await prisma().loginChallenge.findUniqueOrThrow({ where: { id: half.challengeId } });
      expect(challenge.invalidatedAt).toEqual(now);
      expect(challenge.consumedAt).toBeNull();
      expect(await failure(verifyCode(database, { challengeId: half.challengeId, code, now: at(4 * MIN), client: NO_IP }))).toBe("CHALLENGE_DEAD");
      expect(await checkSession(database, claims, "customer", at(4 * MIN))).toEqual({ ok: false, reason: "version" });
      const [event] = await prisma().auditEvent.findMany({ where: { customerId: c.id, type: "STAFF_UNLOCK" } });
      expect(event?.details).toMatchObject({ challengesEnded: 1, wasLockedUntil: null });
      expect(json(event)).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
    });

    it("refuses an unknown customer with NOT_FOUND and writes nothing", async () => {
      const before = await prisma().auditEvent.count({ where: { type: "STAFF_UNLOCK" } });
      expect(await failure(unlockCustomer(database, { staff, customerId: randomUUID(), reason: "no such customer", now: T0, client: STAFF_CLIENT }))).toBe("NOT_FOUND");
      expect(await prisma().auditEvent.count({ where: { type: "STAFF_UNLOCK" } })).toBe(before);
    });
  });

  describe("retryFailedChange", () => {
    const retry = (changeId: string, now: Date, reason = "registrar back up, retrying") => retryFailedChange(database, { staff, changeId, reason, now, client: STAFF_CLIENT });
    const staffRetries = (changeId: string) =>
      database.sql.query<{ details: Record<string, unknown>; staffUserId: string; actor: string; at: Date; lineNumber: string }>(
        `SELECT details, "staffUserId", actor, at, "lineNumber" FROM "AuditEvent" WHERE type = 'STAFF_RETRY' AND details->>'changeId' = $1`,
        [changeId],
      );

    it("puts a FAILED change back in the queue, due at once and audited; the next batch applies it", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const failed = await failedChange(c, "retry001");
      const now = at(2 * HOUR);
      await retry(failed.id, now);

      const row = await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } });
      expect(row).toMatchObject({ status: "PENDING", attempts: 0, lastError: null, appliedAt: null, credential: failed.credential });
      expect(row.nextAttemptAt).toEqual(now);
      const events = await staffRetries(failed.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: "staff", staffUserId: staff.id, lineNumber: c.numbers[0] });
      expect(events[0]!.details).toMatchObject({ reason: "registrar back up, retrying", staff: staff.loginId, previousAttempts: 1 });
      expect(String(events[0]!.details.previousError)).toContain("registrar unreachable (support test)");
      expect((await customerDetail(database, c.id, now))!.lines[0]!.registrar.kind).toBe("pending");

      // Not yet at a time before the retry…
      expect((await runReflectionBatch(worker(at(-SEC, now)))).claimed).toBe(0);
      // …applied at it.
      const r = await runReflectionBatch(worker(now));
      expect(r).toMatchObject({ claimed: 1, applied: 1 });
      const done = await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } });
      expect(done).toMatchObject({ status: "APPLIED", appliedAt: now, credential: null });
      const registrar = await prisma().registrarCredential.findUniqueOrThrow({ where: { username: c.numbers[0]! } });
      expect(registrar).toMatchObject({ ha1: md5(`${c.numbers[0]}:${TEST_REALM}:retry001`), lastChangeId: failed.id });
      expect((await customerDetail(database, c.id, now))!.lines[0]!.registrar).toEqual({ kind: "applied", appliedAt: now });
      expect(await prisma().outboxEmail.count({ where: { customerId: c.id, kind: "CHANGE_APPLIED" } })).toBe(1);
    });

    it("is NOT_RETRYABLE for PENDING, APPLIED and SUPERSEDED changes, and changes nothing", async () => {
      const c = await makeCustomer({ lines: [{ service: "B2BUA" }, { service: "IP_PHONE" }] });
      const [b2bua, ipPhone] = c.numbers as [string, string];
      const superseded = await requestChange(c, b2bua, "first001", T0);
      const pending = await requestChange(c, b2bua, "second01", at(MIN), "first001");
      const applied = await requestChange(c, ipPhone, "ipnew001", T0);
      expect((await runReflectionBatch(worker(T0))).applied).toBe(1);

      const expected = { [pending.changeId]: "PENDING", [applied.changeId]: "APPLIED", [superseded.changeId]: "SUPERSEDED" };
      for (const [id, status] of Object.entries(expected)) {
        const before = await prisma().passwordChange.findUniqueOrThrow({ where: { id } });
        expect(before.status).toBe(status);
        expect(await failure(retry(id, at(HOUR))), status).toBe("NOT_RETRYABLE");
        expect(await prisma().passwordChange.findUniqueOrThrow({ where: { id } })).toEqual(before);
        expect(await staffRetries(id)).toHaveLength(0);
      }
    });

    it("is NOT_RETRYABLE for a FAILED change that a newer change superseded (the newer one is left alone)", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const failed = await failedChange(c, "old00001");
      const newer = await requestChange(c, c.numbers[0]!, "new00001", at(HOUR), "old00001");
      const old = await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } });
      expect(old).toMatchObject({ status: "SUPERSEDED", supersededById: newer.changeId, credential: null });

      expect(await failure(retry(failed.id, at(2 * HOUR)))).toBe("NOT_RETRYABLE");
      expect(await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } })).toEqual(old);
      expect(await prisma().passwordChange.findUniqueOrThrow({ where: { id: newer.changeId } })).toMatchObject({ status: "PENDING", attempts: 0 });
      expect(await staffRetries(failed.id)).toHaveLength(0);
      // What the registrar gets is the newer password only.
      await runReflectionBatch(worker(at(2 * HOUR)));
      expect((await prisma().registrarCredential.findUniqueOrThrow({ where: { username: c.numbers[0]! } })).ha1).toBe(md5(`${c.numbers[0]}:${TEST_REALM}:new00001`));
    });

    it("is NOT_RETRYABLE for a FAILED change whose sealed credential is gone", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const failed = await failedChange(c, "gone0001");
      await database.sql.query(`UPDATE "PasswordChange" SET credential = NULL WHERE id = $1`, [failed.id]);
      expect(await failure(retry(failed.id, at(HOUR)))).toBe("NOT_RETRYABLE");
      expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("FAILED");
    });

    it("retries once when two staff members press the button at the same moment", async () => {
      const c = await makeCustomer({ lines: [{ service: "IP_PHONE" }] });
      const failed = await failedChange(c, "twice001");
      const results = await Promise.allSettled([retry(failed.id, at(HOUR), "first press"), retry(failed.id, at(HOUR), "second press")]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(rejected?.reason).toBeInstanceOf(AppError);
      expect((rejected?.reason as AppError).code).toBe("NOT_RETRYABLE");
      expect(await staffRetries(failed.id)).toHaveLength(1);
      expect((await prisma().passwordChange.findUniqueOrThrow({ where: { id: failed.id } })).status).toBe("PENDING");
    });

    it("refuses an unknown change with NOT_FOUND", async () => {
      expect(await failure(retry(randomUUID(), T0))).toBe("NOT_FOUND");
    });
  });
});
