import { createCustomer, deleteCustomer, expect, randomClientAddress, readCode, setBrowserClock, signIn, submitLogin, test, waitForMail } from "./fixtures";

const GENERIC = "セルフケアIDまたはセルフケアパスワードが正しくありません。";

test.describe("customer sign-in @smoke", () => {
  test("whole login with the code read from the email, then logout", async ({ page, customer }) => {
    await page.goto("/");
    await page.getByRole("link", { name: "ログイン >" }).click();
    await expect(page.getByRole("heading", { name: "セルフケアログイン" })).toBeVisible();
    await page.getByLabel("セルフケアID").fill(customer.selfcareId);
    await page.getByLabel("セルフケアパスワード").fill(customer.password);
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page.getByText(`${customer.email[0]}***@example.jp`)).toBeVisible();

    const mail = await waitForMail(customer.email, "認証コード");
    expect(mail.text).toMatch(/有効期限: \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}（日本時間）まで/);
    expect(mail.text).toContain("お心当たりのない場合");
    const code = /認証コード: (\d{6})/.exec(mail.text)![1]!;
    await page.getByLabel("認証コード").fill(code);
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page).toHaveURL(/\/menu$/);

    await page.getByRole("button", { name: "ログアウト" }).click();
    await expect(page).toHaveURL(/\/login\?loggedOut=1/);
    await page.goto("/menu");
    await expect(page).toHaveURL(/\/login\?next=%2Fmenu/);
  });
});

test.describe("customer sign-in failures", () => {
  test("wrong password gets the generic message and no code", async ({ page, customer }) => {
    await submitLogin(page, customer.selfcareId, "not-the-password");
    await expect(page.locator(".form-error")).toHaveText(GENERIC);
    await submitLogin(page, "no-such-id", "whatever");
    await expect(page.locator(".form-error")).toHaveText(GENERIC);
    await expect(page).toHaveURL(/\/login/);
  });

  test("five wrong passwords lock the account with the same message, and an email says so", async ({ page, customer }) => {
    for (let i = 0; i < 5; i++) {
      await submitLogin(page, customer.selfcareId, `wrong-${i}`);
      await expect(page.locator(".form-error")).toHaveText(GENERIC);
    }
    // The right password is now refused with the very same message.
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.locator(".form-error")).toHaveText(GENERIC);
    await expect(page.getByRole("heading", { name: "二段階認証" })).toHaveCount(0);
    const mail = await waitForMail(customer.email, "ロック");
    expect(mail.text).toMatch(/まで一時的にロックしました/);
  });

  test("an expired code is refused (browser clock moved 11 minutes on)", async ({ page, context, customer, baseURL }) => {
    await setBrowserClock(context, baseURL!, new Date());
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
    const code = await readCode(customer.email);
    await setBrowserClock(context, baseURL!, new Date(Date.now() + 11 * 60_000));
    await page.getByLabel("認証コード").fill(code);
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page.getByText("認証コードの有効期限が切れました")).toBeVisible();
    await page.goto("/menu");
    await expect(page).toHaveURL(/\/login/);
  });

  test("a used code cannot be used again", async ({ page, browser, customer }) => {
    const code = await signIn(page, customer);
    const other = await browser.newContext();
    const page2 = await other.newPage();
    await submitLogin(page2, customer.selfcareId, customer.password);
    await page2.getByLabel("認証コード").fill(code);
    await page2.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page2.getByText("認証コードが正しくありません。")).toBeVisible();
    await other.close();
  });

  test("password without the code reaches no protected page", async ({ page, customer }) => {
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
    await page.goto("/menu");
    await expect(page).toHaveURL(/\/login\?next=%2Fmenu/);
  });

  test("リセット clears the fields and their errors", async ({ page }) => {
    await page.goto("/login");
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page.getByText("セルフケアIDを入力してください。", { exact: true }).last()).toBeVisible();
    await page.getByLabel("セルフケアID").fill("someone");
    await page.getByLabel("セルフケアパスワード").fill("secret");
    await page.getByRole("button", { name: "リセット" }).click();
    await expect(page.getByLabel("セルフケアID")).toHaveValue("");
    await expect(page.getByLabel("セルフケアパスワード")).toHaveValue("");
    await expect(page.locator(".field-error")).toHaveCount(0);
  });
});

