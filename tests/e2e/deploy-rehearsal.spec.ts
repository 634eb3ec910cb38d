import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { SMTPServer } from "smtp-server";
import { codeFrom, startSmtpCapture, type CapturedMail } from "../fixtures/mail-capture";
import { freePort } from "../fixtures/net";
import { expect, test } from "./fixtures";
import { CompletePage, LoginPage, MenuPage, PasswordChangePage, VerifyPage } from "./pages";

// The production rehearsal (issue 15, item 6): deploy/nginx/selfcare.conf in front of two web
// instances and two workers in production mode on PostgreSQL, with a self-signed certificate made
// here and a real SMTP capture. Chromium signs in and changes a password over https; then one web
// instance is restarted under a steady load through nginx, which must not fail a single request.
const which = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const hasPostgres = existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
const missing = [...(which("nginx") ? [] : ["nginx"]), ...(hasPostgres ? [] : ["postgresql"]), ...(which("openssl") ? [] : ["openssl"])];
const DIST_DIR = process.env.NEXT_DIST_DIR ?? ".next";

interface Proc {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}
function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}): Proc {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } as NodeJS.ProcessEnv });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-100_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-100_000)));
  return { child, out: () => out, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
}
async function stop(p: Proc | undefined) {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill("SIGTERM");
  await p.exited;
}

const insecure = new Agent({ rejectUnauthorized: false, keepAlive: true, maxSockets: 16 });
/** GET over https through nginx (self-signed certificate); resolves with the status, 0 on a transport error. */
function httpsGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { agent: insecure, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", () => resolve({ status: 0, headers: {} }));
    req.end();
  });
}

