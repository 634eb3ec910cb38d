import "server-only";
import { decode } from "next-auth/jwt";
import { cache } from "react";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cookieNames } from "../auth/next-auth";
import type { Principal, PrincipalKind } from "../auth/principals";
import { checkSession } from "../auth/session";
import { secrets } from "../secrets";
import { isUuid } from "../validation/ids";
import { AUDIENCES, type Audience } from "./audience";
import { currentPath, requestContext } from "./request";
import { database } from "@/lib/db";

/**
 * The signed-in principal of this request, or null (the thin session guard over next-auth's JWT).
 * Memoised per request (React cache), so a route-group layout and its page check the session once.
 * `touch: false` (a background poll) leaves the session's last-seen time alone.
 */
export const currentSession = cache(async (kind: PrincipalKind, touch: boolean = true): Promise<{ principal: Principal; sessionId: string } | null> => {
  const token = (await cookies()).get(cookieNames().session)?.value;
  if (!token) return null;
  const claims = await decode({ token, secret: secrets().sessionSecret }).catch(() => null);
  if (!claims?.sid || !claims.kind || typeof claims.sv !== "number" || !isUuid(claims.sid)) return null;
  const { now } = await requestContext();
  const check = await checkSession(database(), { sid: claims.sid, kind: claims.kind, sv: claims.sv }, kind, now, { touch });
  return check.ok ? { principal: check.principal, sessionId: check.sessionId } : null;
});

/** Whether this request's session cookie names a live server-side session (of either kind). */
export async function currentClaimsValid(): Promise<boolean> {
  const token = (await cookies()).get(cookieNames().session)?.value;
  if (!token) return false;
  const claims = await decode({ token, secret: secrets().sessionSecret }).catch(() => null);
  if (!claims?.sid || !claims.kind || typeof claims.sv !== "number" || !isUuid(claims.sid)) return false;
  const { now } = await requestContext();
  return (await checkSession(database(), { sid: claims.sid, kind: claims.kind, sv: claims.sv }, claims.kind, now)).ok;
}

/**
 * For signed-in pages and actions: the signed-in principal of this audience, or a redirect to its
 * login with a return path (customers are also told when a session they had has ended).
 */
export async function requireSignedIn(audience: Audience): Promise<{ principal: Principal; sessionId: string }> {
  const s = await currentSession(audience);
  if (!s) {
    const hadCookie = audience === "customer" && Boolean((await cookies()).get(cookieNames().session));
    redirect(`${AUDIENCES[audience].login}?next=${encodeURIComponent(await currentPath())}${hadCookie ? "&reason=ended" : ""}`);
  }
  return s;
}

export const requireCustomer = () => requireSignedIn("customer");
export const requireStaff = () => requireSignedIn("staff");
