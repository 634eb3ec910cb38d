// The HTTP and page-weight sections: the production build (.next-bench) served by scripts/serve.ts
// on PostgreSQL, one customer signed in with Chromium, then autocannon against a trivial route (the
// baseline), a public page, the signed-in menu, the password-change action (a resubmitted form
// and fresh changes) and the sign-in step; and the JS each customer route loads on a fresh visit.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { hashSecret, verifySecret } from "@/lib/auth/password";
import { reflectionPromise } from "@/lib/lines/promise";
import { buildApp, cannon, createCustomer, DIST_DIR, replayHeaders, signInWithBrowser, startPortal, type CannonResult, type CannonSpec, type CapturedRequest } from "./http";
import { emptyNextWeight } from "./empty-next";
import { pageWeights, weightReport } from "./page-weight";
import { fmt, mdTable, textTable, type SectionReport } from "./report";
import type { BenchOptions } from "./options";
import type { BenchPostgres } from "./setup";

const TEST_TOKEN = "bench-test-token-0123";
export const HTTP_TARGET_RATIO = 0.5;

/** argon2id computations per second this machine does with the server's thread pool (4 threads). */
async function argon2Rate(seconds: number): Promise<number> {
  const hashed = await hashSecret("bench-argon2");
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < deadline) {
        await verifySecret(hashed, "bench-argon2");
        done++;
      }
    }),
  );
  return done / ((performance.now() - t0) / 1000);
}

/** The arguments of a captured server-action request (React sends them as a JSON array). */
function actionArgs(req: CapturedRequest): unknown[] {
  try {
    const args = JSON.parse(req.body) as unknown;
    if (Array.isArray(args) && args[0] && typeof args[0] === "object") return args;
  } catch {
    // not JSON
  }
  throw new Error(`the captured server action's body is not a JSON argument list: ${req.body.slice(0, 200)}`);
}

/** True when a server action answered with a redirect to `to` (Next's x-action-redirect). */
const redirectsTo = (to: string) => (status: number, headers: Record<string, string | string[]>) => {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return status < 400 && (h["x-action-redirect"] ?? "").startsWith(to);
};

/** One request as autocannon would send it, to learn the status a success answers with (and that it succeeds). */
async function probe(origin: string, spec: Pick<CannonSpec, "path" | "method" | "headers" | "body" | "vary">, ok: (status: number, headers: Record<string, string>) => boolean): Promise<number> {
  const v = spec.vary?.() ?? {};
  const res = await fetch(origin + spec.path, { method: spec.method ?? "GET", headers: { ...spec.headers, ...v.headers }, body: v.body ?? spec.body, redirect: "manual" });
  const headers = Object.fromEntries(res.headers.entries());
  const text = await res.text();
  if (!ok(res.status, headers)) throw new Error(`probe of ${spec.method ?? "GET"} ${spec.path} answered ${res.status} ${JSON.stringify(headers)}: ${text.slice(0, 300)}`);
  return res.status;
}

interface HttpRow {
  result: CannonResult;
  what: string;
  baseline: boolean;
  target: "ratio" | "argon2" | "none";
}

