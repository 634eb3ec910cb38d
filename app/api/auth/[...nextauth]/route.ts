import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/next-auth";
import { signInRequest } from "@/lib/web/challenge";
import { currentClaimsValid } from "@/lib/web/session";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// The portal uses four of next-auth's endpoints (what next-auth/react's signIn("code") calls, and
// the session read after it): everything else — its own sign-in and sign-out pages and endpoints,
// the client logger, the error page — is answered here and never reaches next-auth. Signing out is
// the portal's logout action, which revokes the server-side session (lib/auth/session.ts).
const ALLOWED: Record<string, "GET" | "POST"> = {
  csrf: "GET",
  providers: "GET",
  session: "GET",
  "callback/code": "POST",
};

const notFound = () => new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
/** A relative Location (valid since RFC 7231): never built from raw input. */
const redirectTo = (location: string) => new Response(null, { status: 302, headers: { Location: location } });

// Options are built per request, never at build time (they read the session secret).
async function handler(req: NextRequest, ctx: Ctx) {
  const params = await ctx.params;
  const route = params.nextauth.join("/");
  const [action] = params.nextauth;

  // Links to next-auth's own pages go to the portal's; an error code is passed on only when it is a
  // plain word (a CR/LF in it used to reach the Location header: a 500).
  if (req.method === "GET" && (action === "signin" || action === "error") && params.nextauth.length <= 2) {
    const error = req.nextUrl.searchParams.get("error");
    return redirectTo(action === "error" ? `/login?error=${error && /^[A-Za-z_]{1,40}$/.test(error) ? error : "Default"}` : "/login");
  }
  // The only provider takes credentials, which next-auth accepts by POST alone: a GET of its
  // callback would otherwise throw ("Callback for provider type credentials not supported", a 500).
  if (req.method === "GET" && action === "callback") {
    return new Response("Method Not Allowed", { status: 405, headers: { Allow: "POST" } });
  }
  if (!(route in ALLOWED) && !(action === "callback" && req.method === "POST")) return notFound();
  if (ALLOWED[route] && ALLOWED[route] !== req.method) {
    return new Response("Method Not Allowed", { status: 405, headers: { Allow: ALLOWED[route] } });
  }
  // The session as browser scripts see it follows the server-side session: a revoked, idle or
  // expired one is no session, whatever the cookie says.
  if (route === "session" && !(await currentClaimsValid())) return json({});
  return NextAuth(req, { params }, authOptions(signInRequest));
}

export { handler as GET, handler as POST };
