// A plain HTTP client for load and bad-input tests, and a harness that starts a portal of their own.
//
// HttpClient is one simulated browser: its own cookie jar and its own client address (sent as
// X-Forwarded-For, which the server keeps when started with TRUST_PROXY=true). It drives pages,
// server actions (POST to the page with a Next-Action header and the JSON array of the arguments,
// as React's client does) and next-auth's code callback.
//
// startPortal() runs scripts/serve.ts (tests/fixtures/portal-process.ts) with a fresh database
// (embedded PGlite, or a new database on the TEST_DATABASE_URL server), a real SMTP capture in this
// process, the test-data API and TRUST_PROXY=true. It does not build: the build folder
// (NEXT_DIST_DIR, else .next) must exist, as `npm test` builds before Playwright runs.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createScratchDatabase } from "../fixtures/pg-database";
import type { CapturedMail } from "../fixtures/mail-capture";
import { startPortalProcess } from "../fixtures/portal-process";

export type { CapturedMail };

export const TEST_TOKEN = "http-client-test-token";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ───────────────────────────── server actions ─────────────────────────────

export interface ActionRef {
  id: string;
  /** A page that renders the action (its POST target), e.g. "/login". */
  page: string;
}

/**
 * The server actions of the build, looked up by exported name (e.g. "loginAction"), from the build's
 * server-reference manifest: the same ids the browser's chunks and the pages' flight data carry.
 * An unknown name throws, naming it.
 */
