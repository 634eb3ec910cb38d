// Every screen, in Japanese and English: zero axe violations (WCAG 2.2 AA tags), error states
// included; no Japanese left on English screens but the data; every control at least 24 × 24 CSS px
// and primary buttons 44 px on a phone (measured boxes, WCAG 2.2 2.5.8); nothing wider than a 360 px
// phone; and a screenshot of each screen at desktop and 390 px phone width under screenshots/
// (ignored by git). The README's screenshots (docs/screenshots/) are copied from them.
import { copyFileSync, mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { createStaff, expect, mailsFor, readCode, signInStaff, test } from "./fixtures";

const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]/;
// A message given too few arguments: the precompiled catalogues print "undefined" for a missing one
// (docs/decisions/012-zod-mini-and-precompiled-messages.md); an unformatted one leaves its braces.
const UNFORMATTED = /undefined|\{\w+\}/;
mkdirSync("screenshots", { recursive: true });

/**
 * Whether this browser draws Japanese with a real font: without one, every kanji is the same empty
 * box ("tofu") and a screenshot of a Japanese screen is unreadable. Two different kanji drawn in
 * the page's own font must differ.
 */
async function drawsJapanese(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const draw = (ch: string) => {
      const canvas = document.createElement("canvas");
      canvas.width = canvas.height = 40;
      const ctx = canvas.getContext("2d")!;
      ctx.font = `32px ${getComputedStyle(document.body).fontFamily}`;
      ctx.fillText(ch, 2, 34);
      return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(",");
    };
    return draw("日") !== draw("本") && draw("本") !== draw("語");
  });
}

/** Console errors, uncaught page errors and error responses (a missing icon, say) seen by a page so far. */
const problems = new WeakMap<Page, string[]>();
function watch(page: Page) {
  const seen: string[] = [];
  problems.set(page, seen);
  page.on("console", (m) => {
    if (m.type() === "error") seen.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.push(`page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) seen.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
}

/** The screenshots the README shows, regenerated on every run (docs/screenshots/, committed). */
const README_SHOTS = new Set(["ja-top-desktop", "ja-password-phone", "en-complete-phone", "ja-history-phone", "ja-verify-errors-phone", "ja-not-found-phone"]);

/**
 * Every visible control whose box is under 24 × 24 CSS px (WCAG 2.2, 2.5.8), or, on a phone, a
 * primary button under 44 px high. A link inside a sentence is exempt, as 2.5.8 says ("inline").
 */
async function smallTargets(page: Page, phone: boolean): Promise<string[]> {
  return page.evaluate((phone) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>("a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"))) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === "hidden" || r.right <= 0 || r.bottom <= 0) continue; // not shown (the skip link sits off screen until focused)
      if (el.tagName === "A" && style.display === "inline") {
        const block = el.parentElement?.closest("p, li, dd, td, th, span, div");
        if (block && (block.textContent ?? "").trim().length > (el.textContent ?? "").trim().length) continue;
      }
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} "${(el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 30)}"`;
      const minHeight = phone && el.matches(".btn-primary") ? 44 : 24;
      if (r.width < 24 || r.height < minHeight) out.push(`${name} ${r.width.toFixed(1)}×${r.height.toFixed(1)} (at least 24×${minHeight})`);
    }
    return out;
  }, phone);
}

