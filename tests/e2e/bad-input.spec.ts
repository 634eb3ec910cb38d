import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { codeFrom } from "../fixtures/mail-capture";
import { HttpClient, serverActions, shownPromise, startPortal, TEST_TOKEN, type ActionRef, type Counts, type HttpResult, type Portal } from "./http-client";

// Bad-input campaign (issue 8, item 3): table-driven cases against every form, server action and
// route handler — full-width characters, hyphens, empty and missing fields, wrong types, 100 KB
// bodies, control and NUL characters, SQL and script injection strings, emoji, forged hidden fields
// (another customer's line, change or challenge), replayed codes and forms, cross-site requests,
// and malformed requests at the protocol level. Every case must get
//   • no 500 (status < 500), and
//   • a clear refusal: the action's own field error or form error, a 4xx, or a redirect to a page
//     of this site (a sign-in page, the same completion page for a replayed form…), and
//   • no row written: the content digests of the data tables — Customer, StaffUser, Line,
//     PasswordChange, RegistrarCredential, LoginChallenge, OutboxEmail — and the number of sessions
//     are the same after the case as before it.
// Rows that ARE expected for a refused attempt, and so not compared: AuditEvent (the spec wants
// refused attempts audited: "any other number gets the same not-found message … and is audited"),
// RateLimiterFlexible (a refused sign-in still spends the address's allowance) and AuthSession's
// lastSeenAt (a signed-in request touches its session; the session count is compared).
// One kind of case writes by design and says so (allowWrites): a well-formed but wrong guess is
// counted where the design counts guesses — a wrong code spends one of the challenge's attempts
// and one of the account's (Customer.failedCodeCount),
// and a wrong current line password counts toward the line's block (these stay below five).
//
// One portal of its own (production build, fresh database, real SMTP capture), the cases run one
// after another, each from a client address of its own so the per-address limits never interfere.
// The campaign prints its count; it runs in CI with the rest of the e2e suite.

const LINE_PASSWORD = "k7m2p9q4";
const PASSWORD = "Bad-input-2026";
const CODE_SUBJECT = "認証コード";
const EVIL = "https://evil.example";

const A = { selfcareId: "attacker01", email: "attacker01@example.jp", lines: ["05077770001", "05077770002"] };
const B = { selfcareId: "victim01", email: "victim01@example.jp", lines: ["05088880001"] };
const C = { selfcareId: "pending01", email: "pending01@example.jp", lines: ["05088880002"] };
const STAFF = { loginId: "support01", email: "support01@example.jp" };
/** A well-formed 050 number that belongs to no one. */
const NOBODY = "05099990000";

// ───────────────────────────── hostile values ─────────────────────────────

const K100 = "a".repeat(100_000);
/** Strings every text field is tried with (each: a category and a value). */
const HOSTILE: [Category, string, string][] = [
  ["full-width", "full-width letters and digits", "ａｔｔａｃｋｅｒ０１"],
  ["full-width", "ideographic space", "\u3000\u3000"],
  ["hyphens", "hyphens and dashes", "--‐ー－050-12"],
  ["empty", "empty string", ""],
  ["empty", "only spaces", "   "],
  ["100 KB", "100 KB string", K100],
  ["control", "NUL", "abc\u0000def"],
  ["control", "control characters", "abc\u0001\u0008\u001b[31m\u007f"],
  ["control", "CR LF header injection", "abc\r\nSet-Cookie: x=1"],
  ["SQL injection", "quote OR 1=1", "' OR '1'='1' --"],
  ["SQL injection", "stacked DROP", "x'; DROP TABLE \"Customer\"; --"],
  ["script injection", "script tag", "<script>alert(1)</script>"],
  ["script injection", "attribute breakout", "\"><img src=x onerror=alert(1)>"],
  ["emoji", "emoji", "😀📞👨‍👩‍👧‍👦"],
  ["control", "lone surrogate and bidi override", "\ud800\u202e\u200b"],
];
/** Values of the wrong JSON type. */
const WRONG_TYPES: [string, unknown][] = [
  ["number", 12345678],
  ["null", null],
  ["boolean", true],
  ["array", ["a", "b"]],
  ["object", { $ne: "" }],
];

type Category =
  | "full-width"
  | "hyphens"
  | "empty"
  | "missing"
  | "wrong type"
  | "100 KB"
  | "control"
  | "SQL injection"
  | "script injection"
  | "emoji"
  | "forged hidden field"
  | "forged challenge"
  | "replay"
  | "stale promise"
  | "cross-site"
  | "forged session"
  | "protocol"
  | "route";

// ───────────────────────────── outcomes and expectations ─────────────────────────────

interface Outcome {
  r: HttpResult;
  /** A server action's return value, when it returned one. */
  value?: unknown;
  /** next-auth's error for the code callback (null: signed in). */
  authError?: string | null;
}

type Expectation =
  /** The action returned { ok: false, fieldErrors } naming this field (and this message, if given). */
  | { field: string; key?: string | RegExp }
  /** The action returned { ok: false, formError } (this one, if given). */
  | { form: string | true }
  /** One of these statuses (all 4xx). */
  | { status: number | number[] }
  /** A redirect to a page of this site matching the pattern. */
  | { redirect: RegExp }
  /** The code callback refused (this next-auth error, if given) and opened no session. */
  | { authError: string | true }
  /** previewAction found nothing to preview. */
  | { nullValue: true }
  /** A page rendered (200) with the hostile value neither followed nor echoed as markup. */
  | { page: true };

interface Case {
  target: string;
  category: Category;
  name: string;
  run: (ip: string) => Promise<Outcome>;
  expect: Expectation;
  /** Data tables this case writes by design (see the header). */
  allowWrites?: string[];
  /** A further check of the outcome. */
  check?: (o: Outcome) => string | null;
}

const DATA_TABLES = ["Customer", "StaffUser", "Line", "PasswordChange", "RegistrarCredential", "LoginChallenge", "OutboxEmail"] as const;

function dataState(c: Counts): Record<string, unknown> {
  const digest = c.digest as Record<string, string>;
  return { ...Object.fromEntries(DATA_TABLES.map((t) => [t, digest[t]])), AuthSession: c.AuthSession };
}

const isSafeLocal = (target: string, base: string) => {
  const u = new URL(target, base);
  return u.origin === new URL(base).origin && !target.startsWith("//") && !target.startsWith("/\\");
};

