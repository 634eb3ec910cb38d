// Page objects for every screen: QA scenarios speak in the screens' own words, not in selectors.
import { expect, type Page } from "@playwright/test";

export class TopPage {
  constructor(readonly page: Page) {}
  async open() {
    await this.page.goto("/");
    await expect(this.page.getByRole("heading", { name: "お客様サポート", level: 1 })).toBeVisible();
  }
  b2buaTable = () => this.page.getByTestId("b2bua-table");
  async goToLogin() {
    await this.page.getByRole("link", { name: "ログイン >" }).click();
  }
}

export class LoginPage {
  constructor(readonly page: Page, readonly path = "/login", readonly idLabel = "セルフケアID") {}
  async open() {
    await this.page.goto(this.path);
  }
  async submit(id: string, password: string) {
    await this.page.getByLabel(this.idLabel).fill(id);
    await this.page.getByLabel("セルフケアパスワード").fill(password);
    await this.page.getByRole("button", { name: "送信", exact: true }).click();
  }
  formError = () => this.page.locator(".form-error");
}

export class VerifyPage {
  constructor(readonly page: Page) {}
  async expectShown() {
    await expect(this.page.getByRole("heading", { name: "二段階認証" })).toBeVisible();
  }
  async enter(code: string) {
    await this.page.getByLabel("認証コード").fill(code);
    await this.page.getByRole("button", { name: "送信", exact: true }).click();
  }
  async resend() {
    await this.page.getByRole("button", { name: "認証コードを再送信" }).click();
  }
}

export class MenuPage {
  constructor(readonly page: Page) {}
  async open() {
    await this.page.goto("/menu");
    await expect(this.page.getByRole("heading", { name: "◆各種サービス設定・変更" })).toBeVisible();
  }
  async openInputScreen() {
    await this.page.getByRole("link", { name: "入力画面 ▶" }).click();
    await expect(this.page.getByRole("heading", { name: "IP加入電話パスワード変更", level: 1 })).toBeVisible();
  }
  async openHistory() {
    await this.page.getByRole("link", { name: "履歴 ▶" }).click();
  }
  async logout() {
    await this.page.getByRole("button", { name: "ログアウト" }).click();
  }
}

export class PasswordChangePage {
  constructor(readonly page: Page) {}
  preview = () => this.page.getByTestId("reflection-preview");
  /** `preview: false` for a number that is not one of the customer's lines (no reflection time is shown). */
  async fill(v: { number: string; current: string; next: string; confirm?: string; preview?: boolean }) {
    await this.page.getByLabel("IP加入電話番号", { exact: true }).fill(v.number);
    // A customer reads the reflection time before 更新, and the form sends back the one it showed.
    if (v.preview !== false) await expect(this.preview()).not.toBeEmpty();
    await this.page.getByLabel("現IP加入電話パスワード").fill(v.current);
    await this.page.getByLabel("新IP加入電話パスワード", { exact: true }).fill(v.next);
    await this.page.getByLabel("新IP加入電話パスワード (確認用)").fill(v.confirm ?? v.next);
  }
  async pickLine(number: string) {
    await this.page.getByRole("button", { name: new RegExp(`^${number}（`) }).click();
  }
  async update() {
    await this.page.getByRole("button", { name: "更新" }).click();
  }
  fieldError = (field: "number" | "currentPassword" | "newPassword" | "confirmPassword") => this.page.locator(`#${field}-error`);
}

export class CompletePage {
  constructor(readonly page: Page) {}
  async expectShown() {
    await expect(this.page.getByText("IP加入電話パスワードの変更が完了しました。")).toBeVisible();
    await expect(this.page.getByText("IP電話対応機器の変更を実施願います。")).toBeVisible();
  }
  reflectionTime = () => this.page.getByTestId("reflection-time");
  outageWindow = () => this.page.getByTestId("outage-window");
}

export class HistoryPage {
  constructor(readonly page: Page) {}
  async open() {
    await this.page.goto("/history");
  }
  row = (number: string) => this.page.getByTestId("history-row").filter({ hasText: number }).first();
}

export class StaffConsole {
  constructor(readonly page: Page) {}
  async search(q: string) {
    await this.page.goto("/staff");
    await this.page.getByLabel("セルフケアID・IP加入電話番号・メールアドレス（部分一致）").fill(q);
    await this.page.getByRole("button", { name: "検索" }).click();
  }
  async openResult(text: string) {
    await this.page.getByTestId("search-result").filter({ hasText: text }).getByRole("link").click();
  }
  line = (number: string) => this.page.getByTestId("staff-line").filter({ hasText: number });
  registrarState = (number: string) => this.line(number).getByTestId("registrar-state");
  async runAction(title: string, reason: string) {
    await this.page.getByRole("button", { name: title }).click();
    await this.page.getByLabel("理由（記録に残ります）").fill(reason);
    await this.page.getByLabel("内容を確認しました").check();
    await this.page.getByRole("button", { name: "実行" }).click();
    await expect(this.page.getByText("実行しました。")).toBeVisible();
  }
}
