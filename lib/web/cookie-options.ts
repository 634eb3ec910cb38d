import { isProduction } from "../env";

/**
 * The one set of attributes for every cookie the portal sets itself (challenge, language, the
 * simulated clock, the cleared session on logout), the same as next-auth's cookies
 * (lib/auth/next-auth.ts): httpOnly (no page script reads any of them), SameSite=Lax, path "/",
 * and Secure in production (HTTPS only there; over plain http in development a Secure cookie would
 * not be sent back, so it is off there — docs/security.md, Cookies).
 */
export function portalCookie(o: { maxAge?: number } = {}) {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure: isProduction(), ...(o.maxAge === undefined ? {} : { maxAge: o.maxAge }) };
}