export async function httpSection(o: BenchOptions, server: BenchPostgres): Promise<SectionReport[]> {
  const t0 = performance.now();
  let buildMs = NaN;
  if (o.build || !existsSync(path.join(DIST_DIR, "BUILD_ID"))) {
    console.log(`  next build into ${DIST_DIR}…`);
    buildMs = await buildApp();
    console.log(`  built in ${fmt.s(buildMs)} s`);
  }
  const dbName = "bench_http";
  const dbUrl = await server.create(dbName);
  const portal = await startPortal(dbUrl);
  const reports: SectionReport[] = [];
  try {
    const customer = await createCustomer(portal.baseUrl);
    console.log("  signing in with Chromium, visiting every customer route…");
    const tBrowser = performance.now();
    const session = await signInWithBrowser(portal, customer);
    const browserMs = performance.now() - tBrowser;
    try {
      const weights = pageWeights(DIST_DIR, session.scripts);
      if (o.sections.has("weight")) {
        console.log("  building and measuring an empty Next.js page…");
        const tEmpty = performance.now();
        // Without the floor, the portal's own figures still get reported.
        const empty = await emptyNextWeight(session.browser).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
        if (empty instanceof Error) console.log(`  the empty page could not be measured: ${empty.message.split("\n")[0]}`);
        reports.push(weightReport(weights, empty, browserMs + performance.now() - tEmpty));
      }
      if (o.sections.has("http")) {
        const rows = await loadRuns(o, portal.baseUrl, dbUrl, customer, session);
        reports.push(httpReport(o, rows.rows, rows.argon2, 0, buildMs));
      }
    } finally {
      await session.close();
    }
  } finally {
    await portal.stop();
    await server.drop(dbName);
  }
  // The build and the server's start belong to the HTTP section (or to page weight when run alone).
  const total = performance.now() - t0;
  const http = reports.find((r) => r.id === "http");
  const weight = reports.find((r) => r.id === "weight");
  if (http) http.runtimeMs = total - (weight?.runtimeMs ?? 0);
  else if (weight) weight.runtimeMs = total;
  return reports;
}