export function serverActions(distDir = process.env.NEXT_DIST_DIR ?? ".next"): (name: string) => ActionRef {
  const file = path.join(distDir, "server", "server-reference-manifest.json");
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (npm test builds before Playwright runs)`);
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { node: Record<string, { workers: Record<string, unknown>; exportedName?: string; filename?: string }> };
  const out: Record<string, ActionRef> = {};
  for (const [id, entry] of Object.entries(manifest.node)) {
    const name = entry.exportedName;
    if (!name) continue;
    // "app/staff/(console)/customers/[id]/page" → "/staff/customers/[id]" (route groups dropped) (the caller fills dynamic segments).
    const pages = Object.keys(entry.workers).map((w) => w.replace(/^app/, "").replace(/\/\([^/)]+\)/g, "").replace(/\/page$/, "") || "/");
    const own = entry.filename ? `/${path.dirname(entry.filename).replace(/^app\/?/, "").replace(/\([^/)]+\)\/?/g, "")}`.replace(/\/$/, "") || "/" : undefined;
    out[name] = { id, page: pages.find((p) => p === own) ?? pages[0]! };
  }
  return (name) => {
    const ref = out[name];
    if (!ref) throw new Error(`no server action ${name} in the build`);
    return ref;
  };
}

// ───────────────────────────── responses ─────────────────────────────

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Location, or for server actions the x-action-redirect target (without ";push"/";replace"). */
  redirect: string | null;
  ms: number;
}

export interface ActionResult extends HttpResult {
  /** The action's return value, when the RSC payload carries one (row 1 in Next's action response). */
  value: unknown;
  /** Every errors.* message key found in the response. */
  errorKeys: string[];
}

/** Every "errors.*" key in a text (RSC payload, HTML or JSON). */
export function errorKeysIn(text: string): string[] {
  return [...new Set(text.match(/errors\.[A-Za-z]+/g) ?? [])];
}

/** The return value in a server action's RSC response: the row the root row's "a" points at. */
function actionValue(text: string): unknown {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  const parse = (s: string | undefined) => {
    if (s === undefined) return undefined;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return undefined;
    }
  };
  const root = parse(rows.get("0")) as { a?: unknown } | undefined;
  if (root && typeof root === "object" && "a" in root) {
    const a = root.a;
    const ref = typeof a === "string" ? /^\$@([0-9a-f]+)$/.exec(a) : null;
    return ref ? parse(rows.get(ref[1]!)) : a;
  }
  return parse(rows.get("1"));
}

// ───────────────────────────── the client ─────────────────────────────

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | FormData | URLSearchParams;
  /** Origin header: the portal's own by default on POST; null sends none. */
  origin?: string | null;
  /** Keep Set-Cookie out of the jar (to replay or forge). */
  noStore?: boolean;
}

/** One simulated browser: a cookie jar and a client address. */
export class HttpClient {
  readonly jar = new Map<string, string>();
  readonly origin: string;

  constructor(
    readonly base: string,
    readonly ip: string,
    readonly userAgent = "selfcare-http-client/1.0",
  ) {
    this.origin = new URL(base).origin;
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private store(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const i = pair!.indexOf("=");
      if (i <= 0) continue;
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]!) < Date.now()));
      if (expired || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(pathOrUrl: string, o: RequestOptions = {}): Promise<HttpResult> {
    const method = o.method ?? "GET";
    // One connection per request: fetch's shared keep-alive pool would otherwise hand a socket the
    // server is just closing (its 5 s idle timeout) to the next of 200 busy clients: "fetch failed".
    const headers: Record<string, string> = { "user-agent": this.userAgent, "x-forwarded-for": this.ip, connection: "close", ...o.headers };
    const cookie = this.cookieHeader();
    if (cookie && !("cookie" in headers)) headers.cookie = cookie;
    const origin = o.origin === undefined ? (method === "GET" ? null : this.origin) : o.origin;
    if (origin) headers.origin = origin;
    const started = performance.now();
    const res = await fetch(new URL(pathOrUrl, this.base), { method, headers, body: o.body, redirect: "manual" });
    const text = await res.text();
    const ms = performance.now() - started;
    if (!o.noStore) this.store(res.headers);
    const actionRedirect = res.headers.get("x-action-redirect");
    const redirect = actionRedirect ? actionRedirect.replace(/;(push|replace)$/, "") : res.headers.get("location");
    return { status: res.status, headers: res.headers, text, redirect, ms };
  }

  get(pathOrUrl: string, o: Omit<RequestOptions, "method" | "body"> = {}): Promise<HttpResult> {
    return this.request(pathOrUrl, { ...o, method: "GET" });
  }

  /**
   * Calls a server action the way React's client does: POST to the page, Next-Action header,
   * text/plain JSON array of the arguments. `rawBody` sends any other body instead (bad-input tests).
   */
  async action(ref: ActionRef, args: unknown[], o: RequestOptions & { page?: string; rawBody?: string | Uint8Array<ArrayBuffer> | FormData; contentType?: string } = {}): Promise<ActionResult> {
    const body = o.rawBody ?? JSON.stringify(args);
    const headers: Record<string, string> = {
      "next-action": ref.id,
      accept: "text/x-component",
      ...(body instanceof FormData ? {} : { "content-type": o.contentType ?? "text/plain;charset=UTF-8" }),
      ...o.headers,
    };
    const r = await this.request(o.page ?? ref.page, { ...o, method: "POST", headers, body });
    const isRsc = (r.headers.get("content-type") ?? "").includes("text/x-component");
    return { ...r, value: isRsc ? actionValue(r.text) : undefined, errorKeys: errorKeysIn(r.text) };
  }

  /**
   * A form posted without JavaScript (progressive enhancement): multipart with $ACTION_ID_<id>.
   * This is how FormData actions (the clock, the language) are called.
   */
  formAction(ref: ActionRef, fields: Record<string, string>, o: RequestOptions & { page?: string } = {}): Promise<HttpResult> {
    const form = new FormData();
    form.set(`$ACTION_ID_${ref.id}`, "");
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return this.request(o.page ?? ref.page, { ...o, method: "POST", body: form });
  }

  /** next-auth's CSRF token (and its cookie in the jar). */
  async csrfToken(): Promise<string> {
    const r = await this.get("/api/auth/csrf");
    if (r.status !== 200) throw new Error(`/api/auth/csrf answered ${r.status}`);
    return (JSON.parse(r.text) as { csrfToken: string }).csrfToken;
  }

  /**
   * Step 2 of sign-in: the code to next-auth's Credentials provider "code", as signIn("code",
   * { redirect: false }) posts it. Returns the error code next-auth reports (null on success).
   */
  async submitCode(code: unknown, o: { csrfToken?: string; callbackUrl?: string; extra?: Record<string, string> } = {}): Promise<{ error: string | null; result: HttpResult }> {
    const csrfToken = o.csrfToken ?? (await this.csrfToken());
    const form = new URLSearchParams({ csrfToken, callbackUrl: o.callbackUrl ?? `${this.origin}/menu`, json: "true", ...o.extra });
    if (code !== undefined) form.set("code", String(code));
    const result = await this.request("/api/auth/callback/code", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-auth-return-redirect": "1" },
      body: form,
    });
    let url: string | null = result.redirect;
    if ((result.headers.get("content-type") ?? "").includes("json")) {
      try {
        url = (JSON.parse(result.text) as { url?: string }).url ?? url;
      } catch {
        /* not JSON */
      }
    }
    const error = url ? new URL(url, this.base).searchParams.get("error") : null;
    const signedIn = Boolean(this.jar.get("selfcare.session"));
    return { error: error ?? (signedIn ? null : "NO_SESSION"), result };
  }
}

// ───────────────────────────── the portal harness ─────────────────────────────

export interface Portal {
  base: string;
  port: number;
  /** Every message the in-process SMTP capture received, in arrival order. */
  mails: CapturedMail[];
  mailsTo(address: string, subject?: string): CapturedMail[];
  waitForMail(address: string, subject: string, nth?: number, timeoutMs?: number): Promise<CapturedMail>;
  /** The server's stdout and stderr so far. */
  output(): string;
  database: "pglite" | "postgres";
  testApi(pathname: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: unknown; text: string }>;
  counts(): Promise<Counts>;
  stop(): Promise<void>;
}

export type Counts = Record<string, unknown> & {
  PasswordChange: number;
  PasswordChangeByStatus: Record<string, number>;
  OutboxEmail: number;
  OutboxEmailByKind: Record<string, number>;
  OutboxEmailByStatus: Record<string, number>;
  AuditEvent: number;
  AuditEventByType: Record<string, number>;
  Customer: number;
  Line: number;
  LoginChallenge: number;
  AuthSession: number;
  RateLimiterFlexible: number;
};

/** Flattens nested counts to "a.b" → value, for comparing two snapshots. */
export function flatten(o: Record<string, unknown>, prefix = ""): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

/** The keys whose value differs between two snapshots. */
export function changedKeys(before: Counts, after: Counts): string[] {
  const a = flatten(before);
  const b = flatten(after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/** Starts the production build on a free port with a fresh database and its own SMTP capture. */
export async function startPortal(o: { name: string; appNow?: string; env?: Record<string, string> }): Promise<Portal> {
  const suffix = randomBytes(4).toString("hex");
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string | undefined;
  const admin = process.env.TEST_DATABASE_URL;
  if (admin) {
    const scratch = await createScratchDatabase(admin, `${o.name.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${suffix}`);
    databaseUrl = scratch.url;
    dropDatabase = scratch.drop;
  }
  const server = await startPortalProcess({
    dataDir: path.resolve(".tmp", `${o.name}-${suffix}`),
    env: {
      DATABASE_URL: databaseUrl ?? "",
      APP_NOW: o.appNow ?? "2026-11-25T14:00:00+09:00",
      TEST_API_TOKEN: TEST_TOKEN,
      TRUST_PROXY: "true",
      WORKER_IN_SERVER: "true",
      PROVISIONER: "internal",
      WORKER_POLL_MS: "250",
      OUTBOX_POLL_MS: "200",
      ...o.env,
    },
  }).catch(async (error: unknown) => {
    await dropDatabase?.().catch(() => undefined);
    throw error;
  });
  const { baseUrl: base, port, mails } = server;
  const stop = async () => {
    await server.stop();
    await dropDatabase?.().catch(() => undefined);
  };

  const testApi = async (pathname: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await fetch(new URL(pathname, base), {
      method: init.method ?? "GET",
      headers: { "x-test-token": TEST_TOKEN, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };
  const mailsTo = (address: string, subject?: string) => mails.filter((m) => m.to.includes(address.toLowerCase()) && (!subject || m.subject.includes(subject)));

  return {
    base,
    port,
    mails,
    mailsTo,
    async waitForMail(address, subject, nth = 1, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = mailsTo(address, subject);
        if (found.length >= nth) return found[nth - 1]!;
        if (Date.now() > until) throw new Error(`no mail #${nth} "${subject}" to ${address} within ${timeoutMs} ms (got ${found.length})`);
        await sleep(100);
      }
    },
    output: server.output,
    database: databaseUrl ? "postgres" : "pglite",
    testApi,
    async counts() {
      const r = await testApi("/api/test/counts");
      if (r.status !== 200) throw new Error(`/api/test/counts answered ${r.status}: ${r.text}`);
      return r.json as Counts;
    },
    stop,
  };
}


/** The p-th percentile (0–100) of a list of numbers (nearest rank). */
/**
 * The reflection promise the input screen would show for `number` (previewAction), which the
 * change action wants back as `promised`, as the real form sends it.
 */
export async function shownPromise(client: HttpClient, previewAction: ActionRef, number: string): Promise<string> {
  const r = await client.action(previewAction, [number]);
  const promise = (r.value as { promise?: unknown } | null)?.promise;
  if (typeof promise !== "string") throw new Error(`no reflection preview for ${number}: ${r.status} ${JSON.stringify(r.value)}`);
  return promise;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
