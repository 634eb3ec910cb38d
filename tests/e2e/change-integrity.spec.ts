// What the change flow promises is true (issue 13), in Chromium: no completion for a password that
// was never stored (Back), no reflection time the customer was not shown (a form open across a
// batch boundary), and a waiting change can be cancelled from every screen that shows it.
import type { Page } from "@playwright/test";
import { expect, setBrowserClock, signIn, test, waitForMail, type TestCustomer } from "./fixtures";
import { PasswordChangePage, StaffConsole } from "./pages";

const b2bua = (c: TestCustomer) => c.lines.find((l) => l.service === "B2BUA")!;
const completed = (page: Page) => page.getByText("IP加入電話パスワードの変更が完了しました。");

async function openInputScreen(page: Page) {
  await page.goto("/password");
  await expect(page.getByRole("heading", { name: "IP加入電話パスワード変更", level: 1 })).toBeVisible();
}

async function historyRows(page: Page) {
  await page.goto("/history");
  return page.getByTestId("history-row");
}

test.describe("change integrity", () => {
  test("Back after a completed change, another password: never the first change's completion; the second is stored as its own change", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = b2bua(customer);
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "k7m2p9q4" });
    await form.update();
    await expect(completed(page)).toBeVisible();
    const first = page.url();

    await page.goBack();
    await expect(page.getByRole("heading", { name: "IP加入電話パスワード変更", level: 1 })).toBeVisible();
    await form.fill({ number: line.number, current: "k7m2p9q4", next: "m3n8b5v2" });
    await form.update();
    const refused = page.getByTestId("form-already-used");
    await expect(completed(page).or(refused)).toBeVisible();
    // The restored screen carried the first form's key: it is refused, with a link to what was
    // accepted, and 更新 again makes a change of its own. (A freshly rendered screen goes straight on.)
    if (await refused.isVisible()) {
      expect(page.url()).not.toBe(first);
      await expect(page.locator("#main .form-error")).toContainText("すでに2026年11月25日 14:00（日本時間）にIP加入電話パスワードの変更を受け付けています");
      await expect(refused.getByRole("link", { name: "受け付けた変更の内容を見る" })).toHaveAttribute("href", new URL(first).pathname + new URL(first).search);
      await form.update();
      await expect(completed(page)).toBeVisible();
    }
    expect(page.url()).not.toBe(first);
    expect(page.url()).toMatch(/\/password\/complete\?id=[0-9a-f-]{36}$/);

    const rows = await historyRows(page);
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toContainText("反映待ち");
    await expect(rows.nth(1)).toContainText("置き換え済み");
    // The second password is the current one now: a change with it as current is accepted.
    await openInputScreen(page);
    await form.fill({ number: line.number, current: "m3n8b5v2", next: "q2w9e4r7" });
    await form.update();
    await expect(completed(page)).toBeVisible();
  });

  test("the preview follows the clock across 17:00: 本日17:30 becomes 本日18:30 while the screen is open, and the change gets 18:30", async ({ page, context, customer, baseURL }) => {
    // Signing in takes a few seconds of the twenty before 17:00.
    await setBrowserClock(context, baseURL!, "2026-11-25T16:59:40+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = b2bua(customer);
    await page.getByLabel("IP加入電話番号", { exact: true }).fill(line.number);
    const preview = page.getByTestId("reflection-preview");
    await expect(preview).toContainText("本日17:30（日本時間）に弊社システムへ反映されます。");
    // Nothing is typed or reloaded: the screen asks again when its answer stops being true.
    await expect(preview).toContainText("本日18:30（日本時間）に弊社システムへ反映されます。", { timeout: 25_000 });
    await expect(preview).toContainText("時刻が変わったため、反映予定を更新しました。");
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "h5j8k2l6" });
    await form.update();
    await expect(page.getByTestId("reflection-time")).toHaveText("2026年11月25日 18:30（日本時間）");
  });

  test("a time shown before 17:00 and sent after it is not committed: the new time is shown and 更新 again accepts it", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T16:58:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = b2bua(customer);
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "p4o7i2u9" });
    await expect(form.preview()).toContainText("本日17:30");
    // The screen stays open while 17:00 passes (this browser's clock jumps; the screen's own timer
    // still waits for 17:00, so only the server can notice).
    await setBrowserClock(context, baseURL!, "2026-11-25T17:00:05+09:00");
    await form.update();
    await expect(page.locator("#main .form-error")).toContainText("反映予定が変わりました。いま変更すると、弊社システムへの反映は2026年11月25日 18:30（日本時間）になります");
    await expect(form.preview()).toContainText("本日18:30");
    await expect(completed(page)).toHaveCount(0);
    await form.update();
    await expect(page.getByTestId("reflection-time")).toHaveText("2026年11月25日 18:30（日本時間）");
    const rows = await historyRows(page);
    await expect(rows).toHaveCount(1);
  });

  test("cancel from the input screen: the line keeps the registrar's password, the email says so, support sees it", async ({ page, context, customer, baseURL, staffPage }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = b2bua(customer);
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "c4n5e6l7" });
    await form.update();
    await expect(completed(page)).toBeVisible();

    await openInputScreen(page);
    const pending = page.getByTestId("pending-change").filter({ hasText: line.number });
    await expect(pending).toContainText("2026年11月25日 14:00（日本時間）に受け付けた変更が反映待ちです（反映予定 2026年11月25日 17:30（日本時間））");
    await expect(pending).toContainText("「現IP加入電話パスワード」には、その変更で設定した新しいパスワードを入力してください");
    // The password the phone still uses is not "current" now, and the message says why.
    await form.fill({ number: line.number, current: line.password, next: "z8x7c6v5" });
    await form.update();
    await expect(form.fieldError("currentPassword")).toContainText("2026年11月25日 14:00（日本時間）に受け付けた反映待ちの変更があるため");

    await pending.getByRole("link", { name: "この変更を取り消す" }).click();
    await expect(page.getByRole("heading", { name: "IP加入電話パスワード変更の取消" })).toBeVisible();
    await page.getByRole("button", { name: "取り消す" }).click();
    await expect(page.getByTestId("cancel-done")).toContainText(`${line.number} のパスワード変更（2026年11月25日 14:00 受付）を取り消しました。`);
    await expect(page.getByTestId("history-row").first()).toContainText("取消済み");
    await expect(page.getByTestId("history-cancel")).toHaveCount(0);
    const mail = await waitForMail(customer.email, "変更を取り消しました");
    expect(mail.text).toContain(line.number);

    // The old password is the current one again.
    await openInputScreen(page);
    await expect(page.getByTestId("pending-changes")).toHaveCount(0);
    await form.fill({ number: line.number, current: line.password, next: "a9s8d7f6" });
    await form.update();
    await expect(completed(page)).toBeVisible();

    const support = new StaffConsole(staffPage);
    await support.search(customer.selfcareId);
    await support.openResult(customer.selfcareId);
    await expect(support.line(line.number).getByTestId("staff-change").filter({ hasText: "取消済み" })).toHaveCount(1);
    await expect(staffPage.getByTestId("audit-row").filter({ hasText: "変更の取消" })).toHaveCount(1);
  });

  test("the completion screen: when and how to set the adapter, its settings without the password, and cancel; the history offers cancel too", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await openInputScreen(page);
    const line = b2bua(customer);
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "g3h6j9k2" });
    await form.update();
    await expect(page.getByText("IP電話対応機器の変更を実施願います。")).toBeVisible();
    await expect(page.getByTestId("device-when")).toContainText("反映時刻の17:30（日本時間）になったら新しいパスワードに変更してください");
    const settings = page.getByTestId("adapter-settings");
    await expect(settings).toContainText(line.number);
    await expect(settings).toContainText("sip.example.jp");
    expect(await page.content()).not.toContain("g3h6j9k2");
    const mail = await waitForMail(customer.email, "変更を受け付けました");
    expect(mail.text).toContain("反映時刻の 2026年11月25日 17:30（日本時間）になったら");
    expect(mail.text).toContain(`SIPユーザー名（認証ID）: ${line.number}`);
    expect(mail.text).toContain("/guide/adapter");
    expect(mail.text).not.toContain("g3h6j9k2");

    await page.getByRole("link", { name: "IP電話対応機器の設定方法" }).click();
    await expect(page.getByTestId("adapter-steps")).toContainText("SIPドメイン（レルム・サーバー）= sip.example.jp");
    await page.goBack();

    // Cancel from the completion screen…
    const completion = page.url();
    await page.getByTestId("cancel-link").click();
    await page.getByRole("button", { name: "取り消す" }).click();
    await expect(page.getByTestId("cancel-done")).toBeVisible();
    // …after which its completion screen says it was cancelled: no "完了", no adapter instruction.
    await page.goto(completion);
    await expect(page.getByTestId("change-not-in-effect")).toContainText("取り消しました");
    await expect(completed(page)).toHaveCount(0);
    await expect(page.getByTestId("device-when")).toHaveCount(0);
    await expect(page.getByTestId("cancel-link")).toHaveCount(0);
    // …and a second change, cancelled from the history.
    await openInputScreen(page);
    await form.fill({ number: line.number, current: line.password, next: "t5r4e3w2" });
    await form.update();
    await expect(completed(page)).toBeVisible();
    const rows = await historyRows(page);
    await rows.first().getByTestId("history-cancel").click();
    await page.getByRole("button", { name: "取り消す" }).click();
    await expect(page.getByTestId("cancel-done")).toBeVisible();
    await expect(page.getByTestId("history-row").filter({ hasText: "取消済み" })).toHaveCount(2);
  });

  test("an IP_PHONE completion says to change the adapter now; once reflected, cancel answers that it is too late", async ({ page, customer }) => {
    await signIn(page, customer);
    await openInputScreen(page);
    const line = customer.lines.find((l) => l.service === "IP_PHONE")!;
    const form = new PasswordChangePage(page);
    await form.fill({ number: line.number, current: line.password, next: "n7m4b1v8" });
    await form.update();
    await expect(page.getByTestId("device-when")).toContainText("いますぐ新しいパスワードに変更してください");
    const url = new URL(page.url());
    const id = url.searchParams.get("id")!;
    // The embedded worker reflects it within a second or two.
    await expect.poll(async () => (await historyRows(page)).first().innerText(), { timeout: 15_000 }).toContain("反映済み");
    await page.goto(`/password/cancel?id=${id}`);
    await expect(page.getByRole("button", { name: "取り消す" })).toHaveCount(0);
    await expect(page.getByText("この変更は取り消せる状態ではありません（状態: 反映済み）。")).toBeVisible();
  });
});