async function loadRuns(
  o: BenchOptions,
  origin: string,
  dbUrl: string,
  customer: Awaited<ReturnType<typeof createCustomer>>,
  session: Awaited<ReturnType<typeof signInWithBrowser>>,
): Promise<{ rows: HttpRow[]; argon2: number }> {
  const seconds = o.httpSeconds;
  const connections = o.connections;
  // Enough lines and accounts that no two requests share one, at any rate argon2 allows.
  const pool = Math.max(1000, Math.ceil((seconds + 3) * 150));

  console.log("  measuring argon2id throughput…");
  const argon2 = await argon2Rate(Math.min(5, seconds));

  // Fresh changes: lines of the signed-in customer, each with the customer's line password.
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  const lineHash = await hashSecret(customer.linePassword);
  const freshNumbers = Array.from({ length: pool }, (_, i) => `0508${String(i).padStart(7, "0")}`);
  try {
    await client.query(
      `INSERT INTO "Line" (id, number, "customerId", service, "passwordHash")
       SELECT gen_random_uuid(), n, c.id, 'IP_PHONE', $2 FROM unnest($1::text[]) AS t(n), "Customer" c WHERE c."selfcareId" = $3`,
      [freshNumbers, lineHash, customer.selfcareId],
    );
  } finally {
    await client.end();
  }
  // Logins: many accounts (one challenge each), each request from an address of its own.
  const loginPassword = "Bench-login-pw-1";
  const res = await fetch(`${origin}/api/test/customers/bulk`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-test-token": TEST_TOKEN },
    body: JSON.stringify({ prefix: "benchlogin", count: Math.min(5000, pool), password: loginPassword, numberPrefix: "0509", services: ["IP_PHONE"], linePassword: "bench123" }),
  });
  if (res.status !== 201) throw new Error(`bulk customers: ${res.status} ${await res.text()}`);
  const loginAccounts = Math.min(5000, pool);

  const changeArgs = actionArgs(session.change);
  const changeForm = changeArgs[0] as Record<string, unknown>;
  const changePath = new URL(session.change.url).pathname;
  const changeHeaders = replayHeaders(session.change, session.cookie);
  let fresh = 0;
  const freshChange = () => {
    const i = fresh++;
    const newPassword = `f${i.toString(36).padStart(6, "0")}z`;
    // The promise the screen shows for an IP_PHONE line ("within 15 minutes").
    const promised = reflectionPromise("IP_PHONE", new Date()).key;
    const form: Record<string, unknown> = { ...changeForm, number: freshNumbers[i % pool], currentPassword: customer.linePassword, idempotencyKey: randomUUID(), promised };
    for (const [k, v] of Object.entries(changeForm)) if (v === session.changedTo) form[k] = newPassword;
    return { body: JSON.stringify([form, ...changeArgs.slice(1)]) };
  };

  const loginArgs = actionArgs(session.login);
  const loginForm = loginArgs[0] as Record<string, unknown>;
  const loginPath = new URL(session.login.url).pathname;
  const loginHeaders = replayHeaders(session.login, "");
  delete loginHeaders.cookie;
  let logins = 0;
  const login = () => {
    const i = logins++;
    const form = { ...loginForm, selfcareId: `benchlogin${String(i % loginAccounts).padStart(4, "0")}`, password: loginPassword };
    return { body: JSON.stringify([form, ...loginArgs.slice(1)]), headers: { "x-forwarded-for": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } };
  };

  const base = { origin, seconds, connections };
  const runs: { what: string; spec: Omit<CannonSpec, "expect" | "origin" | "seconds" | "connections">; ok: (s: number, h: Record<string, string>) => boolean; baseline?: boolean; target: HttpRow["target"] }[] = [
    { what: "GET /api/health — trivial route (baseline)", spec: { path: "/api/health" }, ok: (s) => s === 200, baseline: true, target: "none" },
    { what: "GET /no-such-page — the 404 page: a trivial page", spec: { path: "/bench-no-such-page" }, ok: (s) => s === 404, target: "none" },
    { what: "GET /guide — public page, no session", spec: { path: "/guide" }, ok: (s) => s === 200, target: "none" },
    { what: "GET /menu — signed-in menu page", spec: { path: "/menu", headers: { cookie: session.cookie } }, ok: (s) => s === 200, target: "ratio" },
    { what: "change action, resubmitted form (no argon2)", spec: { path: changePath, method: "POST", headers: changeHeaders, body: session.change.body }, ok: redirectsTo("/password/complete"), target: "ratio" },
    { what: "change action, a new change each (2 × argon2)", spec: { path: changePath, method: "POST", headers: changeHeaders, vary: freshChange }, ok: redirectsTo("/password/complete"), target: "argon2" },
    { what: "sign-in step 1, ID + password (2 × argon2)", spec: { path: loginPath, method: "POST", headers: loginHeaders, vary: login }, ok: redirectsTo("/login/verify"), target: "argon2" },
  ];
  const rows: HttpRow[] = [];
  for (const r of runs) {
    const expect = await probe(origin, r.spec, r.ok);
    // A request that computes argon2 twice waits seconds behind the other 49 (each waits
    // ~connections / rate): measure long enough for many rounds, and without a warm-up whose
    // unfinished requests the server would still be working on (the server is warm by now).
    const argon2Bound = r.target === "argon2";
    const spec: CannonSpec = { ...base, ...r.spec, expect, seconds: argon2Bound ? Math.max(seconds * 2, 8) : seconds, warmup: argon2Bound ? 0 : 2 };
    const result = await cannon(r.what, spec);
    console.log(`  ${r.what}: ${fmt.int(result.rps)} req/s, p50 ${fmt.ms(result.p50)} ms, p99 ${fmt.ms(result.p99)} ms${result.bad ? `, ${result.bad} bad ${JSON.stringify(result.statuses)}` : ""}`);
    rows.push({ result, what: r.what, baseline: r.baseline ?? false, target: r.target });
  }
  return { rows, argon2 };
}

