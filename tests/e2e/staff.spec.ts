import { createHash } from "node:crypto";
import { createStaff, expect, setBrowserClock, signIn, signInStaff, submitLogin, test } from "./fixtures";
import { MenuPage, PasswordChangePage, StaffConsole } from "./pages";

test.describe("support console", () => {
  test("finds a customer's pending B2BUA change and its 17:30 time in three clicks @smoke", async ({ page, context, baseURL, customer, staffPage }) => {
    // The customer changes the B2BUA line at 14:00 Japan time.
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await signIn(page, customer);
    await new MenuPage(page).openInputScreen();
    const form = new PasswordChangePage(page);
    const line = customer.lines.find((l) => l.service === "B2BUA")!;
    await form.fill({ number: line.number, current: line.password, next: "t6y2u8i4" });
    await form.update();
    await expect(page.getByText("IP加入電話パスワードの変更が完了しました。")).toBeVisible();

    // Support: search (1), open the customer (2), read the line's state.
    const support = new StaffConsole(staffPage);
    await support.search(customer.selfcareId);
    await support.openResult(customer.selfcareId);
    await expect(support.registrarState(line.number)).toHaveText("旧パスワード有効 ／ 反映待ち（2026年11月25日 17:30予定）");
    await expect(support.line(line.number).getByTestId("staff-change").first()).toContainText("反映待ち");
    await expect(staffPage.getByTestId("audit-row").filter({ hasText: "変更受付" })).toHaveCount(1);
    await expect(staffPage.getByTestId("email-row").filter({ hasText: "変更を受け付けました" })).toHaveCount(1);

    // Search by a fragment of the phone number and by the email finds the same customer.
    await support.search(line.number.slice(5, 10));
    await expect(staffPage.getByTestId("search-result").filter({ hasText: customer.selfcareId })).toHaveCount(1);
    await support.search(customer.email.toUpperCase());
    await expect(staffPage.getByTestId("search-result").filter({ hasText: customer.selfcareId })).toHaveCount(1);

    // No secret reaches the staff page: no password, hash, HA1 or sealed credential.
    await support.openResult(customer.selfcareId);
    const html = await staffPage.content();
    for (const secret of [line.password, "t6y2u8i4", customer.password, "$argon2", '"v1.']) expect(html).not.toContain(secret);
    const ha1 = (pw: string) => createHash("md5").update(`${line.number}:sip.example.jp:${pw}`).digest("hex");
    expect(html).not.toContain(ha1("t6y2u8i4"));
    expect(html).not.toContain(ha1(line.password));
  });

  test("unlocks a locked customer, with a reason, audited", async ({ page, customer, staffPage }) => {
    for (let i = 0; i < 5; i++) await submitLogin(page, customer.selfcareId, `wrong-${i}`);
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.locator(".form-error")).toHaveText("セルフケアIDまたはセルフケアパスワードが正しくありません。");

    const support = new StaffConsole(staffPage);
    await support.search(customer.selfcareId);
    await support.openResult(customer.selfcareId);
    await expect(staffPage.getByTestId("account-state")).toContainText("ロック中");
    // The reason is required.
    await staffPage.getByRole("button", { name: "ロック解除" }).click();
    await staffPage.getByRole("button", { name: "実行" }).click();
    await expect(staffPage.getByText("理由を5文字以上で入力してください。")).toBeVisible();
    await expect(staffPage.getByText("実行する場合は、確認のチェックを入れてください。")).toBeVisible();
    await staffPage.getByLabel("理由（記録に残ります）").fill("本人確認済み、電話での依頼");
    await staffPage.getByLabel("内容を確認しました").check();
    await staffPage.getByRole("button", { name: "実行" }).click();
    await expect(staffPage.getByText("実行しました。")).toBeVisible();
    await staffPage.reload();
    await expect(staffPage.getByTestId("account-state")).toContainText("ロックなし");
    await expect(staffPage.getByTestId("audit-row").filter({ hasText: "担当者によるロック解除" })).toContainText("本人確認済み");

    await signIn(page, customer);
  });

  // Issue 14, item 6: anyone can lock a staff account with five wrong passwords; another staff member recovers it.
  test("another staff member unlocks a locked staff account from the console", async ({ page, baseURL, staffPage }) => {
    const victim = await createStaff(baseURL!);
    try {
      for (let i = 0; i < 5; i++) {
        await page.goto("/staff/login");
        await page.getByLabel("担当者ID").fill(victim.loginId);
        await page.getByLabel("担当者パスワード").fill(`wrong-${i}`);
        await page.getByRole("button", { name: "送信", exact: true }).click();
        await expect(page.locator(".form-error")).toBeVisible();
      }
      await staffPage.goto("/staff");
      const row = staffPage.getByTestId("locked-staff").filter({ hasText: victim.loginId });
      await expect(row).toContainText("1回目のロック");
      await row.getByRole("button", { name: "担当者アカウントのロック解除" }).click();
      await row.getByLabel("理由（記録に残ります）").fill("本人から電話があり本人確認済み");
      await row.getByLabel("内容を確認しました").check();
      await row.getByRole("button", { name: "実行" }).click();
      // Done: the page is revalidated and the account is no longer listed as locked.
      await expect(staffPage.getByTestId("locked-staff").filter({ hasText: victim.loginId })).toHaveCount(0);
      await staffPage.reload();
      await expect(staffPage.getByTestId("locked-staff").filter({ hasText: victim.loginId })).toHaveCount(0);
      await signInStaff(page, victim);
    } finally {
      await fetch(new URL(`/api/test/staff?loginId=${victim.loginId}`, baseURL!), { method: "DELETE", headers: { "x-test-token": "e2e-test-token" } });
    }
  });

  test("a staff session opens no customer page and a customer session no staff page", async ({ page, customer, staffPage }) => {
    await staffPage.goto("/menu");
    await expect(staffPage).toHaveURL(/\/login\?next=%2Fmenu/);
    await staffPage.goto("/password");
    await expect(staffPage).toHaveURL(/\/login\?next=%2Fpassword/);

    await signIn(page, customer);
    await page.goto("/staff");
    await expect(page).toHaveURL(/\/staff\/login\?next=%2Fstaff/);
    // A customer's credentials do not sign in to the staff console.
    await page.goto("/staff/login");
    // The staff login speaks of 担当者ID / 担当者パスワード, never of the customer's self-care words.
    await expect(page.getByTestId("staff-header")).toContainText("サポートコンソール");
    await expect(page.getByText("セルフケアパスワード")).toHaveCount(0);
    await page.getByLabel("担当者ID").fill(customer.selfcareId);
    await page.getByLabel("担当者パスワード").fill(customer.password);
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page.locator(".form-error")).toHaveText("担当者IDまたは担当者パスワードが正しくありません。");
  });

  test("the simulated clock: set for one browser, announced on every screen, nobody else's changes", async ({ page, browser, baseURL }) => {
    await page.goto("/dev/clock");
    await page.getByLabel("日付（日本時間）").fill("2026-12-31");
    await page.getByLabel("時刻（日本時間）").fill("23:59");
    await page.getByRole("button", { name: "この時刻にする" }).click();
    await expect(page.getByTestId("browser-time")).toContainText("2026年12月31日 23:59");
    await page.goto("/");
    await expect(page.getByTestId("simulated-clock")).toContainText("シミュレーション時刻で表示中: 2026年12月31日 23:59");
    const other = await browser.newContext({ baseURL });
    const otherPage = await other.newPage();
    await otherPage.goto("/");
    await expect(otherPage.getByTestId("simulated-clock")).toHaveCount(0);
    await other.close();
    await page.goto("/dev/clock");
    await page.getByRole("button", { name: "実際の時刻に戻す" }).click();
    await expect(page.getByTestId("browser-time")).not.toContainText("2026年12月31日 23:59");
    await page.goto("/");
    await expect(page.getByTestId("simulated-clock")).toHaveCount(0);
  });
});
