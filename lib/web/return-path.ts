// Pure (no request APIs): used by server actions, pages and next-auth's redirect callback.
import { UUID_SOURCE } from "../validation/ids";

// The pages a return path (`next=`, the language switch's `returnTo`) may lead to. Anything else —
// another origin, an unknown path, a path with a control character, a backslash or white space
// (browsers drop or rewrite those, so "/\t/evil.example" would leave the site) — gives the fallback.
const RETURN_ROUTES = new Set(["/", "/menu", "/password", "/password/complete", "/password/cancel", "/history", "/guide", "/guide/adapter", "/login", "/login/verify", "/staff", "/staff/login", "/staff/login/verify", "/dev/clock", "/dev/mailbox"]);
const RETURN_PATTERNS = [new RegExp(`^/staff/customers/${UUID_SOURCE}$`)];
/** Any origin will do: the candidate must resolve to the same one, i.e. be a path of this site. */
const OWN_ORIGIN = "http://portal.invalid";
// C0 and C1 controls, DEL, white space (incl. U+3000, NBSP, line separators), backslash, zero-width and bidi marks.
const FORBIDDEN = /[\u0000-\u0020\u007f-\u00a0\\\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]/;

/** A return path is followed only when it is a known page of this site; the normalised path and query, else `fallback`. */
export function safeReturnPath(value: unknown, fallback: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || FORBIDDEN.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, OWN_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== OWN_ORIGIN || url.username || url.password) return fallback;
  if (!RETURN_ROUTES.has(url.pathname) && !RETURN_PATTERNS.some((p) => p.test(url.pathname))) return fallback;
  return url.pathname + url.search;
}