function verdict(c: Case, o: Outcome, base: string): string | null {
  const { r } = o;
  if (r.status >= 500) return `status ${r.status}: ${r.text.slice(0, 300)}`;
  const value = o.value as { ok?: boolean; fieldErrors?: Record<string, string>; formError?: string } | null | undefined;
  const e = c.expect;
  if ("field" in e) {
    if (r.status !== 200 || !value || value.ok !== false || !value.fieldErrors?.[e.field]) return `expected a field error on ${e.field}, got ${r.status} ${JSON.stringify(value ?? r.text.slice(0, 200))}`;
    const got = value.fieldErrors[e.field]!;
    if (e.key && (typeof e.key === "string" ? got !== e.key : !e.key.test(got))) return `expected ${e.field}: ${e.key}, got ${JSON.stringify(value.fieldErrors)}`;
  } else if ("form" in e) {
    if (r.status !== 200 || !value || value.ok !== false || !value.formError) return `expected a form error, got ${r.status} ${JSON.stringify(value ?? r.text.slice(0, 200))}`;
    if (e.form !== true && value.formError !== e.form) return `expected ${e.form}, got ${value.formError}`;
  } else if ("status" in e) {
    const allowed = Array.isArray(e.status) ? e.status : [e.status];
    if (!allowed.includes(r.status)) return `expected status ${allowed.join("/")}, got ${r.status} ${r.text.slice(0, 200)}`;
  } else if ("redirect" in e) {
    if (!r.redirect) return `expected a redirect, got ${r.status} ${r.text.slice(0, 200)}`;
    if (!isSafeLocal(r.redirect, base)) return `redirect off the site: ${r.redirect}`;
    const local = new URL(r.redirect, base);
    if (!e.redirect.test(local.pathname + local.search)) return `expected a redirect to ${e.redirect}, got ${r.redirect}`;
  } else if ("authError" in e) {
    if (o.authError === null || o.authError === undefined) return `the code callback signed in (${r.status})`;
    if (e.authError !== true && o.authError !== e.authError) return `expected ${e.authError}, got ${o.authError}`;
  } else if ("nullValue" in e) {
    if (r.status !== 200 || value !== null) return `expected null, got ${r.status} ${JSON.stringify(value ?? r.text.slice(0, 200))}`;
  } else if ("page" in e) {
    if (r.status !== 200) return `expected the page (200), got ${r.status} ${r.redirect ?? ""}`;
    if (/<script>alert\(1\)<\/script>|<img src=x onerror/i.test(r.text)) return "the hostile markup is echoed unescaped";
    if (/(href|action|content)="(https:)?\/\/evil\.example/i.test(r.text)) return "the page links off the site";
  }
  return c.check ? c.check(o) : null;
}

// ───────────────────────────── the campaign ─────────────────────────────

test.describe("bad-input campaign", () => {
  test.describe.configure({ mode: "serial", timeout: 240_000 });
  let portal: Portal;

  test.beforeAll(async () => {
    test.setTimeout(150_000);
    portal = await startPortal({ name: "badinput" });
  });

  test.afterAll(async () => {
    await portal?.stop();
  });

  test("at least 200 hostile requests: no 500, a clear refusal, no row written", async () => {
    const act = serverActions();
    const loginAction = act("loginAction");
    const resendAction = act("resendAction");
    const logoutAction = act("logoutAction");
    const staffLoginAction = act("staffLoginAction");
    const staffResendAction = act("staffResendAction");
    const staffLogoutAction = act("staffLogoutAction");
    const changePasswordAction = act("changePasswordAction");
    const previewAction = act("previewAction");
    const cancelChangeAction = act("cancelChangeAction");
    const setLocaleAction = act("setLocaleAction");
    const setClockAction = act("setClockAction");
    const clearClockAction = act("clearClockAction");
    const unlockAction = act("unlockAction");
    const retryAction = act("retryAction");

    // ── Setup: three customers, one staff member, two pending changes, one open challenge. ──
    const mk = async (who: { selfcareId: string; email: string; lines: string[] }) => {
      const r = await portal.testApi("/api/test/customers", {
        method: "POST",
        body: { selfcareId: who.selfcareId, password: PASSWORD, email: who.email, lines: who.lines.map((number) => ({ number, service: "B2BUA", password: LINE_PASSWORD })) },
      });
      expect(r.status, r.text).toBe(201);
      return (r.json as { id: string }).id;
    };
    const [idA, idB] = [await mk(A), await mk(B), await mk(C)];
    const staffR = await portal.testApi("/api/test/staff", { method: "POST", body: { loginId: STAFF.loginId, password: PASSWORD, email: STAFF.email } });
    expect(staffR.status, staffR.text).toBe(201);

    let setupIp = 0;
    const signIn = async (loginId: string, email: string, ref: ActionRef, verifyPath: string, finish = true) => {
      const client = new HttpClient(portal.base, `10.250.0.${++setupIp}`);
      const login = await client.action(ref, [{ selfcareId: loginId, password: PASSWORD }]);
      expect(login.redirect, login.text.slice(0, 300)).toMatch(new RegExp(`^${verifyPath}`));
      const challenge = client.jar.get("selfcare.challenge")!;
      const code = codeFrom(await portal.waitForMail(email, CODE_SUBJECT));
      if (finish) {
        const signed = await client.submitCode(code);
        expect(signed.error, signed.result.text.slice(0, 300)).toBeNull();
      }
      return { client, challenge, code };
    };
    const a = await signIn(A.selfcareId, A.email, loginAction, "/login/verify");
    const b = await signIn(B.selfcareId, B.email, loginAction, "/login/verify");
    const c = await signIn(C.selfcareId, C.email, loginAction, "/login/verify", false);
    const staff = await signIn(STAFF.loginId, STAFF.email, staffLoginAction, "/staff/login/verify");

    const change = async (client: HttpClient, number: string, current: string, next: string, key: string) => {
      const promised = await shownPromise(client, previewAction, number);
      const r = await client.action(changePasswordAction, [{ number, currentPassword: current, newPassword: next, confirmPassword: next, idempotencyKey: key, promised }]);
      const id = /^\/password\/complete\?id=([0-9a-f-]{36})$/.exec(r.redirect ?? "")?.[1];
      expect(id, `${r.status} ${JSON.stringify(r.value)} ${r.text.slice(0, 300)}`).toBeTruthy();
      return id!;
    };
    const keyA = randomUUID();
    const keyB = randomUUID();
    const aLine1Password = "a1n2e3w4";
    const changeA = await change(a.client, A.lines[0]!, LINE_PASSWORD, aLine1Password, keyA);
    const changeB = await change(b.client, B.lines[0]!, LINE_PASSWORD, "b1n2e3w4", keyB);

    // Quiet: every email delivered (the sender rewrites a row when it sends it), nothing due for the worker.
    await expect.poll(async () => Object.keys((await portal.counts()).OutboxEmailByStatus).join(","), { timeout: 30_000, intervals: [200] }).toBe("SENT");

    // ── Clients: each case gets a client address of its own; signed-in ones share a jar. ──
    const anon = (ip: string) => new HttpClient(portal.base, ip);
    const as = (who: HttpClient, ip: string, extra: Record<string, string> = {}) => {
      const client = new HttpClient(portal.base, ip);
      for (const [k, v] of who.jar) client.jar.set(k, v);
      for (const [k, v] of Object.entries(extra)) client.jar.set(k, v);
      return client;
    };
    const withChallenge = (ip: string, challenge: string) => {
      const client = anon(ip);
      client.jar.set("selfcare.challenge", challenge);
      return client;
    };
    const actionOutcome = async (p: Promise<{ value: unknown } & HttpResult>): Promise<Outcome> => {
      const r = await p;
      return { r, value: r.value };
    };
    const codeOutcome = async (client: HttpClient, code: unknown, o?: Parameters<HttpClient["submitCode"]>[1]): Promise<Outcome> => {
      const { error, result } = await client.submitCode(code, o);
      return { r: result, authError: error };
    };
    const http = async (p: Promise<HttpResult>): Promise<Outcome> => ({ r: await p });

    const cases: Case[] = [];
    const add = (target: string, category: Category, name: string, run: Case["run"], expectation: Expectation, more: Partial<Case> = {}) =>
      cases.push({ target, category, name, run, expect: expectation, ...more });

    // ── Sign-in, step 1 (customers and staff): every field with every hostile value. ──
    for (const [ref, target, unknownId] of [
      [loginAction, "loginAction", "nobody-here"],
      [staffLoginAction, "staffLoginAction", "no-staff-here"],
    ] as const) {
      for (const [category, name, value] of HOSTILE) {
        // Values the schema admits are an unknown ID: the same "ID or password is wrong" as any.
        const idRefused = value.trim() === "" ? { field: "selfcareId" } : /[\u0000-\u001f\u007f]/.test(value) ? { field: "selfcareId", key: "errors.invalidCharacters" } : value.length > 64 ? { field: "selfcareId", key: "errors.selfcareIdTooLong" } : { form: "errors.invalidCredentials" };
        add(target, category, `ID: ${name}`, (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: value, password: "whatever-1" }, "/menu"])), idRefused);
        const pwRefused = value === "" ? { field: "password", key: "errors.selfcarePasswordRequired" } : /[\u0000-\u001f\u007f]/.test(value) ? { field: "password", key: "errors.invalidCharacters" } : value.length > 128 ? { field: "password", key: "errors.selfcarePasswordTooLong" } : { form: "errors.invalidCredentials" };
        add(target, category, `password: ${name}`, (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: unknownId, password: value }])), pwRefused);
      }
      for (const [name, value] of WRONG_TYPES) {
        add(target, "wrong type", `ID of type ${name}`, (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: value, password: "whatever-1" }])), { field: "selfcareId" });
        add(target, "wrong type", `password of type ${name}`, (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: unknownId, password: value }])), { field: "password" });
      }
      add(target, "missing", "no fields", (ip) => actionOutcome(anon(ip).action(ref, [{}])), { field: "selfcareId" });
      add(target, "missing", "no arguments", (ip) => actionOutcome(anon(ip).action(ref, [])), { field: "selfcareId" });
      add(target, "missing", "no password", (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: unknownId }])), { field: "password" });
      add(target, "wrong type", "the form as a string", (ip) => actionOutcome(anon(ip).action(ref, ["selfcareId=x&password=y"])), { field: "selfcareId" });
      add(target, "wrong type", "the form as an array", (ip) => actionOutcome(anon(ip).action(ref, [[unknownId, "whatever-1"]])), { field: "password" });
      add(target, "forged hidden field", "return path off the site", (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: unknownId, password: "whatever-1" }, "//evil.example/steal"])), { form: "errors.invalidCredentials" });
      add(target, "wrong type", "return path of type object", (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: unknownId, password: "whatever-1" }, { toString: "x" }])), { form: "errors.invalidCredentials" });
      add(target, "cross-site", "Origin of another site", (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: A.selfcareId, password: PASSWORD }], { origin: EVIL })), { status: 403 });
      add(target, "cross-site", 'Origin "null"', (ip) => actionOutcome(anon(ip).action(ref, [{ selfcareId: A.selfcareId, password: PASSWORD }], { origin: "null" })), { status: 403 });
    }

    // ── Sign-in, step 2: the code callback (customers and staff share it). ──
    const dead = randomUUID();
    const codeTarget = "POST /api/auth/callback/code";
    for (const [category, name, value] of HOSTILE.filter(([, , v]) => !/^\d{6}$/.test(v.replace(/[\s-]/g, "")))) {
      // Refused by the code's format before the challenge is touched: C's open challenge is not spent.
      add(codeTarget, category, `code: ${name} (open challenge)`, (ip) => codeOutcome(withChallenge(ip, c.challenge), value), { authError: "CODE_FORMAT" });
    }
    for (const [name, value] of [
      ["five digits", "12345"],
      ["seven digits", "1234567"],
      ["letters", "abcdef"],
      ["exponent", "1e5"],
      ["negative", "-12345"],
    ] as const) {
      add(codeTarget, "wrong type", `code: ${name}`, (ip) => codeOutcome(withChallenge(ip, c.challenge), value), { authError: "CODE_FORMAT" });
    }
    // Full-width digits and hyphens are accepted (normalised): with a challenge nobody has, still dead.
    add(codeTarget, "full-width", "code in full-width digits, no such challenge", (ip) => codeOutcome(withChallenge(ip, dead), "１２３４５６"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "hyphens", "code with hyphens, no such challenge", (ip) => codeOutcome(withChallenge(ip, dead), "123-456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "missing", "no code field", (ip) => codeOutcome(withChallenge(ip, c.challenge), undefined), { authError: "CODE_FORMAT" });
    add(codeTarget, "missing", "no challenge cookie", (ip) => codeOutcome(anon(ip), "123456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "challenge cookie that is not an ID", (ip) => codeOutcome(withChallenge(ip, "' OR 1=1 --"), "123456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "challenge cookie of 4 KB", (ip) => codeOutcome(withChallenge(ip, "f".repeat(4000)), "123456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "challenge nobody has", (ip) => codeOutcome(withChallenge(ip, dead), "123456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "replay", "B's code replayed in B's browser after B signed in", (ip) => codeOutcome(as(b.client, ip, { "selfcare.challenge": b.challenge }), b.code), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "B's used challenge and code from another browser", (ip) => codeOutcome(withChallenge(ip, b.challenge), b.code), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "replay", "staff code replayed", (ip) => codeOutcome(withChallenge(ip, staff.challenge), staff.code), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "A's code with C's open challenge (spends one attempt of C's, by design)", (ip) => codeOutcome(withChallenge(ip, c.challenge), a.code !== c.code ? a.code : b.code), { authError: "CODE_INVALID" }, { allowWrites: ["LoginChallenge", "Customer"] });
    add(codeTarget, "replay", "next-auth CSRF token of another browser", async (ip) => {
      const other = anon(`${ip}0`);
      const token = await other.csrfToken();
      return codeOutcome(withChallenge(ip, c.challenge), "123456", { csrfToken: token });
    }, { authError: true });
    add(codeTarget, "missing", "no CSRF token", (ip) => codeOutcome(withChallenge(ip, c.challenge), "123456", { csrfToken: "" }), { authError: true });
    // Well-formed codes reach the challenge (a guess spends an attempt): these use one nobody has.
    add(codeTarget, "wrong type", "code given twice (an array)", async (ip) => {
      const client = withChallenge(ip, dead);
      const csrfToken = await client.csrfToken();
      const form = new URLSearchParams({ csrfToken, json: "true", callbackUrl: "/menu" });
      form.append("code", "123456");
      form.append("code", "654321");
      const r = await client.request("/api/auth/callback/code", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
      return { r, authError: client.jar.has("selfcare.session") ? null : "NO_SESSION" };
    }, { authError: true });
    add(codeTarget, "100 KB", "100 KB form body", async (ip) => {
      const client = withChallenge(ip, c.challenge);
      const csrfToken = await client.csrfToken();
      const r = await client.request("/api/auth/callback/code", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `csrfToken=${csrfToken}&json=true&code=${K100}&junk=${K100}` });
      return { r, authError: client.jar.has("selfcare.session") ? null : "NO_SESSION" };
    }, { authError: true });
    add(codeTarget, "protocol", "JSON body instead of a form", async (ip) => {
      const client = withChallenge(ip, dead);
      const csrfToken = await client.csrfToken();
      const r = await client.request("/api/auth/callback/code", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ csrfToken, code: "123456", json: true }) });
      return { r, authError: client.jar.has("selfcare.session") ? null : "NO_SESSION" };
    }, { authError: true });
    add(codeTarget, "protocol", "body that is not a form", async (ip) => {
      const client = withChallenge(ip, c.challenge);
      const r = await client.request("/api/auth/callback/code", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "%%%\u0000%zz=&&=" });
      return { r, authError: client.jar.has("selfcare.session") ? null : "NO_SESSION" };
    }, { authError: true });
    add(codeTarget, "cross-site", "Origin of another site", (ip) => http(withChallenge(ip, c.challenge).request("/api/auth/callback/code", { method: "POST", origin: EVIL, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "code=123456" })), { status: 403 });
    add("GET /api/auth/callback/code", "protocol", "GET of the credentials callback", (ip) => http(withChallenge(ip, c.challenge).get("/api/auth/callback/code?code=123456")), { status: 405 });

    // ── Resend (customers and staff). ──
    for (const [ref, target, page] of [
      [resendAction, "resendAction", "/login/verify"],
      [staffResendAction, "staffResendAction", "/staff/login/verify"],
    ] as const) {
      add(target, "missing", "no challenge cookie", (ip) => actionOutcome(anon(ip).action(ref, [], { page })), { form: "errors.challengeDead" });
      add(target, "forged challenge", "challenge cookie with SQL", (ip) => actionOutcome(withChallenge(ip, "x' OR '1'='1").action(ref, [], { page })), { form: "errors.challengeDead" });
      add(target, "forged challenge", "challenge nobody has", (ip) => actionOutcome(withChallenge(ip, dead).action(ref, [], { page })), { form: "errors.challengeDead" });
      add(target, "forged challenge", "B's used challenge", (ip) => actionOutcome(withChallenge(ip, b.challenge).action(ref, [], { page })), { form: "errors.challengeDead" });
      add(target, "wrong type", "unexpected arguments", (ip) => actionOutcome(withChallenge(ip, dead).action(ref, [{ challengeId: c.challenge }, 42, null], { page })), { form: "errors.challengeDead" });
      add(target, "cross-site", "Origin of another site", (ip) => actionOutcome(withChallenge(ip, c.challenge).action(ref, [], { page, origin: EVIL })), { status: 403 });
    }

    // ── The password change (signed in as A). ──
    const pwTarget = "changePasswordAction";
    // Every line of the campaign is a B2BUA line at the portal's 14:00: one promise (17:30) for all.
    const promised = await shownPromise(a.client, previewAction, A.lines[1]!);
    const form = (over: Record<string, unknown>) => ({ number: A.lines[1], currentPassword: LINE_PASSWORD, newPassword: "q8w7e6r5", confirmPassword: "q8w7e6r5", idempotencyKey: randomUUID(), promised, ...over });
    const changeAs = (ip: string, args: unknown[], o: Parameters<HttpClient["action"]>[2] = {}) => actionOutcome(as(a.client, ip).action(changePasswordAction, args, o));
    for (const [category, name, value] of HOSTILE) {
      // Full-width digits and hyphens are part of the format (normalised), the rest is not a number.
      add(pwTarget, category, `number: ${name}`, (ip) => changeAs(ip, [form({ number: value })]), { field: "number", key: "errors.phoneFormat" });
      const newPw = value === "" ? "errors.newPasswordRequired" : "errors.newPasswordCharset";
      add(pwTarget, category, `new password: ${name}`, (ip) => changeAs(ip, [form({ newPassword: value, confirmPassword: value })]), { field: "newPassword", key: value.length > 64 ? "errors.tooLong" : newPw });
      add(pwTarget, category, `confirmation: ${name}`, (ip) => changeAs(ip, [form({ confirmPassword: value })]), { field: "confirmPassword", key: value.length > 64 ? "errors.tooLong" : value === "" ? "errors.confirmPasswordRequired" : "errors.confirmPasswordMismatch" });
      add(pwTarget, category, `idempotency key: ${name}`, (ip) => changeAs(ip, [form({ idempotencyKey: value })]), { form: "errors.formExpired" });
      if (value === "" || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) {
        const key = value === "" ? "errors.currentPasswordRequired" : value.length > 64 ? "errors.tooLong" : "errors.invalidCharacters";
        add(pwTarget, category, `current password: ${name}`, (ip) => changeAs(ip, [form({ currentPassword: value })]), { field: "currentPassword", key });
      }
    }
    // Full-width, hyphenated and spaced forms of a number are the number: the same not-found as any.
    add(pwTarget, "full-width", "number in full-width digits, no such line", (ip) => changeAs(ip, [form({ number: "０５０９９９９００００" })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "hyphens", "number with hyphens, no such line", (ip) => changeAs(ip, [form({ number: "050-9999-0000" })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "hyphens", "number with long-vowel marks and spaces, no such line", (ip) => changeAs(ip, [form({ number: "050ー9999 0000" })]), { field: "number", key: "errors.lineNotFound" });
    // Wrong current passwords that are merely wrong (not malformed) are counted on the line, by design.
    for (const [category, value] of [
      ["SQL injection", "' OR '1'='1"],
      ["script injection", "<script>alert(1)</script>"],
      ["emoji", "😀😀😀😀"],
      ["full-width", "ｋ７ｍ２ｐ９ｑ４"],
    ] as const) {
      add(pwTarget, category, `current password: ${value} (counted as a wrong guess, by design)`, (ip) => changeAs(ip, [form({ currentPassword: value })]), { field: "currentPassword", key: /^現IP加入電話パスワードが正しくありません。.*あと[1-4]回誤ると/ }, { allowWrites: ["Line"] });
    }
    for (const field of ["number", "currentPassword", "newPassword", "confirmPassword"] as const) {
      for (const [name, value] of WRONG_TYPES) add(pwTarget, "wrong type", `${field} of type ${name}`, (ip) => changeAs(ip, [form({ [field]: value })]), { field });
      add(pwTarget, "missing", `no ${field}`, (ip) => changeAs(ip, [form({ [field]: undefined })]), { field });
    }
    add(pwTarget, "missing", "no idempotency key", (ip) => changeAs(ip, [form({ idempotencyKey: undefined })]), { form: "errors.formExpired" });
    // Without the form's hidden key the whole form is stale: "reload the page", before any field.
    add(pwTarget, "missing", "no arguments", (ip) => changeAs(ip, []), { form: "errors.formExpired" });
    add(pwTarget, "wrong type", "the form as a string", (ip) => changeAs(ip, ["number=05077770002"]), { form: "errors.formExpired" });
    add(pwTarget, "wrong type", "the form as null", (ip) => changeAs(ip, [null]), { form: "errors.formExpired" });
    add(pwTarget, "100 KB", "100 KB extra field", (ip) => changeAs(ip, [form({ number: NOBODY, extra: K100 })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "forged hidden field", "another customer's line (B's), B's own current password", (ip) => changeAs(ip, [form({ number: B.lines[0], currentPassword: "b1n2e3w4" })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "forged hidden field", "a line that does not exist", (ip) => changeAs(ip, [form({ number: NOBODY })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "forged hidden field", "C's line with a lineId and customerId smuggled in", (ip) => changeAs(ip, [form({ number: C.lines[0], customerId: idB, lineId: randomUUID() })]), { field: "number", key: "errors.lineNotFound" });
    add(pwTarget, "forged hidden field", "B's idempotency key on A's own line", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: aLine1Password, idempotencyKey: keyB })]), { form: "errors.formExpired" });
    add(pwTarget, "replay", "A's own submitted form again (same key)", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: LINE_PASSWORD, newPassword: "a1n2e3w4", confirmPassword: "a1n2e3w4", idempotencyKey: keyA })]), { redirect: new RegExp(`^/password/complete\\?id=${changeA}$`) });
    // 取り消す: the cancel screen's plain form post (no JavaScript needed), one field, changeId.
    const cancelAs = (who: HttpClient, ip: string, changeId: string | undefined, o: { origin?: string } = {}) => {
      const f = new FormData();
      f.append(`$ACTION_ID_${cancelChangeAction.id}`, "");
      if (changeId !== undefined) f.append("changeId", changeId);
      return http(as(who, ip).request("/password/cancel", { method: "POST", body: f, origin: o.origin }));
    };
    const cancelTarget = "cancelChangeAction";
    for (const [category, name, value] of [
      ["missing", "no change id", undefined],
      ["empty", "an empty change id", ""],
      ["forged hidden field", "36 characters of [0-9a-f-] that are not a UUID", "0123456789abcdef-0123456789abcdef-01"],
      ["SQL injection", "SQL in the change id", "' OR '1'='1"],
      ["100 KB", "a 100 KB change id", K100],
    ] as const) {
      add(cancelTarget, category, name, (ip) => cancelAs(a.client, ip, value), { redirect: /^\/history$/ });
    }
    add(cancelTarget, "forged hidden field", "another customer's (B's) pending change", (ip) => cancelAs(a.client, ip, changeB), { redirect: new RegExp(`^/password/cancel\\?id=${changeB}&error=notFound$`) });
    add(cancelTarget, "forged session", "signed out", (ip) => cancelAs(anon(ip), ip, changeA), { redirect: /^\/login\?next=/ });
    add(cancelTarget, "cross-site", "Origin of another site", (ip) => cancelAs(a.client, ip, changeA, { origin: EVIL }), { status: 403 });
    // A used form with other content (Back after a completed change) is refused, never replayed.
    add(pwTarget, "replay", "A's key with other values", (ip) => changeAs(ip, [form({ idempotencyKey: keyA })]), { form: "errors.formAlreadyUsed" });
    add(pwTarget, "replay", "A's key, same line, another new password", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: "a1n2e3w4", newPassword: "m4k8q2x7", confirmPassword: "m4k8q2x7", idempotencyKey: keyA })]), { form: "errors.formAlreadyUsed" });
    // The reflection time the form showed must be the one a change made now gets.
    for (const [name, value] of [["an earlier batch", "2026-11-25T07:30:00.000Z"], ["none shown", ""], ["not a time", "17:30"], ["the IP_PHONE promise on a batch line", "within-15-minutes"]] as const) {
      add(pwTarget, "stale promise", `promised: ${name}`, (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: aLine1Password, promised: value })]), { form: "errors.reflectionChanged" });
    }
    add(pwTarget, "missing", "no promise at all", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: aLine1Password, promised: undefined })]), { form: "errors.reflectionChanged" });
    add(pwTarget, "100 KB", "a 100 KB promise", (ip) => changeAs(ip, [form({ promised: K100 })]), { form: "errors.formExpired" });
    for (const [name, value] of WRONG_TYPES) add(pwTarget, "wrong type", `promise of type ${name}`, (ip) => changeAs(ip, [form({ promised: value })]), { form: "errors.formExpired" });
    add(pwTarget, "forged session", "signed out", (ip) => actionOutcome(anon(ip).action(changePasswordAction, [form({})])), { redirect: /^\/login\?next=/ });
    add(pwTarget, "forged session", "session cookie that is not a token", (ip) => actionOutcome(as(anon(ip), ip, { "selfcare.session": "eyJhbGciOiJub25lIn0.e30." }).action(changePasswordAction, [form({})])), { redirect: /^\/login\?next=.*reason=ended/ });
    add(pwTarget, "forged session", "staff session on the customer form", (ip) => actionOutcome(as(staff.client, ip).action(changePasswordAction, [form({})])), { redirect: /^\/login\?next=/ });
    add(pwTarget, "cross-site", "Origin of another site", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: aLine1Password })], { origin: EVIL }), { status: 403 });
    add(pwTarget, "cross-site", "Origin with another port", (ip) => changeAs(ip, [form({ number: A.lines[0], currentPassword: aLine1Password })], { origin: `http://127.0.0.1:${portal.port + 1}` }), { status: 403 });

    // ── The reflection preview (signed in as A). ──
    for (const [category, name, value] of HOSTILE) add("previewAction", category, `number: ${name}`, (ip) => actionOutcome(as(a.client, ip).action(previewAction, [value])), { nullValue: true });
    for (const [name, value] of WRONG_TYPES) add("previewAction", "wrong type", `number of type ${name}`, (ip) => actionOutcome(as(a.client, ip).action(previewAction, [value])), { nullValue: true });
    add("previewAction", "forged hidden field", "another customer's line", (ip) => actionOutcome(as(a.client, ip).action(previewAction, [B.lines[0]])), { nullValue: true });
    add("previewAction", "forged session", "signed out", (ip) => actionOutcome(anon(ip).action(previewAction, [A.lines[0]])), { redirect: /^\/login\?next=/ });

    // ── Language switch (a plain form; signed in as A, whose language is Japanese). ──
    for (const [category, name, value] of HOSTILE) {
      add("setLocaleAction", category, `locale: ${name}`, (ip) => http(as(a.client, ip).formAction(setLocaleAction, { locale: value, returnTo: "/menu" }, { page: "/menu" })), { redirect: /^\/menu$/ });
      add("setLocaleAction", category, `return path: ${name}`, (ip) => http(anon(ip).formAction(setLocaleAction, { locale: "ja", returnTo: value }, { page: "/login" })), { redirect: /^\/$/ });
    }
    for (const target of ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "\\\\evil.example"]) {
      add("setLocaleAction", "forged hidden field", `return path ${target}`, (ip) => http(anon(ip).formAction(setLocaleAction, { locale: "en", returnTo: target }, { page: "/login" })), { redirect: /^\/$/ });
    }
    add("setLocaleAction", "missing", "no fields", (ip) => http(anon(ip).formAction(setLocaleAction, {}, { page: "/login" })), { redirect: /^\/$/ });
    add("setLocaleAction", "wrong type", "called with JSON instead of a form", (ip) => actionOutcome(anon(ip).action(setLocaleAction, ["en"], { page: "/login" })), { redirect: /^\/$/ });
    add("setLocaleAction", "cross-site", "Origin of another site", (ip) => http(anon(ip).formAction(setLocaleAction, { locale: "en", returnTo: "/" }, { page: "/login", origin: EVIL })), { status: 403 });

    // ── The simulated clock (outside production only). ──
    for (const [category, name, value] of HOSTILE) {
      add("setClockAction", category, `date: ${name}`, (ip) => http(anon(ip).formAction(setClockAction, { date: value, time: "17:30" })), { redirect: /^\/dev\/clock\?invalid=1$/ });
      add("setClockAction", category, `time: ${name}`, (ip) => http(anon(ip).formAction(setClockAction, { date: "2026-11-25", time: value })), { redirect: /^\/dev\/clock\?invalid=1$/ });
    }
    for (const [date, time] of [
      ["2026-13-45", "17:30"],
      ["2026-02-30", "12:00"],
      ["2026-11-25", "25:99"],
      ["２０２６-１１-２５", "１７:３０"],
    ] as const) {
      add("setClockAction", date.startsWith("２") ? "full-width" : "wrong type", `impossible time ${date} ${time}`, (ip) => http(anon(ip).formAction(setClockAction, { date, time })), { redirect: /^\/dev\/clock\?invalid=1$/ });
    }
    add("setClockAction", "missing", "no fields", (ip) => http(anon(ip).formAction(setClockAction, {})), { redirect: /^\/dev\/clock\?invalid=1$/ });
    add("setClockAction", "wrong type", "called with JSON instead of a form", (ip) => actionOutcome(anon(ip).action(setClockAction, [{ date: "2026-11-25", time: "17:30" }])), { redirect: /^\/dev\/clock\?invalid=1$/ });
    for (const next of ["//evil.example", "/\\evil.example", "https://evil.example"]) {
      add("setClockAction", "forged hidden field", `return path ${next}`, (ip) => http(anon(ip).formAction(setClockAction, { date: "2026-11-25", time: "17:30", next })), { redirect: /^\/dev\/clock$/ });
    }
    add("setClockAction", "cross-site", "Origin of another site", (ip) => http(anon(ip).formAction(setClockAction, { date: "2026-11-25", time: "17:30" }, { origin: EVIL })), { status: 403 });
    add("clearClockAction", "wrong type", "unexpected arguments", (ip) => actionOutcome(anon(ip).action(clearClockAction, [{ a: 1 }, K100])), { redirect: /^\/dev\/clock$/ });
    add("clearClockAction", "cross-site", "Origin of another site", (ip) => actionOutcome(anon(ip).action(clearClockAction, [], { origin: EVIL })), { status: 403 });

    // ── Staff: unlock and retry (signed in as staff). ──
    for (const [ref, target, ownId] of [
      [unlockAction, "unlockAction", idA],
      [retryAction, "retryAction", changeB],
    ] as const) {
      const page = `/staff/customers/${idA}`;
      const staffAct = (ip: string, args: unknown[], o: Parameters<HttpClient["action"]>[2] = {}) => actionOutcome(as(staff.client, ip).action(ref, args, { page, ...o }));
      const good = { reason: "顧客からの電話で本人確認済み", confirm: true };
      for (const [category, name, value] of HOSTILE) {
        const key = value.trim().length < 5 ? "errors.reasonRequired" : value.trim().length > 500 ? "errors.reasonTooLong" : /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value) ? "errors.invalidCharacters" : null;
        // A reason the schema admits (SQL, script, emoji …) is a fine reason: the target is then made invalid, so nothing runs.
        if (key) add(target, category, `reason: ${name}`, (ip) => staffAct(ip, [ownId, { reason: value, confirm: true }]), { field: "reason", key });
        else add(target, category, `reason: ${name}, no such target`, (ip) => staffAct(ip, [randomUUID(), { reason: value, confirm: true }]), { form: "errors.notFound" });
        add(target, category, `target ID: ${name}`, (ip) => staffAct(ip, [value, good]), { form: "errors.notFound" });
      }
      for (const [name, value] of WRONG_TYPES) {
        add(target, "wrong type", `target ID of type ${name}`, (ip) => staffAct(ip, [value, good]), { form: "errors.notFound" });
        add(target, "wrong type", `reason of type ${name}`, (ip) => staffAct(ip, [ownId, { reason: value, confirm: true }]), { field: "reason" });
      }
      add(target, "wrong type", 'confirm as the string "true"', (ip) => staffAct(ip, [ownId, { reason: good.reason, confirm: "true" }]), { field: "confirm" });
      add(target, "missing", "not confirmed", (ip) => staffAct(ip, [ownId, { reason: good.reason, confirm: false }]), { field: "confirm" });
      add(target, "missing", "no reason", (ip) => staffAct(ip, [ownId, { confirm: true }]), { field: "reason" });
      add(target, "missing", "no arguments", (ip) => staffAct(ip, []), { form: "errors.notFound" });
      add(target, "wrong type", "the form as a string", (ip) => staffAct(ip, [ownId, "reason=x&confirm=true"]), { field: "reason" });
      add(target, "forged hidden field", "a target that does not exist", (ip) => staffAct(ip, [randomUUID(), good]), { form: "errors.notFound" });
      add(target, "forged session", "a customer's session", (ip) => actionOutcome(as(a.client, ip).action(ref, [ownId, good], { page })), { redirect: /^\/staff\/login\?next=/ });
      add(target, "forged session", "signed out", (ip) => actionOutcome(anon(ip).action(ref, [ownId, good], { page })), { redirect: /^\/staff\/login\?next=/ });
      add(target, "cross-site", "Origin of another site", (ip) => staffAct(ip, [ownId, good], { origin: EVIL }), { status: 403 });
    }
    add("retryAction", "forged hidden field", "a PENDING change (not retryable)", (ip) => actionOutcome(as(staff.client, ip).action(retryAction, [changeA, { reason: "再試行のテストです", confirm: true }], { page: `/staff/customers/${idA}` })), { form: "errors.notRetryable" });

    // ── Logout (customers and staff): signed out, forged, cross-site. ──
    for (const [ref, target, loginPath, owner] of [
      [logoutAction, "logoutAction", "/login", a.client],
      [staffLogoutAction, "staffLogoutAction", "/staff/login", staff.client],
    ] as const) {
      const done = new RegExp(`^${loginPath.replace(/\//g, "\\/")}\\?loggedOut=1$`);
      add(target, "forged session", "signed out", (ip) => actionOutcome(anon(ip).action(ref, [])), { redirect: done });
      add(target, "forged session", "session cookie with SQL", (ip) => actionOutcome(as(anon(ip), ip, { "selfcare.session": "' OR 1=1 --" }).action(ref, [])), { redirect: done });
      add(target, "wrong type", "unexpected arguments, signed out", (ip) => actionOutcome(anon(ip).action(ref, [{ sessionId: randomUUID() }, K100])), { redirect: done });
      add(target, "cross-site", "Origin of another site, signed in", (ip) => actionOutcome(as(owner, ip).action(ref, [], { origin: EVIL })), { status: 403 });
    }

    // ── The server action protocol itself. ──
    const raw = (ip: string, id: string, body: string | FormData, contentType?: string, page = "/login") => actionOutcome(anon(ip).action({ id, page }, [], { rawBody: body, contentType }));
    add("server actions", "forged hidden field", "an action ID that does not exist", (ip) => raw(ip, "00".repeat(21), "[]"), { status: [400, 404, 409] });
    add("server actions", "forged hidden field", "an action ID that is not hex", (ip) => raw(ip, "<script>alert(1)</script>", "[]"), { status: [400, 404, 409] });
    add("server actions", "protocol", "an action ID of 8 KB", (ip) => raw(ip, "a".repeat(8_000), "[]"), { status: [400, 404, 409, 431] });
    add("server actions", "protocol", "a body that is not JSON", (ip) => raw(ip, loginAction.id, "selfcareId=x&password=y"), { status: [400] });
    add("server actions", "protocol", "a JSON object instead of the argument list", (ip) => raw(ip, loginAction.id, JSON.stringify({ selfcareId: "x", password: "y" })), { status: [400] });
    add("server actions", "100 KB", "100 KB of junk", (ip) => raw(ip, loginAction.id, `[${"\u0000{".repeat(50_000)}`), { status: [400] });
    add("server actions", "protocol", "React references in the arguments", (ip) => raw(ip, loginAction.id, JSON.stringify(["$@1", "$Q2"])), { status: [400] });
    // A FormData argument where the action takes an object: the form's own field errors.
    add("server actions", "100 KB", "a FormData argument with a 100 KB junk field", (ip) => {
      const f = new FormData();
      f.set("0", '["$K1"]');
      f.set("_1_junk", K100);
      return raw(ip, loginAction.id, f);
    }, { field: "selfcareId" });
    add("server actions", "protocol", "a multipart body without its argument list", (ip) => {
      const f = new FormData();
      f.set("_1_selfcareId", "x");
      return raw(ip, loginAction.id, f);
    }, { status: [400] });
    add("server actions", "protocol", "a multipart argument list referring to a missing row", (ip) => {
      const f = new FormData();
      f.set("0", '["$Q5"]');
      return raw(ip, loginAction.id, f);
    }, { status: [400] });
    add("server actions", "protocol", "a server reference smuggled into the arguments", (ip) => raw(ip, loginAction.id, JSON.stringify([{ selfcareId: "$h1", password: "$F1" }])), { status: [400] });
    add("server actions", "protocol", "an argument list nested 10,000 deep", (ip) => raw(ip, loginAction.id, `${"[".repeat(10_000)}${"]".repeat(10_000)}`), { status: [400] });
    add("server actions", "protocol", "a form-encoded action call", (ip) => raw(ip, loginAction.id, "selfcareId=x&password=y", "application/x-www-form-urlencoded"), { status: [400, 404] });
    // Forms posted without JavaScript (no Next-Action header: the action named in the body).
    const mpa = (ip: string, fields: [string, string][], page = "/login") => {
      const f = new FormData();
      for (const [k, v] of fields) f.append(k, v);
      return http(anon(ip).request(page, { method: "POST", body: f }));
    };
    add("server actions (no JavaScript)", "forged hidden field", "an action ID that does not exist", (ip) => mpa(ip, [[`$ACTION_ID_${"00".repeat(21)}`, ""], ["locale", "en"]]), { status: [400, 404, 409] });
    add("server actions (no JavaScript)", "forged hidden field", "an action reference with a junk key", (ip) => mpa(ip, [["$ACTION_REF_1", ""], ["1_$ACTION_ID_nothing", ""], ["1_$ACTION_KEY", "k"]]), { status: [400, 404, 409] });
    add("server actions (no JavaScript)", "protocol", "a form with no action at all", (ip) => mpa(ip, [["locale", "en"], ["junk", K100]]), { status: [400, 404, 405] });
    add("server actions (no JavaScript)", "protocol", "a multipart body that is not multipart", (ip) => http(anon(ip).request("/login", { method: "POST", headers: { "content-type": "multipart/form-data; boundary=xyz" }, body: "not multipart at all" })), { status: [400, 404, 405] });
    add("server actions", "protocol", "multipart content type with a body that is not multipart", (ip) => raw(ip, loginAction.id, "not multipart at all", "multipart/form-data; boundary=xyz"), { status: [400] });
    add("server actions", "protocol", "the staff action posted to the customer login page", (ip) => actionOutcome(anon(ip).action({ id: unlockAction.id, page: "/login" }, [idA, { reason: "顧客からの依頼です", confirm: true }])), { redirect: /^\/staff\/login\?next=/ });

    // ── Test-data API: 404 without the right token, 400 for a bad body, nothing written. ──
    const testRoutes: [string, string, unknown][] = [
      ["GET", "/api/test/counts", undefined],
      ["POST", "/api/test/customers", { selfcareId: "forged01", password: "x", email: "forged01@example.jp" }],
      ["DELETE", "/api/test/customers?selfcareId=victim01", undefined],
      ["POST", "/api/test/customers/bulk", { prefix: "forged", count: 5, password: "x", numberPrefix: "0506", services: ["IP_PHONE"], linePassword: "abcd1234" }],
      ["POST", "/api/test/staff", { loginId: "forgedstaff", password: "x", email: "forgedstaff@example.jp" }],
      ["DELETE", "/api/test/staff?loginId=support01", undefined],
      ["POST", "/api/test/reflect", { now: "2026-11-25T17:30:00+09:00" }],
    ];
    const testCall = (method: string, path: string, body: unknown, headers: Record<string, string>, raw?: string) =>
      fetch(new URL(path, portal.base), { method, headers: { ...(body === undefined && raw === undefined ? {} : { "content-type": "application/json" }), ...headers }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) }).then(async (res) => ({
        r: { status: res.status, headers: res.headers, text: await res.text(), redirect: res.headers.get("location"), ms: 0 },
      }));
    for (const [method, path, body] of testRoutes) {
      const target = `${method} ${path.split("?")[0]}`;
      add(target, "missing", "no token", () => testCall(method, path, body, {}), { status: 404 });
      add(target, "forged hidden field", "wrong token", () => testCall(method, path, body, { "x-test-token": "not-the-token" }), { status: 404 });
      add(target, "SQL injection", "token with SQL", () => testCall(method, path, body, { "x-test-token": "' OR '1'='1" }), { status: 404 });
      add(target, "forged hidden field", "the token in the query string instead", () => testCall(method, `${path}${path.includes("?") ? "&" : "?"}token=${TEST_TOKEN}`, body, {}), { status: 404 });
    }
    const token = { "x-test-token": TEST_TOKEN };
    for (const path of ["/api/test/customers", "/api/test/customers/bulk", "/api/test/staff", "/api/test/reflect"]) {
      add(`POST ${path}`, "protocol", "a body that is not JSON", () => testCall("POST", path, undefined, { ...token, "content-type": "application/json" }, "{not json"), { status: 400 });
      add(`POST ${path}`, "100 KB", "a 100 KB body", () => testCall("POST", path, { junk: K100 }, token), { status: 400 });
      add(`POST ${path}`, "empty", "an empty object", () => testCall("POST", path, {}, token), { status: 400 });
      add(`POST ${path}`, "wrong type", "an array", () => testCall("POST", path, [1, 2, 3], token), { status: 400 });
    }
    add("POST /api/test/customers", "control", "NUL in the ID", () => testCall("POST", "/api/test/customers", { selfcareId: "a\u0000b", password: "x", email: "nul@example.jp" }, token), { status: 400 });
    add("POST /api/test/customers", "full-width", "a full-width line number", () => testCall("POST", "/api/test/customers", { selfcareId: "fw01", password: "x", email: "fw01@example.jp", lines: [{ number: "０５０１２３４５６７８", service: "IP_PHONE", password: "abcd1234" }] }, token), { status: 400 });
    add("POST /api/test/customers", "script injection", "an email with markup", () => testCall("POST", "/api/test/customers", { selfcareId: "x1", password: "x", email: "<script>alert(1)</script>" }, token), { status: 400 });
    add("POST /api/test/customers/bulk", "wrong type", "count as a string", () => testCall("POST", "/api/test/customers/bulk", { prefix: "x", count: "5", password: "x", numberPrefix: "0506", services: ["IP_PHONE"], linePassword: "abcd1234" }, token), { status: 400 });
    add("POST /api/test/customers/bulk", "SQL injection", "prefix with SQL", () => testCall("POST", "/api/test/customers/bulk", { prefix: "x'; DROP TABLE \"Line\"; --", count: 1, password: "x", numberPrefix: "0506", services: ["IP_PHONE"], linePassword: "abcd1234" }, token), { status: 400 });
    add("POST /api/test/reflect", "hyphens", "a date without a time", () => testCall("POST", "/api/test/reflect", { now: "2026-11-25" }, token), { status: 400 });
    add("POST /api/test/reflect", "emoji", "a time that is an emoji", () => testCall("POST", "/api/test/reflect", { now: "🕠" }, token), { status: 400 });
    add("DELETE /api/test/customers", "control", "NUL in the ID", () => testCall("DELETE", "/api/test/customers?selfcareId=a%00b", undefined, token), { status: 400 });
    add("DELETE /api/test/customers", "missing", "no ID", () => testCall("DELETE", "/api/test/customers", undefined, token), { status: 400 });
    add("DELETE /api/test/staff", "100 KB", "a 100 KB ID", () => testCall("DELETE", `/api/test/staff?loginId=${"a".repeat(100_000)}`, undefined, token), { status: [400, 414, 431] });
    add("PUT /api/test/counts", "protocol", "a method the route does not have", () => testCall("PUT", "/api/test/counts", {}, token), { status: 405 });
    add("PATCH /api/test/customers", "protocol", "a method the route does not have", () => testCall("PATCH", "/api/test/customers", {}, token), { status: 405 });

    // ── next-auth's other routes. ──
    add("GET /api/auth/signin", "route", "next-auth's own sign-in page (there is none)", (ip) => http(anon(ip).get("/api/auth/signin")), { redirect: /^\/login/ });
    add("GET /api/auth/signin/code", "route", "provider sign-in by GET", (ip) => http(anon(ip).get("/api/auth/signin/code")), { redirect: /^\/login/ });
    add("GET /api/auth/error", "script injection", "error page with markup", (ip) => http(anon(ip).get("/api/auth/error?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E")), { redirect: /^\/login\?error=/ });
    add("GET /api/auth/callback/evil", "forged hidden field", "a provider that does not exist", (ip) => http(anon(ip).get("/api/auth/callback/evil?code=1")), { status: 405 });
    add("POST /api/auth/callback/evil", "forged hidden field", "POST to a provider that does not exist", async (ip) => {
      const client = anon(ip);
      const csrfToken = await client.csrfToken();
      return http(client.request("/api/auth/callback/evil", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrfToken, code: "123456" }) }));
    }, { status: 400 });
    add("GET /api/auth/nothing", "route", "an action next-auth does not have", (ip) => http(anon(ip).get("/api/auth/nothing")), { status: [400, 404] });
    // next-auth's own sign-out is closed (it cleared the cookie but left the server-side session valid).
    add("POST /api/auth/signout", "route", "next-auth's sign-out (closed: the portal's logout revokes the session)", (ip) => http(as(b.client, ip).request("/api/auth/signout", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" })), { status: 404 });
    add("POST /api/auth/signout", "cross-site", "sign-out from another site", (ip) => http(as(b.client, ip).request("/api/auth/signout", { method: "POST", origin: EVIL, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" })), { status: 403 });
    add("GET /api/auth/session", "forged session", "a forged session token", (ip) => http(as(anon(ip), ip, { "selfcare.session": "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..forged.forged.forged" }).get("/api/auth/session")), { page: true }, {
      check: (o) => (o.r.text.trim() === "{}" ? null : `expected no session, got ${o.r.text.slice(0, 200)}`),
    });
    add("POST /api/auth/_log", "100 KB", "100 KB to the client logger", (ip) => http(anon(ip).request("/api/auth/_log", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `level=error&code=${K100}` })), { status: [200, 400, 404] }, {
      check: (o) => (o.r.status === 200 && o.r.text.length > 100 ? "the logger echoed the body" : null),
    });
    add("PUT /api/auth/session", "protocol", "a method the route does not have", (ip) => http(anon(ip).request("/api/auth/session", { method: "PUT" })), { status: 405 });

    // ── Pages with hostile query strings and paths. ──
    add("GET /login", "forged hidden field", "return path off the site", (ip) => http(anon(ip).get("/login?next=%2F%2Fevil.example")), { page: true }, {
      check: (o) => (o.r.text.includes('"next":"//evil.example"') ? "the page keeps the hostile return path" : null),
    });
    add("GET /login", "script injection", "return path with markup", (ip) => http(anon(ip).get("/login?next=%3Cscript%3Ealert(1)%3C%2Fscript%3E")), { page: true });
    add("GET /login/verify", "forged hidden field", "return path javascript:", (ip) => http(withChallenge(ip, dead).get("/login/verify?next=javascript%3Aalert(1)")), { page: true });
    add("GET /password/complete", "forged hidden field", "another customer's change", (ip) => http(as(a.client, ip).get(`/password/complete?id=${changeB}`)), { status: 404 });
    add("GET /password/complete", "SQL injection", "change ID with SQL", (ip) => http(as(a.client, ip).get("/password/complete?id=%27%20OR%20%271%27%3D%271")), { status: 404 });
    add("GET /password/complete", "wrong type", "change ID given twice", (ip) => http(as(a.client, ip).get(`/password/complete?id=${changeA}&id=${changeB}`)), { status: 404 });
    add("GET /staff/customers/[id]", "SQL injection", "customer ID with SQL", (ip) => http(as(staff.client, ip).get("/staff/customers/%27%20OR%201%3D1%20--")), { status: 404 });
    add("GET /staff/customers/[id]", "forged hidden field", "a customer that does not exist", (ip) => http(as(staff.client, ip).get(`/staff/customers/${randomUUID()}`)), { status: 404 });
    add("GET /staff/customers/[id]", "forged session", "a customer's session", (ip) => http(as(a.client, ip).get(`/staff/customers/${idB}`)), { redirect: /^\/staff\/login\?next=/ });
    add("GET /staff", "control", "search with NUL", (ip) => http(as(staff.client, ip).get("/staff?q=a%00b")), { page: true });
    add("GET /staff", "SQL injection", "search with SQL and LIKE wildcards", (ip) => http(as(staff.client, ip).get("/staff?q=%25%27%20OR%20%271%27%3D%271%20--%20_")), { page: true }, {
      check: (o) => (o.r.text.includes('data-testid="search-result"') ? "the wildcard search matched customers" : null),
    });
    add("GET /staff", "100 KB", "search of 8 KB", (ip) => http(as(staff.client, ip).get(`/staff?q=${"%F0%9F%98%80".repeat(1000)}`)), { page: true });
    add("GET /history", "forged session", "signed out", (ip) => http(anon(ip).get("/history")), { redirect: /^\/login\?next=%2Fhistory$/ });
    add("GET /menu", "forged session", "a session cookie of 4 KB", (ip) => http(as(anon(ip), ip, { "selfcare.session": "x".repeat(4000) }).get("/menu")), { redirect: /^\/login\?next=%2Fmenu&reason=ended$/ });
    add("GET /dev/clock", "script injection", "invalid flag with markup", (ip) => http(anon(ip).get("/dev/clock?invalid=%3Cscript%3Ealert(1)%3C%2Fscript%3E")), { page: true });

    // ── Issue 14: identifiers that look like UUIDs but are not, CR/LF in next-auth's error page,
    //    oversized action bodies, control characters in return paths. ──
    const FAKE_UUIDS: [string, string][] = [
      ["36 hex digits and no hyphens in place", "0123456789abcdef0123456789abcdef0123"],
      ["36 hyphens", "-".repeat(36)],
      ["hyphens in the wrong places", "aaaaaaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaa"],
      ["a UUID with a trailing hyphen instead of its last digit", `${randomUUID().slice(0, 35)}-`],
    ];
    for (const [name, fake] of FAKE_UUIDS) {
      add(codeTarget, "forged challenge", `challenge cookie: ${name}`, (ip) => codeOutcome(withChallenge(ip, fake), "123456"), { authError: "CHALLENGE_DEAD" });
      add(codeTarget, "forged challenge", `challenge cookie: ${name}, with a signature part`, (ip) => codeOutcome(withChallenge(ip, `${fake}.${"A".repeat(43)}`), "123456"), { authError: "CHALLENGE_DEAD" });
      add("resendAction", "forged challenge", `challenge cookie: ${name}`, (ip) => actionOutcome(withChallenge(ip, fake).action(resendAction, [], { page: "/login/verify" })), { form: "errors.challengeDead" });
      add("GET /login/verify", "forged challenge", `challenge cookie: ${name}`, (ip) => http(withChallenge(ip, fake).get("/login/verify")), { page: true });
      add("GET /password/complete", "forged hidden field", `change ID: ${name}`, (ip) => http(as(a.client, ip).get(`/password/complete?id=${fake}`)), { status: 404 });
      add("GET /staff/customers/[id]", "forged hidden field", `customer ID: ${name}`, (ip) => http(as(staff.client, ip).get(`/staff/customers/${fake}`)), { status: 404 });
      add("unlockAction", "forged hidden field", `target ID: ${name}`, (ip) => actionOutcome(as(staff.client, ip).action(unlockAction, [fake, { reason: "顧客からの電話で本人確認済み", confirm: true }], { page: `/staff/customers/${idA}` })), { form: "errors.notFound" });
      add("GET /menu", "forged session", `session cookie: ${name}`, (ip) => http(as(anon(ip), ip, { "selfcare.session": fake }).get("/menu")), { redirect: /^\/login\?next=%2Fmenu&reason=ended$/ });
    }
    // The id alone (the audit trail shows it) is not a challenge cookie: the cookie is signed.
    add(codeTarget, "forged challenge", "C's open challenge id without its signature", (ip) => codeOutcome(withChallenge(ip, c.challenge.split(".")[0]!), "123456"), { authError: "CHALLENGE_DEAD" });
    add(codeTarget, "forged challenge", "C's open challenge id with another signature", (ip) => codeOutcome(withChallenge(ip, `${c.challenge.split(".")[0]!}.${b.challenge.split(".")[1]!}`), "123456"), { authError: "CHALLENGE_DEAD" });
    for (const [name, value] of [
      ["CR LF", "Configuration%0D%0ASet-Cookie:%20x=1"],
      ["LF", "x%0Ay"],
      ["NUL", "x%00y"],
      ["a path", "%2F%2Fevil.example"],
      ["2 KB", "e".repeat(2000)],
    ] as const) {
      add("GET /api/auth/error", name === "2 KB" ? "100 KB" : "control", `error code with ${name}`, (ip) => http(anon(ip).get(`/api/auth/error?error=${value}`)), { redirect: /^\/login\?error=Default$/ });
    }
    add("GET /api/auth/error", "route", "a plain error code is passed on", (ip) => http(anon(ip).get("/api/auth/error?error=CredentialsSignin")), { redirect: /^\/login\?error=CredentialsSignin$/ });
    const MB = 1024 * 1024;
    add("server actions", "100 KB", "a 1.5 MB argument list (over the 1 MB limit)", (ip) => raw(ip, loginAction.id, JSON.stringify([{ selfcareId: "x".repeat(1.5 * MB), password: "y" }])), { status: 413 });
    add("server actions", "100 KB", "a 1.5 MB multipart body", (ip) => {
      const f = new FormData();
      f.set("0", '["$K1"]');
      f.set("1_junk", "z".repeat(1.5 * MB));
      return raw(ip, loginAction.id, f);
    }, { status: 413 });
    add("server actions (no JavaScript)", "100 KB", "a 1.5 MB form post", (ip) => mpa(ip, [[`$ACTION_ID_${setLocaleAction.id}`, ""], ["locale", "en"], ["junk", "z".repeat(1.5 * MB)]]), { status: 413 });
    add("changePasswordAction", "100 KB", "a 2 MB change form", (ip) => changeAs(ip, [form({ number: NOBODY, extra: "q".repeat(2 * MB) })]), { status: 413 });
    const CONTROL_PATHS: [string, string][] = [
      ["tab", "/\t/evil.example"],
      ["newline", "/\n/evil.example"],
      ["carriage return", "/\r/evil.example"],
      ["leading tab", "\t//evil.example"],
      ["NUL", "/\u0000/evil.example"],
      ["C1 control", "/\u0085/evil.example"],
      ["ideographic space", "/\u3000/evil.example"],
      ["backslash after the path", "/menu\\..\\..\\evil.example"],
      ["an unknown page", "/evil.example"],
    ];
    for (const [name, target] of CONTROL_PATHS) {
      add("setLocaleAction", "control", `return path with ${name}`, (ip) => http(anon(ip).formAction(setLocaleAction, { locale: "ja", returnTo: target }, { page: "/login" })), { redirect: /^\/$/ });
      add("setClockAction", "control", `return path with ${name}`, (ip) => http(anon(ip).formAction(setClockAction, { date: "2026-11-25", time: "17:30", next: target })), { redirect: /^\/dev\/clock$/ });
      add("GET /login", "control", `next= with ${name}`, (ip) => http(anon(ip).get(`/login?next=${encodeURIComponent(target)}`)), { page: true }, {
        check: (o) => (/"next":"[^"]*evil\.example/.test(o.r.text) ? "the page keeps the hostile return path" : null),
      });
      add("GET /staff/login/verify", "control", `next= with ${name}`, (ip) => http(withChallenge(ip, dead).get(`/staff/login/verify?next=${encodeURIComponent(target)}`)), { page: true }, {
        check: (o) => (/"next":"[^"]*evil\.example/.test(o.r.text) ? "the page keeps the hostile return path" : null),
      });
    }

    // ── Run them, one after another, each compared with the tables as the previous one left them. ──
    const failures: string[] = [];
    const written: string[] = [];
    let serverErrors = 0;
    const first = await portal.counts();
    let previous = dataState(first);
    const started = performance.now();
    for (const [i, c] of cases.entries()) {
      const ip = `10.77.${(i >> 8) & 255}.${i & 255}`;
      const label = `#${i + 1} ${c.target} [${c.category}] ${c.name}`;
      let outcome: Outcome | null = null;
      try {
        outcome = await c.run(ip);
      } catch (error) {
        failures.push(`${label}: threw ${error instanceof Error ? error.message : String(error)}`);
      }
      if (outcome) {
        if (outcome.r.status >= 500) serverErrors++;
        const problem = verdict(c, outcome, portal.base);
        if (problem) failures.push(`${label}: ${problem}`);
      }
      const now = dataState(await portal.counts());
      const changed = Object.keys(now).filter((k) => now[k] !== previous[k] && !(c.allowWrites ?? []).includes(k));
      if (changed.length > 0) written.push(`${label}: wrote ${changed.join(", ")}`);
      previous = now;
    }
    const ms = performance.now() - started;

    const byCategory = new Map<string, number>();
    for (const c of cases) byCategory.set(c.category, (byCategory.get(c.category) ?? 0) + 1);
    const targets = new Set(cases.map((c) => c.target));
    console.log(
      [
        `bad-input campaign on ${portal.database}: ${cases.length} cases against ${targets.size} targets, ${serverErrors} server errors, ${written.length} cases wrote rows, ${failures.length} failures, ${(ms / 1000).toFixed(1)} s`,
        `  by category: ${[...byCategory].map(([k, n]) => `${k} ${n}`).join(", ")}`,
      ].join("\n"),
    );
    expect(cases.length).toBeGreaterThanOrEqual(200);
    // A forged or unknown line number is refused like any other and audited, each time.
    const lineNotFound = cases.filter((c) => "field" in c.expect && c.expect.key === "errors.lineNotFound").length;
    const last = await portal.counts();
    expect((last.AuditEventByType.LINE_NOT_FOUND ?? 0) - (first.AuditEventByType.LINE_NOT_FOUND ?? 0)).toBe(lineNotFound);
    expect([...failures, ...written], [...failures, ...written].slice(0, 40).join("\n")).toEqual([]);
    expect(serverErrors).toBe(0);
  });
});
