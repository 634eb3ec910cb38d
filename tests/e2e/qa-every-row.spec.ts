// QA kit: every row of the reflection table walked through the UI. For each row the browser's clock
// is set to a Japan time inside the row; the customer changes a line's password and must be promised
// the table's time on the preview, on the completion screen and in the acceptance email.
import { createCustomer, deleteCustomer, expect, mailbox, signIn, test, type ServiceType } from "./fixtures";
import { CompletePage, MenuPage, PasswordChangePage } from "./pages";

interface Row {
  title: string;
  service: ServiceType;
  at: string; // when the customer changes the password (Japan time)
  completion: RegExp | string; // what the completion screen promises
  email: RegExp | string;
  smoke?: boolean;
}

// Expected values are written out from the provider's table (SPEC.md), not computed by the portal's code.
const ROWS: Row[] = [
  { title: "IP電話サービス: any time → within 15 minutes", service: "IP_PHONE", at: "2026-12-01T10:20:00+09:00", completion: /15分以内（2026年12月1日 10:3[56]まで、日本時間）/, email: /2026年12月1日 10:3[56]まで（15分以内）/, smoke: true },
  { title: "B2BUA 0:00–1:00 → 1:30", service: "B2BUA", at: "2026-12-01T00:20:00+09:00", completion: "2026年12月1日 1:30（日本時間）", email: "2026年12月1日 1:30" },
  { title: "B2BUA 1:00–2:00 → 2:30", service: "B2BUA", at: "2026-12-01T01:20:00+09:00", completion: "2026年12月1日 2:30（日本時間）", email: "2026年12月1日 2:30" },
  { title: "B2BUA 2:00–17:00 → 17:30 (the manual's 14:00 example)", service: "B2BUA", at: "2026-12-01T14:00:00+09:00", completion: "2026年12月1日 17:30（日本時間）", email: "2026年12月1日 17:30", smoke: true },
  { title: "B2BUA 17:00–18:00 → 18:30", service: "B2BUA", at: "2026-12-01T17:20:00+09:00", completion: "2026年12月1日 18:30（日本時間）", email: "2026年12月1日 18:30" },
  { title: "B2BUA 18:00–19:00 → 19:30", service: "B2BUA", at: "2026-12-01T18:20:00+09:00", completion: "2026年12月1日 19:30（日本時間）", email: "2026年12月1日 19:30" },
  { title: "B2BUA 19:00–20:00 → 20:30", service: "B2BUA", at: "2026-12-01T19:20:00+09:00", completion: "2026年12月1日 20:30（日本時間）", email: "2026年12月1日 20:30" },
  { title: "B2BUA 20:00–21:00 → 21:30", service: "B2BUA", at: "2026-12-01T20:20:00+09:00", completion: "2026年12月1日 21:30（日本時間）", email: "2026年12月1日 21:30" },
  { title: "B2BUA 21:00–22:00 → 22:30", service: "B2BUA", at: "2026-12-01T21:20:00+09:00", completion: "2026年12月1日 22:30（日本時間）", email: "2026年12月1日 22:30" },
  { title: "B2BUA 22:00–23:00 → 23:30", service: "B2BUA", at: "2026-12-01T22:20:00+09:00", completion: "2026年12月1日 23:30（日本時間）", email: "2026年12月1日 23:30" },
  { title: "B2BUA OpenGate 23:00–0:00 → 0:30 next day, across the year end", service: "B2BUA_OPENGATE", at: "2026-12-31T23:20:00+09:00", completion: "2027年1月1日 0:30（日本時間）", email: "2027年1月1日 0:30", smoke: true },
];

for (const row of ROWS) {
  test(`reflection table: ${row.title}${row.smoke ? " @smoke" : ""}`, async ({ page, clock, baseURL }) => {
    // Sign in at the simulated time itself, so the session lives on that clock too.
    await clock(row.at);
    const customer = await createCustomer(baseURL!, {
      lines: [{ number: `050${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`, service: row.service, password: "start123" }],
    });
    try {
      await signIn(page, customer);
      await expect(page.getByTestId("simulated-clock")).toBeVisible();
      const menu = new MenuPage(page);
      await menu.openInputScreen();
      const form = new PasswordChangePage(page);
      const line = customer.lines[0]!;
      await form.pickLine(line.number);
      await expect(form.preview()).toContainText(row.service === "IP_PHONE" ? "15分以内" : "に弊社システムへ反映されます");
      await form.fill({ number: line.number, current: line.password, next: "n4b7k2r9" });
      await form.update();
      const done = new CompletePage(page);
      await done.expectShown();
      if (typeof row.completion === "string") await expect(done.reflectionTime()).toHaveText(row.completion);
      else await expect(done.reflectionTime()).toHaveText(row.completion);
      const mail = await mailbox.waitForMail(customer.email, "変更を受け付けました");
      if (typeof row.email === "string") expect(mail.text).toContain(`弊社システムへの反映: ${row.email}`);
      else expect(mail.text).toMatch(row.email);
    } finally {
      await deleteCustomer(baseURL!, customer.selfcareId);
    }
  });
}
