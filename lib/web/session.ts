import { decode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cookieNames } from "../auth/next-auth";
import type { Principal, PrincipalKind } from "../auth/principals";
import { checkSession } from "../auth/session";
import { secrets } from "../secrets";
import { isUuid } from "../validation/ids";
import { currentPath, requestContext } from "./request";

/** The signed-in principal of this request, or null (the thin session guard over next-auth's JWT). */
export async function currentSession(kind: PrincipalKind, o: { touch?: boolean } = {}): Promise<{ principal: Principal; sessionId: string } | null> {
  const token = (await cookies()).get(cookieNames().session)?.value;
  if (!token) return null;
  const claims = await decode({ token, secret: secrets().sessionSecret }).catch(() => null);
  if (!claims?.sid || !claims.kind || typeof claims.sv !== "number" || !isUuid(claims.sid)) return null;
  const { now } = await requestContext();
  const check = await checkSession({ sid: claims.sid, kind: claims.kind, sv: claims.sv }, kind, now, o);
  return check.ok ? { principal: check.principal, sessionId: check.sessionId } : null;
}

/** Whether this request's session cookie names a live server-side session (of either kind). */
export async function currentClaimsValid(): Promise<boolean> {
  const token = (await cookies()).get(cookieNames().session)?.value;
  if (!token) return false;
  const claims = await decode({ token, secret: secrets().sessionSecret }).catch(() => null);
  if (!claims?.sid || !claims.kind || typeof claims.sv !== "number" || !isUuid(claims.sid)) return false;
  const { now } = await requestContext();
  return (await checkSession({ sid: claims.sid, kind: claims.kind, sv: claims.sv }, claims.kind, now)).ok;
}

/** For customer pages: the signed-in customer, or a redirect to the login with a return path. */
export async function requireCustomer(): Promise<{ principal: Principal; sessionId: string }> {
  const s = await currentSession("customer");
  if (!s) {
    const hadCookie = Boolean((await cookies()).get(cookieNames().session));
    redirect(`/login?next=${encodeURIComponent(await currentPath())}${hadCookie ? "&reason=ended" : ""}`);
  }
  return s;
}

/** For staff pages: the signed-in staff member, or a redirect to the staff login. */
export async function requireStaff(): Promise<{ principal: Principal; sessionId: string }> {
  const s = await currentSession("staff");
  if (!s) redirect(`/staff/login?next=${encodeURIComponent(await currentPath())}`);
  return s;
}
