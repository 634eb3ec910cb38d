import { randomBytes, randomInt } from "node:crypto";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { codeFrom } from "../fixtures/mail-capture";

/** Where the captured mail is read (tests/fixtures/mail-capture.ts). */
export const MAIL_CAPTURE_URL = process.env.MAIL_CAPTURE_URL ?? "http://127.0.0.1:2526";
const TEST_TOKEN = process.env.TEST_API_TOKEN ?? "e2e-test-token";

export type { ServiceType } from "../../lib/schedule";
import type { ServiceType } from "../../lib/schedule";
export interface TestLine {
  number: string;
  service: ServiceType;
  password: string;
}
export interface TestCustomer {
  selfcareId: string;
  password: string;
  email: string;
  lines: TestLine[];
}

export const randomLineNumber = () => `050${String(randomInt(0, 1e8)).padStart(8, "0")}`;
const randomLinePassword = () => randomBytes(8).toString("hex").slice(0, 4) + String(randomInt(1000, 9999));

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
  date: string;
}

/** Every message the capture server received for `to`, oldest first. */
export async function mailsFor(to: string): Promise<CapturedMail[]> {
  const res = await fetch(`${MAIL_CAPTURE_URL}/messages?to=${encodeURIComponent(to)}`);
  if (!res.ok) throw new Error(`mail capture answered ${res.status}`);
  return (await res.json()) as CapturedMail[];
}