test.describe("the code screen when the email does not come", () => {
  test("focus on the code, a countdown until resend, attempts left from the 3rd try, a way back, the support desk", async ({ page, context, baseURL, customer }) => {
    await setBrowserClock(context, baseURL!, "2026-11-25T14:00:00+09:00");
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
    await expect(page.getByLabel("認証コード")).toBeFocused();
    // Resend is not allowed yet: the button waits, and the screen says for how long.
    const resend = page.getByRole("button", { name: "認証コードを再送信" });
    await expect(resend).toBeDisabled();
    await expect(page.getByTestId("resend-wait")).toHaveText(/あと(60|59|58|57|56|55)秒で押せるようになります/);
    const first = Number(/あと(\d+)秒/.exec(await page.getByTestId("resend-wait").innerText())![1]);
    await expect.poll(async () => Number(/あと(\d+)秒/.exec(await page.getByTestId("resend-wait").innerText())?.[1] ?? 0), { timeout: 5000 }).toBeLessThan(first);
    // The support desk (SUPPORT_* variables; the defaults here) and a way back to the login.
    const support = page.getByTestId("support-contact").first();
    await expect(support).toContainText("0120-123-456");
    await expect(support).toContainText("平日 9:00～18:00（日本時間");
    await expect(page.getByTestId("back-to-login")).toHaveAttribute("href", "/login");

    // Two wrong codes: no count yet; the third wrong one (two left of five) says how many remain.
    const code = await readCode(customer.email);
    const wrong = (n: number) => String((Number(code) + n) % 1_000_000).padStart(6, "0");
    for (const n of [1, 2]) {
      await page.getByLabel("認証コード").fill(wrong(n));
      await page.getByRole("button", { name: "送信", exact: true }).click();
      await expect(page.locator("#code-error")).toHaveText("認証コードが正しくありません。");
    }
    await expect(page.getByTestId("attempts-left")).toHaveText("あと3回まちがえると、この認証コードは使えなくなり、ログインからやり直しになります。");
    await page.getByLabel("認証コード").fill(wrong(3));
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page.getByTestId("attempts-left")).toHaveText(/^あと2回/);

    // A minute later (by the simulated clock) the button is enabled and sends a new code.
    await setBrowserClock(context, baseURL!, "2026-11-25T14:01:30+09:00");
    await page.reload();
    await expect(resend).toBeEnabled();
    await resend.click();
    await expect(page.getByText(/新しい認証コードを.*宛にお送りしました/)).toBeVisible();
    await expect(resend).toBeDisabled();
    await page.getByLabel("認証コード").fill(await readCode(customer.email, 2));
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page).toHaveURL(/\/menu$/);

    // Back from the menu: not "no procedure found", the menu again.
    await page.goBack();
    await expect(page).toHaveURL(/\/menu$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("メニュー");
    await page.goto("/login/verify");
    await expect(page).toHaveURL(/\/menu$/);
  });
});

test("the dev mailbox lists newest first by real time, whatever a browser's simulated clock says", async ({ page, browser, baseURL, customer }) => {
  // The first code is asked for by a browser whose clock says 2030; the second by one on the server's clock.
  const future = await browser.newContext({ baseURL, locale: "ja-JP", extraHTTPHeaders: { "x-forwarded-for": randomClientAddress() } });
  await setBrowserClock(future, baseURL!, "2030-01-01T09:00:00+09:00");
  const other = await createCustomer(baseURL!);
  try {
    const early = await future.newPage();
    await submitLogin(early, other.selfcareId, other.password);
    await expect(early.getByRole("heading", { name: "二段階認証" })).toBeVisible();
    await readCode(other.email);
    await submitLogin(page, customer.selfcareId, customer.password);
    await expect(page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
    await readCode(customer.email);
    await page.goto("/dev/mailbox");
    const order = await page.getByTestId("mail").evaluateAll((els) => els.map((e) => e.getAttribute("data-to")));
    expect(order.indexOf(customer.email)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(customer.email), "the later message first").toBeLessThan(order.indexOf(other.email));
    await expect(page.getByTestId("mail").first()).toContainText("（日本時間）");
  } finally {
    await future.close();
    await deleteCustomer(baseURL!, other.selfcareId);
  }
});
