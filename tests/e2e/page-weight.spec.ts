import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext } from "@playwright/test";
import { PAGE_WEIGHT_BUDGET_KB } from "../../scripts/bench/page-weight";
import { expect, randomClientAddress, readCode, submitLogin, test } from "./fixtures";

// First Load JS per customer route, as `npm run bench` measures it (docs/benchmarks.md): every
// script a browser with an empty cache loads from /_next/static/, gzipped at level 9, against the
// budgets in scripts/bench/page-weight.ts — a guard against growth, not issue 7's 130 kB, which
// Next.js and React alone exceed.
type State = Awaited<ReturnType<BrowserContext["storageState"]>>;

async function weigh(browser: Browser, baseURL: string, path: string, storageState?: State): Promise<{ kb: number; url: string }> {
  const context = await browser.newContext({ baseURL, storageState, locale: "ja-JP", timezoneId: "Asia/Tokyo", extraHTTPHeaders: { "x-forwarded-for": randomClientAddress() } });
  const page = await context.newPage();
  const sizes: Promise<number>[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "script" && new URL(r.url()).pathname.startsWith("/_next/static/")) sizes.push(r.body().then((b) => gzipSync(b, { level: 9 }).length));
  });
  await page.goto(path, { waitUntil: "networkidle" });
  const url = new URL(page.url()).pathname;
  const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
  await context.close();
  return { kb: bytes / 1000, url };
}

test("every customer route stays within its First Load JS budget (gzip)", async ({ browser, page, context, customer, baseURL }) => {
  test.setTimeout(120_000);
  const weights: Record<string, number> = {};
  const check = async (path: string, state?: State) => {
    const { kb, url } = await weigh(browser, baseURL!, path, state);
    expect(url, `${path} was shown, not redirected`).toBe(path);
    weights[path] = Math.round(kb * 10) / 10;
  };
  for (const path of ["/", "/login", "/guide"]) await check(path);

  await submitLogin(page, customer.selfcareId, customer.password);
  await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
  await check("/login/verify", await context.storageState());
  await page.getByLabel("認証コード").fill(await readCode(customer.email));
  await page.getByRole("button", { name: "送信", exact: true }).click();
  await expect(page).toHaveURL(/\/menu/);
  const signedIn = await context.storageState();
  // /password/complete loads what /menu does (no client component of its own); it needs a change to show.
  for (const path of ["/menu", "/password", "/history"]) await check(path, signedIn);

  test.info().annotations.push({ type: "First Load JS (gzip kB)", description: JSON.stringify(weights) });
  for (const [path, kb] of Object.entries(weights)) expect(kb, `${path}: ${kb} kB > budget ${PAGE_WEIGHT_BUDGET_KB[path]} kB`).toBeLessThanOrEqual(PAGE_WEIGHT_BUDGET_KB[path]!);
});