/** Waits for the n-th message to `to` whose subject contains `subject`, read from the real SMTP capture. */
export async function waitForMail(to: string, subject: string, nth = 1, timeoutMs = 20_000): Promise<CapturedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = (await mailsFor(to)).filter((m) => m.subject.includes(subject));
    if (matching.length >= nth) return matching[nth - 1]!;
    if (Date.now() > deadline) throw new Error(`no mail #${nth} "${subject}" to ${to} within ${timeoutMs} ms (got ${matching.length})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The 6-digit code of the n-th code email to `to` (Japanese or English). */
export async function readCode(to: string, nth = 1): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const codes = (await mailsFor(to)).filter((m) => /認証コード|verification code/i.test(m.subject));
    if (codes.length >= nth) {
      return codeFrom(codes[nth - 1]!);
    }
    if (Date.now() > deadline) throw new Error(`no code mail #${nth} to ${to} (got ${codes.length})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Makes this browser live at `instant` (its own simulated clock; nobody else's changes). */
export async function setBrowserClock(context: BrowserContext, baseURL: string, instant: string | Date) {
  const target = new Date(instant).getTime();
  if (Number.isNaN(target)) throw new Error(`bad instant ${String(instant)}`);
  await context.addCookies([{ name: "sim_clock", value: `${target}.${Date.now()}`, url: baseURL }]);
}

export async function createCustomer(baseURL: string, overrides: Partial<TestCustomer> = {}): Promise<TestCustomer> {
  const id = `e2e${randomBytes(5).toString("hex")}`;
  const customer: TestCustomer = {
    selfcareId: id,
    password: `Pw-${randomBytes(6).toString("hex")}`,
    email: `${id}@example.jp`,
    lines: [
      { number: randomLineNumber(), service: "IP_PHONE", password: randomLinePassword() },
      { number: randomLineNumber(), service: "B2BUA", password: randomLinePassword() },
    ],
    ...overrides,
  };
  const res = await fetch(new URL("/api/test/customers", baseURL), {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-token": TEST_TOKEN },
    body: JSON.stringify(customer),
  });
  if (res.status !== 201) throw new Error(`could not create the test customer: ${res.status} ${await res.text()}`);
  return customer;
}

export async function deleteCustomer(baseURL: string, selfcareId: string) {
  await fetch(new URL(`/api/test/customers?selfcareId=${encodeURIComponent(selfcareId)}`, baseURL), {
    method: "DELETE",
    headers: { "x-test-token": TEST_TOKEN },
  });
}

/** Fills the login form and submits it (ends on the code screen when the credentials are right). */
export async function submitLogin(page: Page, selfcareId: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("セルフケアID").fill(selfcareId);
  await page.getByLabel("セルフケアパスワード").fill(password);
  await page.getByRole("button", { name: "送信", exact: true }).click();
}

/** The whole sign-in, with the code read from the captured email. */
export async function signIn(page: Page, customer: TestCustomer, nthCode = 1) {
  await submitLogin(page, customer.selfcareId, customer.password);
  await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
  const code = await readCode(customer.email, nthCode);
  await page.getByLabel("認証コード").fill(code);
  await page.getByRole("button", { name: "送信", exact: true }).click();
  await expect(page).toHaveURL(/\/menu/);
  return code;
}

export interface TestStaff {
  loginId: string;
  password: string;
  email: string;
}

async function testApi(baseURL: string, path: string, init: RequestInit) {
  const res = await fetch(new URL(path, baseURL), { ...init, headers: { "content-type": "application/json", "x-test-token": TEST_TOKEN, ...init.headers } });
  if (!res.ok) throw new Error(`${init.method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

export async function createStaff(baseURL: string): Promise<TestStaff> {
  const id = `qa${randomBytes(5).toString("hex")}`;
  const staff = { loginId: id, password: `Staff-${randomBytes(6).toString("hex")}`, email: `${id}@example.jp` };
  await testApi(baseURL, "/api/test/staff", { method: "POST", body: JSON.stringify(staff) });
  return staff;
}

/** The staff sign-in, with the code read from the captured email. */
export async function signInStaff(page: Page, staff: TestStaff) {
  await page.goto("/staff/login");
  await page.getByLabel("担当者ID").fill(staff.loginId);
  await page.getByLabel("担当者パスワード").fill(staff.password);
  await page.getByRole("button", { name: "送信", exact: true }).click();
  await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
  await page.getByLabel("認証コード").fill(await readCode(staff.email));
  await page.getByRole("button", { name: "送信", exact: true }).click();
  await expect(page).toHaveURL(/\/staff$/);
}

/** The mailbox of the real SMTP capture. */
export const mailbox = { mailsFor, waitForMail, readCode };

/** A documentation-range address (TEST-NET-2), different for each test: one simulated customer each. */
export const randomClientAddress = () => `${["192.0.2", "198.51.100", "203.0.113"][randomInt(0, 3)]}.${randomInt(1, 255)}`;

export const test = base.extend<{
  customer: TestCustomer;
  staff: TestStaff;
  /** Signed-in customer page (the `customer` fixture's). */
  customerPage: Page;
  /** Signed-in staff page (in a browser context of its own). */
  staffPage: Page;
  /** Sets this test's browser clock to a Japan time, e.g. clock("2026-12-31T23:59:00+09:00"). */
  clock: (instant: string | Date) => Promise<void>;
}>({
  extraHTTPHeaders: async ({ extraHTTPHeaders }, use) => {
    await use({ ...extraHTTPHeaders, "x-forwarded-for": randomClientAddress() });
  },
  customer: async ({ baseURL }, use) => {
    const c = await createCustomer(baseURL!);
    await use(c);
    await deleteCustomer(baseURL!, c.selfcareId);
  },
  staff: async ({ baseURL }, use) => {
    const s = await createStaff(baseURL!);
    await use(s);
    await fetch(new URL(`/api/test/staff?loginId=${s.loginId}`, baseURL!), { method: "DELETE", headers: { "x-test-token": TEST_TOKEN } });
  },
  customerPage: async ({ page, customer }, use) => {
    await signIn(page, customer);
    await use(page);
  },
  staffPage: async ({ browser, staff, baseURL }, use) => {
    const context = await browser.newContext({ baseURL, locale: "ja-JP", timezoneId: "Asia/Tokyo", extraHTTPHeaders: { "x-forwarded-for": randomClientAddress() } });
    const page = await context.newPage();
    await signInStaff(page, staff);
    await use(page);
    await context.close();
  },
  clock: async ({ context, baseURL }, use) => {
    await use((instant) => setBrowserClock(context, baseURL!, instant));
  },
});

export { expect };