test.describe("production rehearsal: nginx + TLS, two web instances, two workers, PostgreSQL, SMTP", () => {
  test.describe.configure({ timeout: 300_000 });
  test.skip(missing.length > 0 && !process.env.REQUIRE_DEPLOY, `not installed: ${missing.join(", ")} (.ci/run installs them)`);

  test("sign-in and a change over https; secure cookies, HSTS, client address, readiness, metrics; a web restart fails no request", async ({ browser }) => {
    const dir = mkdtempSync(path.join(tmpdir(), "selfcare-rehearsal-"));
    const procs: Proc[] = [];
    let smtp: SMTPServer | undefined;
    const pgDir = mkdtempSync(path.join(tmpdir(), "selfcare-rehearsal-pg-")); // its own: the postgres user must own it
    try {
      // PostgreSQL of its own
      const pgPort = await freePort();
      const pgStart = spawnSync("scripts/pg-server.sh", ["start", pgDir, String(pgPort)], { encoding: "utf8" });
      expect(pgStart.status, pgStart.stderr).toBe(0);
      const admin = pgStart.stdout.trim();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query("CREATE DATABASE selfcare");
      await c.end();
      const databaseUrl = admin.replace(/\/postgres$/, "/selfcare");

      // SMTP capture
      const mails: CapturedMail[] = [];
      const smtpPort = await freePort();
      smtp = await startSmtpCapture(smtpPort, (m) => mails.push(m));

      // a self-signed certificate made now
      const cert = path.join(dir, "cert.pem");
      const key = path.join(dir, "key.pem");
      const ssl = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { encoding: "utf8" });
      expect(ssl.status, ssl.stderr).toBe(0);

      const [webPort1, webPort2, httpsPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
      const base = `https://localhost:${httpsPort}`;
      const metricsToken = randomBytes(16).toString("hex");
      const common = {
        APP_ENV: "production",
        NEXTAUTH_URL: base,
        NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
        CREDENTIAL_KEY: randomBytes(32).toString("hex"),
        DATABASE_URL: databaseUrl,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        METRICS_TOKEN: metricsToken,
        SEED_DEMO: "1",
        TRUST_PROXY: "true",
        WORKER_IN_SERVER: "false",
        HOST: "127.0.0.1",
        NEXT_DIST_DIR: DIST_DIR,
        WORKER_POLL_MS: "200",
        OUTBOX_POLL_MS: "200",
        LOG_LEVEL: "warn",
        APP_NOW: undefined,
        TEST_API_TOKEN: undefined,
        TEST_DB: undefined,
      };
      // as the systemd units run them (deploy/systemd/*.service: node --import tsx scripts/start.ts / worker.ts)
      const startWeb = async (i: 1 | 2) => {
        const p = run(process.execPath, ["--import", "tsx", "scripts/start.ts"], { ...common, PORT: String(i === 1 ? webPort1 : webPort2), INSTANCE_ID: `web-${i}` });
        procs.push(p);
        const url = `http://127.0.0.1:${i === 1 ? webPort1 : webPort2}/api/ready`;
        await expect.poll(async () => (p.child.exitCode !== null ? `exited: ${p.out()}` : (await fetch(url).catch(() => null))?.status), { timeout: 120_000, intervals: [300] }).toBe(200);
        return p;
      };
      // the first start migrates and loads the demo data, then the second joins
      let web1 = await startWeb(1);
      await startWeb(2);
      for (const i of [1, 2]) procs.push(run(process.execPath, ["--import", "tsx", "scripts/worker.ts"], { ...common, INSTANCE_ID: `worker-${i}` }));

      // nginx with deploy/nginx/selfcare.conf: only ports, addresses and paths changed
      const site = readFileSync("deploy/nginx/selfcare.conf", "utf8")
        .replace("server 127.0.0.1:3001", `server 127.0.0.1:${webPort1}`)
        .replace("server 127.0.0.1:3002", `server 127.0.0.1:${webPort2}`)
        .replace("listen 80;", `listen 127.0.0.1:${httpPort};`)
        .replace("listen 443 ssl http2;", `listen 127.0.0.1:${httpsPort} ssl http2;`)
        .replace(/^\s*listen \[::\]:\d+.*$/gm, "")
        .replace(/server_name selfcare\.example\.jp;/g, "server_name localhost;")
        .replace("/etc/ssl/selfcare/fullchain.pem", cert)
        .replace("/etc/ssl/selfcare/privkey.pem", key);
      expect(site).toContain(`server 127.0.0.1:${webPort2}`);
      writeFileSync(path.join(dir, "site.conf"), site);
      writeFileSync(
        path.join(dir, "nginx.conf"),
        `${process.getuid?.() === 0 ? "user root root;\n" : ""}daemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/nginx-error.log warn;\nevents { worker_connections 256; }\n` +
          `http {\n  access_log ${dir}/nginx-access.log;\n  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;\n  include ${dir}/site.conf;\n}\n`,
      );
      const nginx = run("nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf")]);
      procs.push(nginx);
      await expect.poll(async () => (nginx.child.exitCode !== null ? `nginx exited: ${nginx.out()}` : (await httpsGet(`${base}/api/ready`)).status), { timeout: 30_000 }).toBe(200);

      // Plain http is sent to https; HSTS on the pages; /metrics is not exposed through nginx.
      const redirect = await fetch(`http://127.0.0.1:${httpPort}/login`, { redirect: "manual" });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get("location")).toMatch(/^https:\/\//);
      const top = await httpsGet(`${base}/`);
      expect(top.status).toBe(200);
      expect(top.headers["strict-transport-security"]).toContain("max-age=");
      expect(top.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, kept by the portal
      expect((await httpsGet(`${base}/metrics`)).status).toBe(404);
      // each instance's /metrics: the bearer token, or nothing
      expect((await fetch(`http://127.0.0.1:${webPort1}/metrics`)).status).toBe(401);
      const scraped = await fetch(`http://127.0.0.1:${webPort1}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      expect(scraped.status).toBe(200);
      const metricsText = await scraped.text();
      await expect.poll(async () => {
        const t = await (await fetch(`http://127.0.0.1:${webPort2}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
        return ["worker-1", "worker-2"].every((w) => new RegExp(`selfcare_worker_heartbeat_age_seconds\\{[^}]*worker="${w}"`).test(t));
      }, { timeout: 30_000 }).toBe(true);
      expect(metricsText).toContain('instance_id="web-1"');

      // Chromium over https: sign-in with the emailed code, a password change, reflected by a worker.
      const context = await browser.newContext({ baseURL: base, ignoreHTTPSErrors: true, extraHTTPHeaders: { "x-forwarded-for": "203.0.113.66" } });
      const page = await context.newPage();
      await new LoginPage(page).open();
      await new LoginPage(page).submit("demo0001", "Demo-pass-0001");
      await new VerifyPage(page).expectShown();
      await expect.poll(() => mails.filter((m) => m.to.includes("demo0001@example.jp")).length, { timeout: 20_000 }).toBeGreaterThan(0);
      await new VerifyPage(page).enter(codeFrom(mails.filter((m) => m.to.includes("demo0001@example.jp")).at(-1)!));
      const menu = new MenuPage(page);
      await expect(page.getByRole("heading", { name: "◆各種サービス設定・変更" })).toBeVisible();
      await menu.openInputScreen();
      const change = new PasswordChangePage(page);
      await change.pickLine("05012345678");
      await change.fill({ number: "05012345678", current: "abcd1234", next: "rehears1" });
      await change.update();
      await new CompletePage(page).expectShown();
      const cookies = await context.cookies();
      const session = cookies.find((k) => k.name.includes("selfcare.session"));
      expect(session?.name).toBe("__Secure-selfcare.session");
      for (const k of cookies) expect(k.secure, k.name).toBe(true);
      await context.close();

      const db = new pg.Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await expect.poll(async () => (await db.query(`SELECT c.status FROM "PasswordChange" c JOIN "Line" l ON l.id = c."lineId" WHERE l.number = '05012345678' ORDER BY c."requestedAt" DESC LIMIT 1`)).rows[0]?.status, { timeout: 30_000 }).toBe("APPLIED");
        // the audit trail has the address nginx saw (loopback here), not what the client claimed in X-Forwarded-For
        const audit = await db.query(`SELECT ip FROM "AuditEvent" WHERE type = 'LOGIN_SUCCESS' AND "selfcareId" = 'demo0001'`);
        expect(audit.rows.map((r: { ip: string }) => r.ip)).toEqual(["127.0.0.1"]);
      } finally {
        await db.end();
      }

      // A steady load through nginx while web-1 restarts (SIGTERM, start again): not one request may fail.
      let running = true;
      const results = { ok: 0, failed: [] as string[] };
      const loop = async () => {
        for (let n = 0; running; n++) {
          const p = n % 2 ? "/login" : "/api/ready";
          const r = await httpsGet(`${base}${p}`);
          if (r.status === 200) results.ok++;
          else results.failed.push(`${p} → ${r.status}`);
        }
      };
      const loops = [loop(), loop(), loop()];
      await expect.poll(() => results.ok, { timeout: 30_000 }).toBeGreaterThan(30);
      const t0 = Date.now();
      web1.child.kill("SIGTERM");
      expect(await web1.exited).toBe(0);
      console.log(`web-1 stopped in ${Date.now() - t0} ms under load (${results.ok} requests so far)`);
      const during = results.ok;
      web1 = await startWeb(1);
      await expect.poll(() => results.ok, { timeout: 30_000 }).toBeGreaterThan(during + 30);
      running = false;
      await Promise.all(loops);
      expect(results.failed).toEqual([]);
      expect(results.ok).toBeGreaterThan(60);
    } finally {
      for (const p of procs.reverse()) await stop(p);
      if (smtp) await new Promise<void>((resolve) => smtp!.close(() => resolve()));
      spawnSync("scripts/pg-server.sh", ["stop", pgDir]);
      rmSync(pgDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
