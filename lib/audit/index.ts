import type { Prisma } from "@/generated/prisma/client";
import type { Tx } from "../db";
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
  | "SESSION_EXPIRED"
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
  | "STAFF_UNBLOCK_LINE";

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
