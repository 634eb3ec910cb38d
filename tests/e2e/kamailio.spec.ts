import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { sipCredential } from "../../lib/sip/digest";
import { startPortalProcess, type PortalProcess } from "../fixtures/portal-process";
import { createDatabase, registrarPrerequisites, sippRegister, startKamailio, startPostgres, type Kamailio, type PgServer } from "../fixtures/registrar";
import { expect, mailsFor, readCode, test } from "./fixtures";

// The whole path into a real SIP registrar: the portal on PostgreSQL with PROVISIONER=kamailio, a
// customer changing a B2BUA line's password in the browser at 14:00 Japan time, and a separate
// worker process whose clock reaches 17:30. SIPp registers against Kamailio before and after.
const REALM = "sip.example.jp";
const LINE = "05087654321"; // demo0001's B2BUA line
const OLD = "efgh5678";
const NEW = "q3v8x2m6";
const missing = registrarPrerequisites();

test.describe("reflection into a real SIP registrar (Kamailio + SIPp)", () => {
  test.skip(missing.length > 0 && !process.env.REQUIRE_KAMAILIO, `not installed: ${missing.join(", ")}`);
  test.describe.configure({ mode: "serial", timeout: 180_000 });

  let server: PgServer;
  let kamailio: Kamailio;
  let portal: PortalProcess | undefined;
  let worker: ChildProcess | undefined;
  let portalUrl: string;
  let portalDb: string;
  let kamailioDb: string;

  const changeStatus = async () => {
    const c = new pg.Client({ connectionString: portalDb });
    await c.connect();
    const r = await c.query<{ status: string; appliedAt: Date | null }>(
      `SELECT pc.status, pc."appliedAt" FROM "PasswordChange" pc JOIN "Line" l ON l.id = pc."lineId" WHERE l.number = $1 ORDER BY pc."requestedAt" DESC LIMIT 1`,
      [LINE],
    );
    await c.end();
    return r.rows[0];
  };
  const register = (password: string) => sippRegister(kamailio.port, LINE, password, REALM);

  test.beforeAll(async () => {
    if (missing.length > 0) throw new Error(`REQUIRE_KAMAILIO is set but these are missing: ${missing.join(", ")}`);
    server = await startPostgres();
    portalDb = await createDatabase(server, "selfcare");
    kamailioDb = await createDatabase(server, "kamailio", true);
    // The operator provisioned the line with its original password when it was sold.
    const k = new pg.Client({ connectionString: kamailioDb });
    await k.connect();
    const cred = sipCredential(LINE, REALM, OLD);
    await k.query("INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ($1, $2, $3, $4)", [LINE, REALM, cred.ha1, cred.ha1b]);
    await k.end();
    kamailio = await startKamailio(kamailioDb, REALM);

    portal = await startPortalProcess({
      dataDir: ".tmp/kamailio-e2e",
      echo: true,
      readyTimeoutMs: 90_000,
      env: {
        DATABASE_URL: portalDb,
        PROVISIONER: "kamailio",
        KAMAILIO_DATABASE_URL: kamailioDb,
        SIP_REALM: REALM,
        // The suite's mail capture, which readCode and mailsFor read.
        SMTP_URL: `smtp://127.0.0.1:${process.env.MAIL_CAPTURE_SMTP_PORT ?? 2525}`,
        APP_NOW: "2026-11-25T14:00:00+09:00",
        OUTBOX_POLL_MS: "300",
        WORKER_POLL_MS: "500",
      },
    });
    portalUrl = portal.baseUrl;
  });

  test.afterAll(async () => {
    worker?.kill("SIGTERM");
    await portal?.stop();
    await kamailio?.stop();
    await server?.stop();
  });

  test("the registrar accepts the new password only from the 17:30 reflection on", async ({ page }) => {
    expect(await register(OLD), "the original password registers").toBe(true);
    expect(await register(NEW), "the future password does not register yet").toBe(false);

    // 14:00 Japan time: demo0001 changes the B2BUA line's password in the browser.
    const codesBefore = (await mailsFor("demo0001@example.jp")).filter((m) => m.subject.includes("認証コード")).length;
    await page.goto(`${portalUrl}/login`);
    await page.getByLabel("セルフケアID").fill("demo0001");
    await page.getByLabel("セルフケアパスワード").fill("Demo-pass-0001");
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await page.getByLabel("認証コード").fill(await readCode("demo0001@example.jp", codesBefore + 1));
    await page.getByRole("button", { name: "送信", exact: true }).click();
    await expect(page).toHaveURL(/\/menu/);
    await page.goto(`${portalUrl}/password`);
    await page.getByLabel("IP加入電話番号", { exact: true }).fill(LINE);
    await expect(page.getByTestId("reflection-preview")).toContainText("本日17:30");
    await page.getByLabel("現IP加入電話パスワード").fill(OLD);
    await page.getByLabel("新IP加入電話パスワード", { exact: true }).fill(NEW);
    await page.getByLabel("新IP加入電話パスワード (確認用)").fill(NEW);
    await page.getByRole("button", { name: "更新" }).click();
    await expect(page.getByTestId("reflection-time")).toHaveText("2026年11月25日 17:30（日本時間）");

    // Before 17:30 (the portal's own worker runs at ~14:00): the registrar still has the old password.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await changeStatus())?.status).toBe("PENDING");
    expect(await register(OLD), "before 17:30 the old password still registers").toBe(true);
    expect(await register(NEW), "before 17:30 the new password is refused").toBe(false);

    // A separate worker process whose clock stands at 17:29:57 and runs on to 17:30.
    worker = spawn("node_modules/.bin/tsx", ["scripts/worker.ts"], {
      stdio: "inherit",
      env: {
        ...process.env,
        APP_ENV: "test",
        DATABASE_URL: portalDb,
        DATA_DIR: ".tmp/kamailio-e2e",
        PROVISIONER: "kamailio",
        KAMAILIO_DATABASE_URL: kamailioDb,
        SIP_REALM: REALM,
        APP_NOW: "2026-11-25T17:29:57+09:00",
        WORKER_POLL_MS: "250",
        LOG_LEVEL: "warn",
      },
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await changeStatus())?.status, "not applied before its 17:30 due time").toBe("PENDING");
    expect(await register(OLD)).toBe(true);

    await expect.poll(async () => (await changeStatus())?.status, { timeout: 30_000, intervals: [250] }).toBe("APPLIED");
    const applied = (await changeStatus())!.appliedAt!;
    expect(applied.getTime()).toBeGreaterThanOrEqual(new Date("2026-11-25T17:30:00+09:00").getTime());
    expect(applied.getTime()).toBeLessThan(new Date("2026-11-25T17:30:10+09:00").getTime());

    expect(await register(NEW), "from 17:30 the new password registers").toBe(true);
    expect(await register(OLD), "from 17:30 the old password is refused").toBe(false);

    await page.goto(`${portalUrl}/history`);
    await expect(page.getByTestId("history-row").filter({ hasText: LINE }).first()).toContainText("反映済み");
  });
});
