import { createCustomer, deleteCustomer, expect, setBrowserClock, signIn, test, waitForMail, type TestCustomer } from "./fixtures";
import type { Page } from "@playwright/test";
import { PasswordChangePage } from "./pages";

async function openInputScreen(page: Page) {
  await page.goto("/menu");
  await expect(page.getByRole("heading", { name: "◆各種サービス設定・変更" })).toBeVisible();
  await page.getByRole("link", { name: "入力画面 ▶" }).click();
  await expect(page.getByRole("heading", { name: "IP加入電話パスワード変更", level: 1 })).toBeVisible();
}

async function fillChange(page: Page, v: { number: string; current: string; next: string; confirm?: string; preview?: boolean }) {
  await new PasswordChangePage(page).fill(v);
}

const byService = (c: TestCustomer, s: string) => c.lines.find((l) => l.service === s)!;

test.describe("IP phone password change", () => {
  test("B2BUA line changed at 14:00 Japan time: 17:30 on the preview, the completion screen and the email; history shows 反映待ち @smoke", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    await expect(page.getByText("IP加入電話パスワードを変更した場合、お客様のIP電話対応機器の設定変更が必要となります。", { exact: false })).toBeVisible();
    const line = byService(customer, "B2BUA");
    // Clicking one of the customer's own lines fills the number.
    await page.getByRole("button", { name: `${line.number}（B2BUAサービス）` }).click();
    await expect(page.getByLabel("IP加入電話番号", { exact: true })).toHaveValue(line.number);
    await expect(page.getByTestId("reflection-preview")).toContainText("本日17:30（日本時間）に弊社システムへ反映されます。それまで、この番号では発信・着信ができません。");

    await fillChange(page, { number: line.number, current: line.password, next: "k7m2p9q4" });
    await page.getByRole("button", { name: "更新" }).click();
    await expect(page.getByText("IP加入電話パスワードの変更が完了しました。")).toBeVisible();
    await expect(page.getByText("IP電話対応機器の変更を実施願います。")).toBeVisible();
    await expect(page.getByTestId("reflection-time")).toHaveText("2026年11月25日 17:30（日本時間）");
    await expect(page.getByTestId("outage-window")).toHaveText("2026年11月25日 14:00 ～ 2026年11月25日 17:30（日本時間）");

    const mail = await waitForMail(customer.email, "変更を受け付けました");
    expect(mail.text).toContain(`IP加入電話番号: ${line.number}`);
    expect(mail.text).toContain("弊社システムへの反映: 2026年11月25日 17:30");
    expect(mail.text).not.toContain("k7m2p9q4");

    await page.getByRole("link", { name: "メニューに戻る" }).click();
    await page.getByRole("link", { name: "履歴 ▶" }).click();
    const row = page.getByTestId("history-row").filter({ hasText: line.number });
    await expect(row).toContainText("反映待ち");
    await expect(row).toContainText("2026年11月25日 17:30");
  });

  test("IP_PHONE line: the 15-minute deadline, and 戻る leads to the reflection tables", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = byService(customer, "IP_PHONE");
    await page.getByLabel("IP加入電話番号", { exact: true }).fill(line.number);
    await expect(page.getByTestId("reflection-preview")).toContainText(/15分以内（14:1[56]まで、日本時間）/);
    await fillChange(page, { number: line.number, current: line.password, next: "r8t3w6y1" });
    await page.getByRole("button", { name: "更新" }).click();
    await expect(page.getByTestId("reflection-time")).toHaveText(/15分以内（2026年11月25日 14:1[56]まで、日本時間）/);
    const mail = await waitForMail(customer.email, "変更を受け付けました");
    expect(mail.text).toMatch(/2026年11月25日 14:1[56]まで（15分以内）/);
    await page.getByRole("link", { name: "戻る", exact: true }).click();
    await expect(page.getByTestId("b2bua-table")).toContainText("17:30");
  });

  test("bad input gets a message under its field and nothing is written", async ({ page, customer, baseURL }) => {
    const other = await createCustomer(baseURL!);
    try {
      await signIn(page, customer);
      await openInputScreen(page);
      const line = byService(customer, "IP_PHONE");

      // A full-width password: half-width lowercase letters and digits only.
      await fillChange(page, { number: line.number, current: line.password, next: "ａｂｃｄ１２３４" });
      await page.getByRole("button", { name: "更新" }).click();
      await expect(page.locator("#newPassword-error")).toHaveText(/半角英小文字・数字のみ/);
      await expect(page.getByLabel("新IP加入電話パスワード", { exact: true })).toHaveAttribute("aria-invalid", "true");

      // Mismatched confirmation.
      await fillChange(page, { number: line.number, current: line.password, next: "k7m2p9q4", confirm: "k7m2p9q5" });
      await page.getByRole("button", { name: "更新" }).click();
      await expect(page.locator("#confirmPassword-error")).toHaveText("新IP加入電話パスワードと新IP加入電話パスワード (確認用) が一致しません。");

      // Wrong current password (checked on the server, shown under its field).
      await fillChange(page, { number: line.number, current: "zzzz9999", next: "k7m2p9q4" });
      await page.getByRole("button", { name: "更新" }).click();
      // …with where to find it and how many tries remain before the line is stopped for 30 minutes.
      await expect(page.locator("#currentPassword-error")).toHaveText(
        "現IP加入電話パスワードが正しくありません。現IP加入電話パスワードは、「サービス開始のご案内」に記載のIP加入電話パスワードです（その後に変更した場合は、その変更で設定したパスワードです）。 あと4回誤ると、この番号のパスワード変更が30分間停止されます。",
      );

      // Another customer's number: the same "not found" as a number that does not exist.
      const theirs = other.lines[0]!;
      await fillChange(page, { number: theirs.number, current: theirs.password, next: "k7m2p9q4", preview: false });
      await expect(page.getByTestId("reflection-preview")).toBeEmpty();
      await page.getByRole("button", { name: "更新" }).click();
      await expect(page.locator("#number-error")).toHaveText("入力されたIP加入電話番号は、お客様のご契約に見つかりません。");

      // A malformed number gets the screen's own wording.
      await fillChange(page, { number: "0901234567", current: line.password, next: "k7m2p9q4", preview: false });
      await page.getByRole("button", { name: "更新" }).click();
      await expect(page.locator("#number-error")).toHaveText("IP加入電話番号 (例:05012345678) を入力してください。");

      await page.goto("/history");
      await expect(page.getByText("変更の履歴はありません。")).toBeVisible();
    } finally {
      await deleteCustomer(baseURL!, other.selfcareId);
    }
  });

  test("a pasted number with full-width digits and hyphens is accepted", async ({ page, customer }) => {
    await signIn(page, customer);
    await openInputScreen(page);
    const line = byService(customer, "B2BUA");
    const pasted = `０５０-${line.number.slice(3, 7)}-${line.number.slice(7)}`.replace(/\d/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
    await fillChange(page, { number: pasted, current: line.password, next: "h4j8n2v6" });
    await page.getByRole("button", { name: "更新" }).click();
    await expect(page.getByText("IP加入電話パスワードの変更が完了しました。")).toBeVisible();
    await expect(page.getByTestId("change-facts")).toContainText(line.number);
  });
});

test("an IP_PHONE change is reflected by the embedded worker within seconds (history shows 反映済み)", async ({ page, customer }) => {
  await signIn(page, customer);
  await openInputScreen(page);
  const line = byService(customer, "IP_PHONE");
  await fillChange(page, { number: line.number, current: line.password, next: "w5c9e3u7" });
  await page.getByRole("button", { name: "更新" }).click();
  await expect(page.getByText("IP加入電話パスワードの変更が完了しました。")).toBeVisible();
  const started = Date.now();
  await expect
    .poll(
      async () => {
        await page.goto("/history");
        return page.getByTestId("history-row").filter({ hasText: line.number }).first().innerText();
      },
      { timeout: 15_000, intervals: [500] },
    )
    .toContain("反映済み");
  expect(Date.now() - started).toBeLessThan(15_000);
  const mail = await waitForMail(customer.email, "反映が完了しました");
  expect(mail.text).toContain(line.number);
});
