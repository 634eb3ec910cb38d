// HTTP benchmark of the production build: build into .next-bench, start scripts/serve.ts on a free
// port against PostgreSQL with a real SMTP capture, sign one customer in with Chromium (the code is
// read from the captured email), then load the server with autocannon (50 connections): the
// signed-in menu page, a replay of the password-change server action, and trivial routes on the
// same server as baselines. The same browser session records which JS chunks each customer route
// loads on a fresh visit (page weight).
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import autocannon, { type RequestParams } from "autocannon";
import { codeIn, type CapturedMail } from "@/tests/fixtures/mail-capture";
import { startPortalProcess, type PortalProcess } from "@/tests/fixtures/portal-process";
import { LoginPage, PasswordChangePage, VerifyPage } from "@/tests/e2e/pages";
import { atExit, run } from "./procs";

export const DIST_DIR = ".next-bench";
const TEST_TOKEN = "bench-test-token-0123";

/** `next build` into .next-bench (the regular .next is left alone). */
export async function buildApp(): Promise<number> {
  const t0 = performance.now();
  await run("node_modules/.bin/next", ["build"], { NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" });
  return performance.now() - t0;
}

export type Portal = PortalProcess;

/** scripts/serve.ts on a free port, its database `databaseUrl`, mail to a capture server in this process. */
export function startPortal(databaseUrl: string): Promise<Portal> {
  return startPortalProcess({
    onSpawn: atExit, // stopped on Ctrl-C, also while it starts
    dataDir: mkdtempSync(path.join(tmpdir(), "selfcare-bench-data-")),
    env: {
      NEXT_DIST_DIR: DIST_DIR,
      DATABASE_URL: databaseUrl,
      TEST_API_TOKEN: TEST_TOKEN,
      // The login benchmark sends each request from an address of its own (X-Forwarded-For), as many
      // customers do, so that the per-address login limit (30 per 15 minutes) applies per customer.
      TRUST_PROXY: "true",
      OUTBOX_POLL_MS: "300",
      // The bench process's own test settings must not leak into the server.
      APP_NOW: undefined,
      PROVISIONER: undefined,
      KAMAILIO_DATABASE_URL: undefined,
      WORKER_BATCH_SIZE: undefined,
      WORKER_POLL_MS: undefined,
    },
  });
}

export interface BenchCustomer {
  selfcareId: string;
  password: string;
  email: string;
  number: string;
  linePassword: string;
}

export async function createCustomer(baseUrl: string): Promise<BenchCustomer> {
  const id = `bench${randomBytes(4).toString("hex")}`;
  const c: BenchCustomer = {
    selfcareId: id,
    password: `Pw-${randomBytes(6).toString("hex")}`,
    email: `${id}@example.jp`,
    // 0507…: the bulk customers of the login benchmark use 0509…, the extra lines 0508….
    number: `0507${String(randomInt(0, 1e7)).padStart(7, "0")}`,
    linePassword: `k${randomBytes(4).toString("hex").slice(0, 6)}q`,
  };
  const res = await fetch(`${baseUrl}/api/test/customers`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-token": TEST_TOKEN },
    body: JSON.stringify({ selfcareId: c.selfcareId, password: c.password, email: c.email, lines: [{ number: c.number, service: "IP_PHONE", password: c.linePassword }] }),
  });
  if (res.status !== 201) throw new Error(`POST /api/test/customers answered ${res.status}: ${await res.text()}`);
  return c;
}

async function waitForCode(mails: CapturedMail[], to: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const m of [...mails].reverse()) {
      if (!m.to.includes(to.toLowerCase())) continue;
      const code = codeIn(m.text);
      if (code) return code;
    }
    if (Date.now() > deadline) throw new Error(`no sign-in code for ${to} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface CapturedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

export interface Session {
  browser: Browser;
  /** The signed-in browser's cookies as one Cookie header. */
  cookie: string;
  /** The password-change server action as the browser sent it (replayable). */
  change: CapturedRequest;
  /** The new password the browser submitted in `change`. */
  changedTo: string;
  /** The sign-in (step 1) server action as the browser sent it. */
  login: CapturedRequest;
  /** JS chunks (URL paths) each route loaded on a fresh visit; the final path if it redirected. */
  scripts: Map<string, { finalPath: string; chunks: string[] }>;
  close(): Promise<void>;
}

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * The JS chunks (URL paths under /_next/static/) a page loads on a fresh visit, in a new browser
 * context (empty cache), and the path it ended on if it redirected.
 */
export async function scriptsLoaded(browser: Browser, url: string, storageState?: StorageState): Promise<{ finalPath: string; chunks: string[] }> {
  const ctx = await browser.newContext({ locale: "ja-JP", timezoneId: "Asia/Tokyo", storageState });
  try {
    const page = await ctx.newPage();
    const chunks = new Set<string>();
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (r.resourceType() === "script" && u.pathname.startsWith("/_next/static/")) chunks.add(u.pathname);
    });
    await page.goto(url, { waitUntil: "networkidle" });
    return { finalPath: new URL(page.url()).pathname, chunks: [...chunks] };
  } finally {
    await ctx.close();
  }
}

/**
 * Signs the customer in with Chromium, changes the line's password once (capturing the server
 * action's request), and visits every customer route in a fresh browser context (empty cache),
 * recording the JS chunks it loads.
 */
export async function signInWithBrowser(portal: Portal, customer: BenchCustomer): Promise<Session> {
  const profile = mkdtempSync(path.join(tmpdir(), "selfcare-bench-chromium-"));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, "config"), XDG_CACHE_HOME: path.join(profile, "cache") },
  });
  const contextOptions = { baseURL: portal.baseUrl, locale: "ja-JP", timezoneId: "Asia/Tokyo" };
  const scripts = new Map<string, { finalPath: string; chunks: string[] }>();

  const visit = async (route: string, storageState?: StorageState, query = "") => {
    scripts.set(route, await scriptsLoaded(browser, new URL(route + query, portal.baseUrl).href, storageState));
  };

  try {
    const context = await browser.newContext(contextOptions);
    const page = await context.newPage();
    let loginRequest: CapturedRequest | undefined;
    const captureLogin = (r: import("@playwright/test").Request) => {
      const headers = r.headers();
      const body = r.postData() ?? "";
      if (r.method() === "POST" && headers["next-action"] && body.includes(customer.selfcareId) && !loginRequest) loginRequest = { url: r.url(), method: "POST", headers, body };
    };
    page.on("request", captureLogin);
    const login = new LoginPage(page);
    await login.open();
    await login.submit(customer.selfcareId, customer.password);
    await page.waitForURL(/\/login\/verify/, { timeout: 30_000 });
    page.off("request", captureLogin);
    if (!loginRequest) throw new Error("the sign-in server action was not seen");
    const atVerify = await context.storageState();
    const verifyQuery = new URL(page.url()).search;
    await new VerifyPage(page).enter(await waitForCode(portal.mails, customer.email));
    await page.waitForURL(/\/menu/, { timeout: 30_000 });

    // One real password change; its server-action request is what autocannon replays.
    let change: CapturedRequest | undefined;
    page.on("request", (r) => {
      const headers = r.headers();
      const body = r.postData() ?? "";
      if (r.method() === "POST" && headers["next-action"] && body.includes("idempotencyKey") && !change) {
        change = { url: r.url(), method: "POST", headers, body };
      }
    });
    await page.goto("/password");
    const form = new PasswordChangePage(page);
    const next = `n${randomBytes(4).toString("hex").slice(0, 6)}w`;
    await form.fill({ number: customer.number, current: customer.linePassword, next });
    await form.update();
    await page.waitForURL(/\/password\/complete/, { timeout: 30_000 });
    const completeQuery = new URL(page.url()).search;
    if (!change) throw new Error("the password-change server action was not seen");
    const session = await context.storageState();
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    await context.close();

    for (const route of ["/", "/login", "/guide"]) await visit(route);
    await visit("/login/verify", atVerify, verifyQuery);
    for (const route of ["/menu", "/password", "/history"]) await visit(route, session);
    await visit("/password/complete", session, completeQuery);
    return { browser, cookie, change, changedTo: next, login: loginRequest, scripts, close: () => closeBrowser(browser, profile) };
  } catch (error) {
    await closeBrowser(browser, profile);
    throw error;
  }
}

async function closeBrowser(browser: Browser, profile: string) {
  await browser.close().catch(() => undefined);
  rmSync(profile, { recursive: true, force: true });
}

export interface CannonResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  /** Responses with the expected status. */
  ok: number;
  /** Other statuses, connection errors and timeouts. */
  bad: number;
  statuses: Record<string, number>;
}

export interface CannonSpec {
  /** The server's origin, e.g. http://127.0.0.1:3000. */
  origin: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A different body and extra headers for every request (fresh changes, logins). */
  vary?: () => { body?: string; headers?: Record<string, string> };
  /** The status a successful request answers with. */
  expect: number;
  seconds: number;
  connections: number;
  /** Seconds of warm-up first (not counted). */
  warmup?: number;
}

/** autocannon with `connections` connections for `seconds`, after a short warm-up; every response's status is checked. */
export async function cannon(name: string, o: CannonSpec): Promise<CannonResult> {
  const once = async (seconds: number) => {
    const statuses: Record<string, number> = {};
    const r = await autocannon({
      url: o.origin,
      connections: o.connections,
      duration: seconds,
      timeout: 30,
      requests: [
        {
          method: o.method ?? "GET",
          path: o.path,
          headers: o.headers,
          body: o.body,
          ...(o.vary && {
            setupRequest: (req: RequestParams) => {
              const v = o.vary!();
              return { ...req, body: v.body ?? req.body, headers: { ...req.headers, ...v.headers } };
            },
          }),
          onResponse: (status) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
          },
        },
      ],
    });
    return { r, statuses };
  };
  if ((o.warmup ?? 2) > 0) await once(o.warmup ?? 2);
  const { r, statuses } = await once(o.seconds);
  const ok = statuses[o.expect] ?? 0;
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    name,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    ok,
    bad: answered - ok + r.errors + r.timeouts,
    statuses,
  };
}

/** The headers a replay sends: the browser's, minus those the HTTP client sets itself. */
export function replayHeaders(captured: CapturedRequest, cookie: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(captured.headers)) {
    if (["content-length", "host", "connection", "cookie", "accept-encoding"].includes(k) || k.startsWith(":")) continue;
    headers[k] = v;
  }
  headers.cookie = cookie;
  return headers;
}
