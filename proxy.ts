import { NextResponse, type NextRequest } from "next/server";
import { envOr } from "@/lib/env";
import { bodyExceeds, pagePostProblem } from "@/lib/web/action-body";

// Security headers on every page and route response: a per-request nonce CSP, no caching of pages
// (signed-in pages must never be stored), HSTS in production. Static assets are not matched.
export async function proxy(request: NextRequest) {
  // A cross-site POST (a server action or form from another origin) is refused with a 403 before it
  // reaches Next.js, whose own origin check answers the same request with a 500.
  if (crossSite(request)) return plain("Forbidden: cross-site request", 403);
  // So is a server action call or form post whose body React cannot decode (a 400, where Next.js answers 500).
  if (request.method === "POST" && !request.nextUrl.pathname.startsWith("/api/")) {
    // Larger than Next.js's server-action limit: a clear 413 (Next.js would answer 500).
    if (await bodyExceeds(request.clone())) return plain("Payload Too Large", 413);
    const problem = await pagePostProblem(request.clone());
    if (problem) return plain(`Bad Request: ${problem}`, 400);
  }
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  // Next.js's own mode (next dev), not the portal's configuration: dev React needs eval.
  const dev = process.env.NODE_ENV === "development";
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  requestHeaders.set("x-pathname", request.nextUrl.pathname + request.nextUrl.search);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  response.headers.set("Cache-Control", "no-store, max-age=0");
  // From the configuration (lib/env.ts); should it not parse, HSTS is sent (browsers ignore it over plain http).
  if (envOr((e) => e.APP_ENV === "production", true)) {
    response.headers.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  }
  return response;
}

const plain = (text: string, status: number) => new NextResponse(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });

/**
 * An unsafe method whose Origin names another host than the one addressed (x-forwarded-host, else
 * Host: the comparison Next.js makes for server actions). Requests without an Origin (hand-made
 * clients, the test-data API) pass, as Next.js lets them; "null" (a sandboxed or privacy-stripped
 * context) does not.
 */
function crossSite(request: NextRequest): boolean {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return false;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  let originHost: string;
  try {
    originHost = origin === "null" ? "null" : new URL(origin).host;
  } catch {
    return true;
  }
  const host = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim() || request.headers.get("host");
  return !host || originHost !== host;
}

export const config = {
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico|robots.txt).*)" }],
};
