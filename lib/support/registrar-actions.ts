import type { Prisma } from "@/generated/prisma/client";
import { audit, type ClientInfo } from "../audit";
import type { Database, Tx } from "../db";
import { AppError } from "../errors";
import { dropBindings } from "../registration/rpc";
import type { Staff } from "./commands";

/** The audit row of a staff action on one line: who, which line of which customer, and why. */
function staffLineAudit(
  tx: Tx,
  line: { number: string; customerId: string; customer: { selfcareId: string } },
  o: { staff: Staff; reason: string; now: Date; client: ClientInfo },
  type: "STAFF_DROP_BINDINGS" | "STAFF_UNBLOCK_LINE",
  details: Prisma.InputJsonObject = {},
): Promise<void> {
  return audit(tx, {
    type,
    actor: "staff",
    at: o.now,
    selfcareId: line.customer.selfcareId,
    customerId: line.customerId,
    staffUserId: o.staff.id,
    lineNumber: line.number,
    client: o.client,
    details: { reason: o.reason, staff: o.staff.loginId, ...details },
  });
}

/**
 * Drops every binding of a line at the registrar (Kamailio `ul.rm` over JSON-RPC): a device still
 * registered with the old password stops receiving calls at once and must register again. The
 * registrar is asked first; only when it answered is the action audited (with the reason). A
 * registrar that does not answer → AppError("REGISTRAR_UNAVAILABLE"), nothing audited as done.
 */
export async function dropLineBindings(
  database: Database,
  o: { staff: Staff; lineId: string; reason: string; now: Date; client: ClientInfo; rpc?: { url?: string; token?: string } },
): Promise<void> {
  const line = await database.prisma.line.findUnique({ where: { id: o.lineId }, include: { customer: { select: { selfcareId: true } } } });
  if (!line) throw new AppError("NOT_FOUND");
  await dropBindings(line.number, o.rpc);
  await database.prisma.$transaction((tx) => staffLineAudit(tx, line, o, "STAFF_DROP_BINDINGS"));
}

/**
 * Lifts a line's change block (wrong current line passwords, lib/lines/change-password.ts): the
 * customer may try again at once. Audited with the reason; a line not blocked is refused.
 */
export async function unblockLine(database: Database, o: { staff: Staff; lineId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await database.prisma.$transaction(async (tx) => {
    const line = await tx.line.findUnique({ where: { id: o.lineId }, include: { customer: { select: { selfcareId: true } } } });
    if (!line) throw new AppError("NOT_FOUND");
    if (!line.blockedUntil || line.blockedUntil <= o.now) throw new AppError("NOT_BLOCKED");
    // Only the block is lifted: failedPasswordCount is the guess-slot counter of guesses in flight
    // (a block already set it to 0), which only those guesses give back.
    const u = await tx.line.updateMany({ where: { id: line.id, blockedUntil: { gt: o.now } }, data: { blockedUntil: null } });
    if (u.count !== 1) throw new AppError("NOT_BLOCKED");
    await staffLineAudit(tx, line, o, "STAFF_UNBLOCK_LINE", { wasBlockedUntil: line.blockedUntil?.toISOString() ?? null, failedPasswordCount: line.failedPasswordCount });
  });
}