async function check(page: Page, locale: "ja" | "en", name: string) {
  await page.waitForLoadState("networkidle");
  expect(problems.get(page)?.splice(0) ?? [], `errors in the browser up to the ${locale} ${name} screen`).toEqual([]);
  const visible = await page.locator("body").innerText();
  expect(visible.match(UNFORMATTED)?.[0] ?? null, `a message missing an argument on the ${locale} ${name} screen`).toBeNull();
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), `${locale} ${name}`).toEqual([]);
  if (locale === "en") {
    // The language switch names the other language in that language; everything else must be English.
    const text = await page.evaluate(() => {
      const clone = document.body.cloneNode(true) as HTMLElement;
      clone.querySelectorAll(".lang-switch, [data-data], script, style, template, noscript").forEach((n) => n.remove());
      return clone.innerText;
    });
    expect(text.match(JAPANESE)?.[0] ?? null, `Japanese left on the English ${name} screen`).toBeNull();
  }
  for (const [device, width, height] of [["desktop", 1280, 800], ["phone", 390, 844], ["narrow", 360, 740]] as const) {
    await page.setViewportSize({ width, height });
    if (device !== "narrow") {
      const file = `screenshots/${locale}-${name}-${device}.png`;
      await page.screenshot({ path: file, fullPage: true });
      if (README_SHOTS.has(`${locale}-${name}-${device}`)) copyFileSync(file, `docs/screenshots/${name}-${locale}-${device}.png`);
    }
    expect(await smallTargets(page, device !== "desktop"), `targets too small on the ${locale} ${name} screen at ${width} px`).toEqual([]);
    if (device !== "desktop") {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name} is wider than a ${width} px phone`).toBeLessThanOrEqual(0);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

/**
 * The history on a 360 px phone: each change is a card that reads top to bottom — every cell on a
 * line of its own, labelled with its column's heading, in the table's order — and nothing is wider
 * than the screen.
 */
async function expectHistoryCards(page: Page) {
  await page.setViewportSize({ width: 360, height: 740 });
  const headings = await page.locator("table.history thead th").allInnerTexts();
  expect(headings.length).toBe(6);
  const rows = page.getByTestId("history-row");
  expect(await rows.count()).toBeGreaterThan(0);
  for (const row of await rows.all()) {
    const cells = await row.locator("[data-label]").evaluateAll((els) =>
      els.map((el) => {
        const r = el.getBoundingClientRect();
        // Lines of the value (the label is drawn by ::before, outside the cell's text).
        const range = document.createRange();
        range.selectNodeContents(el);
        const half = parseFloat(getComputedStyle(el).lineHeight) / 2;
        const tops = Array.from(range.getClientRects(), (b) => b.top).sort((a, b) => a - b);
        const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1]! > half).length;
        return { label: getComputedStyle(el, "::before").content, top: r.top, bottom: r.bottom, width: r.width, lines };
      }),
    );
    expect(cells.map((c) => c.label)).toEqual(headings.map((h) => JSON.stringify(h.trim())));
    for (let i = 1; i < cells.length; i++) expect(cells[i]!.top, "cells stacked top to bottom").toBeGreaterThanOrEqual(cells[i - 1]!.bottom - 1);
    for (const c of cells) expect(c.width, "each cell as wide as the card").toBeGreaterThan(280);
    // 受付 (a date and time) fits on one line of the card; no value wraps a character per line.
    expect(cells[2]!.lines, "受付日時 on one line").toBe(1);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, "history wider than 360 px").toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 800 });
}

for (const locale of ["ja", "en"] as const) {
  test(`every customer screen is accessible and translated (${locale})`, async ({ page, context, baseURL, customer }) => {
    watch(page);
    test.setTimeout(180_000);
    await context.addCookies([{ name: "locale", value: locale, url: baseURL! }]);
    const t = (ja: string, en: string) => (locale === "ja" ? ja : en);

    await page.goto("/");
    expect(await drawsJapanese(page), "this machine has no Japanese font, so the screenshots would show empty boxes: install one (Debian: apt-get install fonts-noto-cjk)").toBe(true);
    await check(page, locale, "top");
    await page.goto("/guide");
    await check(page, locale, "guide");

    await page.goto("/login");
    await check(page, locale, "login");
    await page.getByRole("button", { name: t("送信", "Send"), exact: true }).click();
    await expect(page.locator("#selfcareId-error")).toBeVisible();
    await expect(page.locator("#selfcareId")).toBeFocused();
    await check(page, locale, "login-errors");

    await page.getByLabel(t("セルフケアID", "Self-care ID")).fill(customer.selfcareId);
    await page.getByLabel(t("セルフケアパスワード", "Self-care password"), { exact: true }).fill(customer.password);
    await page.getByRole("button", { name: t("送信", "Send"), exact: true }).click();
    await expect(page.locator("#code")).toBeVisible();
    await check(page, locale, "verify");
    await page.locator("#code").fill("12");
    await page.getByRole("button", { name: t("送信", "Send"), exact: true }).click();
    await expect(page.locator("#code-error")).toBeVisible();
    await check(page, locale, "verify-errors");
    const code = await readCode(customer.email);
    await page.locator("#code").fill(code);
    await page.getByRole("button", { name: t("送信", "Send"), exact: true }).click();
    await expect(page).toHaveURL(/\/menu/);
    await check(page, locale, "menu");

    await page.goto("/password");
    await check(page, locale, "password");
    await page.getByRole("button", { name: t("更新", "Update") }).click();
    await expect(page.locator("#number-error")).toBeVisible();
    await expect(page.locator("#number")).toBeFocused();
    await check(page, locale, "password-errors");

    const line = customer.lines[0]!;
    await page.locator("#number").fill(line.number);
    await expect(page.getByTestId("reflection-preview")).not.toBeEmpty();
    await page.locator("#currentPassword").fill(line.password);
    await page.getByRole("button", { name: t("パスワードを自動生成", "Generate a password") }).click();
    const generated = (await page.locator("#newPassword").inputValue()).trim();
    expect(generated).toMatch(/^[a-z0-9]{8}$/);
    await expect(page.locator("#confirmPassword")).toHaveValue(generated);
    await expect(page.getByTestId("generated-password")).toContainText(generated);
    await check(page, locale, "password-filled");
    await page.getByRole("button", { name: t("更新", "Update") }).click();
    await expect(page.getByTestId("reflection-time")).toBeVisible();
    await check(page, locale, "complete");
    await page.goto("/history");
    await check(page, locale, "history");
    await expectHistoryCards(page);

    // A change that is not the customer's, an unknown address, a page that fails: the portal's own pages.
    const notFound = await page.goto(`/password/complete?id=${crypto.randomUUID()}`);
    expect(notFound?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("ページが見つかりません", "Page not found"));
    problems.get(page)?.splice(0); // the 404 itself
    await check(page, locale, "not-found");
    expect((await page.goto("/no-such-page"))?.status()).toBe(404);
    await expect(page.getByRole("link", { name: t("メニューへ", "To the menu") })).toBeVisible();
    expect((await page.goto("/dev/error"))?.status()).toBe(500);
    await expect(page.getByTestId("error-page")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(t("エラーが発生しました", "An error occurred"));
    problems.get(page)?.splice(0); // the 500 and the browser's report of it
    await check(page, locale, "error");
    await page.getByRole("link", { name: t("お客様サポート（トップ）へ", "To Customer Support (top)") }).click();
    await expect(page).toHaveURL(/\/$/);
    // The emails of this visit (the code, the change accepted), written by the server with the same catalogues.
    const mails = await mailsFor(customer.email);
    expect(mails.length).toBeGreaterThanOrEqual(2);
    for (const m of mails) expect(`${m.subject}\n${m.text}`.match(UNFORMATTED)?.[0] ?? null, `a message missing an argument in "${m.subject}"`).toBeNull();
  });

  test(`staff screens are accessible and translated (${locale})`, async ({ page, context, baseURL, customer }) => {
    watch(page);
    test.setTimeout(120_000);
    await context.addCookies([{ name: "locale", value: locale, url: baseURL! }]);
    const t = (ja: string, en: string) => (locale === "ja" ? ja : en);
    await page.goto("/staff/login");
    await expect(page.getByTestId("staff-header")).toContainText(t("サポートコンソール", "Support Console"));
    await expect(page.getByText(t("セルフケアパスワード", "Self-care password"))).toHaveCount(0);
    await page.getByRole("button", { name: t("送信", "Send"), exact: true }).click();
    await expect(page.locator("#password-error")).toHaveText(t("担当者パスワードを入力してください。", "Please enter your staff password."));
    await check(page, locale, "staff-login-errors");
    await page.goto("/staff/login");
    await check(page, locale, "staff-login");
    const staff = await createStaff(baseURL!);
    if (locale === "ja") await signInStaff(page, staff);
    else {
      await page.getByLabel("Staff ID").fill(staff.loginId);
      await page.getByLabel("Staff password", { exact: true }).fill(staff.password);
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await page.locator("#code").fill(await readCode(staff.email));
      await page.getByRole("button", { name: "Send", exact: true }).click();
      await expect(page).toHaveURL(/\/staff$/);
    }
    await page.goto(`/staff?q=${customer.selfcareId}`);
    await expect(page.getByTestId("staff-header")).toContainText(t("サポートコンソール", "Support Console"));
    await expect(page.getByTestId("customer-header")).toHaveCount(0);
    await check(page, locale, "staff-search");
    await page.getByTestId("search-result").getByRole("link").first().click();
    await expect(page.getByTestId("account-state")).toBeVisible();
    await check(page, locale, "staff-customer");
    await page.goto("/dev/clock");
    await check(page, locale, "clock");
  });
}

test("the whole sign-in works with the keyboard alone", async ({ page, customer }) => {
  await page.goto("/login");
  await page.locator("#selfcareId").focus();
  await page.keyboard.type(customer.selfcareId);
  await page.keyboard.press("Tab");
  await page.keyboard.type(customer.password);
  await page.keyboard.press("Enter");
  await expect(page.locator("#code")).toBeVisible();
  await page.locator("#code").focus();
  await page.keyboard.type(await readCode(customer.email));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/menu/);
});

test("switching the language is remembered, and the customer's emails follow it", async ({ page, customer }) => {
  await page.goto("/");
  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(page.getByRole("link", { name: "Log in >" })).toBeVisible();
  await page.goto("/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Self-Care Login");
  await page.getByLabel("Self-care ID").fill(customer.selfcareId);
  await page.getByLabel("Self-care password", { exact: true }).fill(customer.password);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const code = await readCode(customer.email);
  const mail = (await mailsFor(customer.email)).at(-1)!;
  expect(mail.subject).not.toMatch(JAPANESE);
  expect(mail.text).toContain("(JST)");
  await page.locator("#code").fill(code);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/menu/);
  // Back to Japanese: the pages and the next email are Japanese again.
  await page.getByRole("button", { name: "日本語に切り替える" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("メニュー");
});

test("switching the language keeps what was typed, and asks first when a password would be lost", async ({ page }) => {
  await page.goto("/login");
  await page.locator("#selfcareId").fill("demo0001");
  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Self-Care Login");
  await expect(page.locator("#selfcareId")).toHaveValue("demo0001");

  // A typed password is never stored: the switch asks first; "no" leaves the page as it was.
  await page.locator("#password").fill("secret-pass");
  const dialogs: string[] = [];
  page.once("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.getByRole("button", { name: "日本語に切り替える" }).click();
  await expect.poll(() => dialogs.length).toBe(1);
  expect(dialogs[0]).toContain("Passwords and codes you have typed will be cleared");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Self-Care Login");
  await expect(page.locator("#password")).toHaveValue("secret-pass");
  // "Yes": switched, the ID kept, the password gone.
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "日本語に切り替える" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("セルフケアログイン");
  await expect(page.locator("#selfcareId")).toHaveValue("demo0001");
  await expect(page.locator("#password")).toHaveValue("");
});
