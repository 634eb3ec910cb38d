import type { Prisma } from "@/generated/prisma/client";
import type { SqlQuery, Tx } from "../db";
import { countAuditEvent } from "../metrics";

/** Who did it and from where (the web layer fills it from the request). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export type AuditType =
  | "LOGIN_PASSWORD_OK"
  | "LOGIN_FAILED"
  | "LOCKOUT"
  | "CODE_SENT"
  | "CODE_FAILED"
  | "LOGIN_SUCCESS"
  | "LOGOUT"
  | "LINE_NOT_FOUND"
  | "LINE_PASSWORD_FAILED"
  | "LINE_BLOCKED"
  | "CHANGE_ACCEPTED"
  | "CHANGE_SUPERSEDED"
  | "CHANGE_REFUSED"
  | "CHANGE_CANCELLED"
  | "CHANGE_APPLIED"
  | "CHANGE_RETRY"
  | "CHANGE_FAILED"
  | "STAFF_UNLOCK"
  | "STAFF_RETRY"
  | "REGISTRATION_SEEN"
  | "REGISTRATION_OLD_PASSWORD"
  | "STAFF_DROP_BINDINGS"
  | "STAFF_UNBLOCK_LINE"
  | "PREVIEW_SHOWN";

export interface AuditInput {
  type: AuditType;
  actor: "customer" | "staff" | "system" | "anonymous";
  at: Date;
  selfcareId?: string | null;
  customerId?: string | null;
  staffUserId?: string | null;
  lineNumber?: string | null;
  client?: ClientInfo;
  /** Never a password, code, hash or HA1: only ids, reasons and times. */
  details?: Prisma.InputJsonValue;
}

/** Appends one audit event, in the caller's transaction. */
export async function audit(tx: Tx, e: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      type: e.type,
      actor: e.actor,
      at: e.at,
      selfcareId: e.selfcareId ?? null,
      customerId: e.customerId ?? null,
      staffUserId: e.staffUserId ?? null,
      lineNumber: e.lineNumber ?? null,
      ip: e.client?.ip?.slice(0, 64) ?? null,
      userAgent: e.client?.userAgent?.slice(0, 400) ?? null,
      details: e.details,
    },
  });
  countAuditEvent(e.type, e.actor); // sign-in outcomes for /metrics
}

/**
 * Appends many audit events with one statement, in the caller's transaction (the raw runner's: the
 * reflection worker records a whole batch at once). The same rows `audit` writes.
 */
export async function auditMany(q: SqlQuery, events: readonly AuditInput[]): Promise<void> {
  if (events.length === 0) return;
  const col = <T>(f: (e: AuditInput) => T) => events.map(f);
  await q(
    `INSERT INTO "AuditEvent" (at, type, actor, "selfcareId", "customerId", "staffUserId", "lineNumber", ip, "userAgent", details)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::jsonb[])`,
    [
      col((e) => e.at),
      col((e) => e.type),
      col((e) => e.actor),
      col((e) => e.selfcareId ?? null),
      col((e) => e.customerId ?? null),
      col((e) => e.staffUserId ?? null),
      col((e) => e.lineNumber ?? null),
      col((e) => e.client?.ip?.slice(0, 64) ?? null),
      col((e) => e.client?.userAgent?.slice(0, 400) ?? null),
      col((e) => (e.details === undefined ? null : JSON.stringify(e.details))),
    ],
  );
  for (const e of events) countAuditEvent(e.type, e.actor);
}
