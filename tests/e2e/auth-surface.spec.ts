import { expect, test } from "@playwright/test";
import { codeFrom } from "../fixtures/mail-capture";
import { HttpClient, serverActions, startPortal, type HttpResult, type Portal } from "./http-client";

// Issue 14, items 5, 11, 12, over HTTP against the production build:
//  • next-auth's own pages and endpoints the portal does not use are closed; a session ended by the
//    portal is ended for every path (a copied cookie opens neither /menu nor /api/auth/session);
//  • the challenge id that the audit trail shows is not a usable challenge cookie;
//  • in production every cookie the portal (or next-auth for it) sets is Secure, HttpOnly,
//    SameSite=Lax and path=/.

const PASSWORD = "Surface-2026";
const CODE_SUBJECT = "認証コード";

/** An HttpClient that keeps every Set-Cookie line it receives. */
class RecordingClient extends HttpClient {
  readonly setCookies: string[] = [];
  override async request(pathOrUrl: string, o: Parameters<HttpClient["request"]>[1] = {}): Promise<HttpResult> {
    const r = await super.request(pathOrUrl, o);
    this.setCookies.push(...r.headers.getSetCookie());
    return r;
  }
}

test.describe("next-auth's surface and the session's end (test mode)", () => {
  test.describe.configure({ mode: "serial", timeout: 180_000 });
  let portal: Portal;
  test.beforeAll(async () => {
    test.setTimeout(150_000);
    portal = await startPortal({ name: "authsurface" });
  });
  test.afterAll(async () => {
    await portal?.stop();
  });

  test("unused next-auth endpoints are closed; logout ends the session for a copied cookie too", async () => {
    const act = serverActions();
    const r = await portal.testApi("/api/test/customers", { method: "POST", body: { selfcareId: "surface01", password: PASSWORD, email: "surface01@example.jp", lines: [] } });
    expect(r.status, r.text).toBe(201);
    const client = new HttpClient(portal.base, "10.99.0.1");
    const login = await client.action(act("loginAction"), [{ selfcareId: "surface01", password: PASSWORD }]);
    expect(login.redirect).toMatch(/^\/login\/verify/);
    const challengeCookie = client.jar.get("selfcare.challenge")!;
    const challengeId = challengeCookie.split(".")[0]!;
    // Item 11: the id alone (as the staff console's audit trail shows it) is not a challenge cookie.
    const forger = new HttpClient(portal.base, "10.99.0.2");
    forger.jar.set("selfcare.challenge", challengeId);
    const code = codeFrom(await portal.waitForMail("surface01@example.jp", CODE_SUBJECT));
    expect((await forger.submitCode(code)).error).toBe("CHALLENGE_DEAD");
    const signed = await client.submitCode(code);
    expect(signed.error).toBeNull();

    // The endpoints next-auth/react's signIn("code") uses stay.
    expect((await client.get("/api/auth/csrf")).status).toBe(200);
    expect((await client.get("/api/auth/providers")).status).toBe(200);
    expect(JSON.parse((await client.get("/api/auth/session")).text)).toMatchObject({ user: { name: "customer" } });
    // next-auth's own sign-out, its pages and its logger are not there.
    const csrfToken = await client.csrfToken();
    for (const [method, path] of [
      ["POST", "/api/auth/signout"],
      ["GET", "/api/auth/signout"],
      ["POST", "/api/auth/_log"],
      ["GET", "/api/auth/verify-request"],
      ["POST", "/api/auth/signin/code"],
    ] as const) {
      const res = await client.request(path, { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body: method === "POST" ? new URLSearchParams({ csrfToken }) : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await client.get("/api/auth/signin")).redirect).toBe("/login");
    expect((await client.get("/api/auth/error?error=Configuration%0D%0ASet-Cookie:%20x=1")).redirect).toBe("/login?error=Default");
    // Still signed in: none of those ended anything.
    expect((await client.get("/menu")).status).toBe(200);

    // A copy of the session cookie, then the portal's logout.
    const copy = new HttpClient(portal.base, "10.99.0.3");
    copy.jar.set("selfcare.session", client.jar.get("selfcare.session")!);
    const out = await client.action(act("logoutAction"), [], { page: "/menu" });
    expect(out.redirect).toBe("/login?loggedOut=1");
    expect((await copy.get("/menu")).redirect).toMatch(/^\/login\?next=%2Fmenu/);
    expect(JSON.parse((await copy.get("/api/auth/session")).text)).toEqual({});
  });
});

test.describe("cookies in production", () => {
  test.describe.configure({ timeout: 180_000 });

  test("every cookie set in a whole sign-in, language switch and logout is Secure, HttpOnly, SameSite=Lax, path=/", async () => {
    test.setTimeout(180_000);
    const portal = await startPortal({
      name: "prodcookies",
      env: { APP_ENV: "production", SEED_DEMO: "1", APP_NOW: "", TEST_API_TOKEN: "", NEXTAUTH_SECRET: "production-cookie-test-secret-0123456789", CREDENTIAL_KEY: "cd".repeat(32) },
    });
    try {
      const act = serverActions();
      const client = new RecordingClient(portal.base, "10.98.0.1");
      await client.get("/");
      await client.get("/login");
      await client.formAction(act("setLocaleAction"), { locale: "en", returnTo: "/login" }, { page: "/login" });
      const login = await client.action(act("loginAction"), [{ selfcareId: "demo0001", password: "Demo-pass-0001" }]);
      expect(login.redirect, login.text.slice(0, 200)).toMatch(/^\/login\/verify/);
      const mail = await portal.waitForMail("demo0001@example.jp", "code");
      const signed = await client.submitCode(codeFrom(mail));
      expect(client.jar.has("__Secure-selfcare.session"), signed.result.text.slice(0, 200)).toBe(true);
      expect((await client.get("/menu")).status).toBe(200);
      await client.action(act("logoutAction"), [], { page: "/menu" });

      const names = new Set(client.setCookies.map((c) => c.split("=")[0]!.trim()));
      for (const name of ["locale", "__Host-selfcare.challenge", "__Host-selfcare.csrf", "__Secure-selfcare.session"]) expect([...names], name).toContain(name);
      for (const line of client.setCookies) {
        const attrs = line.split(";").slice(1).map((a) => a.trim().toLowerCase());
        expect(attrs, line).toContain("secure");
        expect(attrs, line).toContain("httponly");
        expect(attrs, line).toContain("samesite=lax");
        expect(attrs, line).toContain("path=/");
      }
    } finally {
      await portal.stop();
    }
  });
});
