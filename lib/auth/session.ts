import { audit, type ClientInfo } from "../audit";
import type { Database } from "../db";
import { principals, type Principal, type PrincipalKind } from "./principals";

/** A session ends after 30 minutes without a request… */
export const SESSION_IDLE_MS = 30 * 60_000;
/** …and 12 hours after sign-in, whatever happens. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** lastSeenAt is written at most this often (keeps reads cheap). */
const TOUCH_EVERY_MS = 30_000;

export type SessionCheck =
  | { ok: true; principal: Principal; sessionId: string }
  | { ok: false; reason: "missing" | "revoked" | "idle" | "expired" | "version" | "kind" };

/** The part of the signed cookie (next-auth JWT) that names a server-side session. */
export interface SessionClaims {
  sid: string;
  kind: PrincipalKind;
  sv: number;
}

/**
 * Checks a session against the database: not revoked, not idle for 30 minutes, not older than 12
 * hours, and the account's session version unchanged (logout, lockout and a support unlock bump it).
 * A valid session is touched, which slides the idle limit.
 */
export async function checkSession(database: Database, claims: SessionClaims, expectedKind: PrincipalKind, now: Date, o: { touch?: boolean } = {}): Promise<SessionCheck> {
  if (claims.kind !== expectedKind) return { ok: false, reason: "kind" };
  const prisma = database.prisma;
  const session = await prisma.authSession.findUnique({ where: { id: claims.sid } });
  if (!session) return { ok: false, reason: "missing" };
  if (session.revokedAt) return { ok: false, reason: "revoked" };
  const t = now.getTime();
  if (t - session.createdAt.getTime() >= SESSION_ABSOLUTE_MS) return { ok: false, reason: "expired" };
  if (t - session.lastSeenAt.getTime() >= SESSION_IDLE_MS) return { ok: false, reason: "idle" };
  const principalId = session.customerId ?? session.staffUserId;
  const principal = principalId ? await principals.byId(prisma, claims.kind, principalId) : null;
  if (!principal) return { ok: false, reason: "missing" };
  if (principal.sessionVersion !== claims.sv) return { ok: false, reason: "version" };
  // A background poll (the registration status block) passes touch: false: an open page alone
  // must not keep an idle session alive.
  if (o.touch !== false && t - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await prisma.authSession.update({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return { ok: true, principal, sessionId: session.id };
}

/** Ends a session on the server (logout). */
export async function endSession(database: Database, o: { sessionId: string; now: Date; client: ClientInfo }): Promise<void> {
  const prisma = database.prisma;
  await prisma.$transaction(async (tx) => {
    const session = await tx.authSession.findUnique({ where: { id: o.sessionId } });
    if (!session || session.revokedAt) return;
    await tx.authSession.update({ where: { id: session.id }, data: { revokedAt: o.now } });
    const kind: PrincipalKind = session.customerId ? "customer" : "staff";
    const principal = await principals.byId(tx, kind, (session.customerId ?? session.staffUserId)!);
    await audit(tx, {
      type: "LOGOUT",
      actor: kind,
      at: o.now,
      selfcareId: principal?.loginId,
      customerId: session.customerId,
      staffUserId: session.staffUserId,
      client: o.client,
      details: { sessionId: session.id },
    });
  });
}