function httpReport(o: BenchOptions, rows: HttpRow[], argon2: number, runtimeMs: number, buildMs: number): SectionReport {
  const baseline = rows.find((r) => r.baseline)!.result;
  const met: string[] = [];
  const missed: string[] = [];
  const page = rows.find((r) => r.what.startsWith("GET /no-such-page"))?.result;
  const head = ["request", "req/s", "p50 ms", "p99 ms", "max ms", "requests", "failed", "ratio to baseline", "ratio to trivial page", "target"];
  const table = rows.map((r) => {
    const ratio = r.result.rps / baseline.rps;
    let verdict = "";
    if (r.baseline) verdict = "baseline";
    else if (r.target === "ratio") {
      const ok = ratio >= HTTP_TARGET_RATIO && r.result.bad === 0;
      (ok ? met : missed).push(`${r.what.split(" — ")[0]} ratio ${fmt.ratio(ratio)} ${ratio >= HTTP_TARGET_RATIO ? "≥" : "<"} ${HTTP_TARGET_RATIO}${r.result.bad ? ` (${r.result.bad} failed)` : ""}`);
      verdict = ok ? `≥ ${HTTP_TARGET_RATIO} ✓` : `≥ ${HTTP_TARGET_RATIO} ✗`;
    } else if (r.target === "argon2") {
      // Each of these requests computes argon2id twice: the ceiling is half the machine's argon2 rate.
      const ofCeiling = r.result.rps / (argon2 / 2);
      verdict = `argon2-bound: ${fmt.ratio(ofCeiling)} of ${fmt.int(argon2 / 2)}/s`;
      if (r.result.bad > 0) missed.push(`${r.what}: ${r.result.bad} failed`);
    }
    return [r.what, fmt.int(r.result.rps), fmt.ms(r.result.p50), fmt.ms(r.result.p99), fmt.ms(r.result.max), fmt.int(r.result.requests), r.result.bad, r.baseline ? "1.00" : fmt.ratio(ratio), page && !r.baseline ? fmt.ratio(r.result.rps / page.rps) : "", verdict];
  });
  const markdown = [
    `The production build (\`next build\` into \`${DIST_DIR}\`${Number.isNaN(buildMs) ? ", reused" : `, ${fmt.s(buildMs)} s`}) served by \`scripts/serve.ts\` on PostgreSQL (the worker loop and outbox sender running in it, as in production), loaded by autocannon from the same machine with ${o.connections} connections for ${o.httpSeconds} s each after a 2 s warm-up (the two argon2-bound runs: ${Math.max(o.httpSeconds * 2, 8)} s, no warm-up). The **baseline** is \`GET /api/health\`, the cheapest route of the same server (through the same proxy, CSP and headers, no database). Every response's status is checked (a server action must answer with its redirect); "failed" counts the others. The change action is measured twice: a resubmission of the same form (session check, idempotency lookup, redirect and the completion page's payload — what every change costs besides argon2) and a new change each time (another of the customer's lines: argon2 check of the current password and argon2 hash of the new one, sealing, one transaction with the audit row and email). The sign-in step (ID and password → code emailed) computes argon2 twice too (the password check and the code's hash); each request comes from another address and account, as the per-address limit would otherwise stop it.`,
    "",
    mdTable(head, table, ["l", "r", "r", "r", "r", "r", "r", "r", "r", "l"]),
    "",
    pageFloor(rows),
    "",
    `argon2id on this machine: ${fmt.int(argon2)} computations/s with 4 threads (OWASP's minimum: 19 MiB, 2 passes), so at most ${fmt.int(argon2 / 2)} fresh changes or sign-ins per second. That bound is by design: argon2's cost is what makes a stolen hash expensive to guess, and a customer changes a password or signs in a few times a year.`,
  ].join("\n");
  return { id: "http", title: "HTTP", runtimeMs, markdown, console: `${textTable(head, table)}\nargon2id: ${fmt.int(argon2)}/s`, met, missed };
}

/** The signed-in menu against the trivial page: how much of a page's cost is this application's own work. */
function pageFloor(rows: HttpRow[]): string {
  const page = rows.find((r) => r.what.startsWith("GET /no-such-page"))?.result;
  const menu = rows.find((r) => r.what.startsWith("GET /menu"))?.result;
  if (!page || !menu) return "";
  return `The signed-in menu serves ${fmt.ratio(menu.rps / page.rps)} times the requests per second of the trivial page (the 404 page: the same root layout, no session, no database): the session check, its two queries and the menu's own rendering cost ${fmt.int(Math.max(0, (1 - menu.rps / page.rps) * 100))} % of a page; the rest is what Next.js spends on any page.`;
}
