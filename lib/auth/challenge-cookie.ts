import { createHmac, timingSafeEqual } from "node:crypto";
import { secrets } from "../secrets";
import { isUuid } from "../validation/ids";

// The challenge cookie carries the challenge id *and* an HMAC of it under the session secret:
// "<uuid>.<base64url HMAC-SHA256>". The id alone (which the audit trail and the staff console
// show) is therefore not a bearer secret: a cookie cannot be made from it without the server's key.
// The cookie is still a bearer token for whoever holds it (httpOnly, so not for page scripts):
// docs/security.md, "The two-step code".

const mac = (id: string) => createHmac("sha256", secrets().sessionSecret).update(`login-challenge:${id}`).digest("base64url");

/** The cookie value for a challenge id. */
export function challengeCookieValue(challengeId: string): string {
  return `${challengeId}.${mac(challengeId)}`;
}

/** The challenge id a cookie value names, or null when it is missing, malformed or not signed by this server. */
export function challengeIdFromCookie(value: string | undefined | null): string | null {
  if (typeof value !== "string" || value.length > 200) return null;
  const dot = value.indexOf(".");
  if (dot !== 36) return null;
  const id = value.slice(0, 36);
  if (!isUuid(id)) return null;
  const given = Buffer.from(value.slice(37));
  const expected = Buffer.from(mac(id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}
