import { audit, type ClientInfo } from "../audit";
import { db } from "../db";
import { AppError } from "../errors";
import { dropBindings } from "../registration/rpc";
import type { Staff } from "./commands";

/**
 * Drops every binding of a line at the registrar (Kamailio `ul.rm` over JSON-RPC): a device still
 * registered with the old password stops receiving calls at once and must register again. The
 * registrar is asked first; only when it answered is the action audited (with the reason). A
 * registrar that does not answer → AppError("REGISTRAR_UNAVAILABLE"), nothing audited as done.
 */
export async function dropLineBindings(o: { staff: Staff; lineId: string; reason: string; now: Date; client: ClientInfo; rpc?: { url?: string; token?: string } }): Promise<void> {
  const line = await db().line.findUnique({ where: { id: o.lineId }, include: { customer: { select: { selfcareId: true } } } });
  if (!line) throw new AppError("NOT_FOUND");
  await dropBindings(line.number, o.rpc);
  await db().$transaction((tx) =>
    audit(tx, {
      type: "STAFF_DROP_BINDINGS",
      actor: "staff",
      at: o.now,
      selfcareId: line.customer.selfcareId,
      customerId: line.customerId,
      staffUserId: o.staff.id,
      lineNumber: line.number,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId },
    }),
  );
}

/**
 * Lifts a line's change block (wrong current line passwords, lib/lines/change-password.ts): the
 * customer may try again at once. Audited with the reason; a line not blocked is refused.
 */
export async function unblockLine(o: { staff: Staff; lineId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await db().$transaction(async (tx) => {
    const line = await tx.line.findUnique({ where: { id: o.lineId }, include: { customer: { select: { selfcareId: true } } } });
    if (!line) throw new AppError("NOT_FOUND");
    if (!line.blockedUntil || line.blockedUntil <= o.now) throw new AppError("NOT_BLOCKED");
    // Only the block is lifted: failedPasswordCount is the guess-slot counter of guesses in flight
    // (a block already set it to 0), which only those guesses give back.
    const u = await tx.line.updateMany({ where: { id: line.id, blockedUntil: { gt: o.now } }, data: { blockedUntil: null } });
    if (u.count !== 1) throw new AppError("NOT_BLOCKED");
    await audit(tx, {
      type: "STAFF_UNBLOCK_LINE",
      actor: "staff",
      at: o.now,
      selfcareId: line.customer.selfcareId,
      customerId: line.customerId,
      staffUserId: o.staff.id,
      lineNumber: line.number,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, wasBlockedUntil: line.blockedUntil?.toISOString() ?? null, failedPasswordCount: line.failedPasswordCount },
    });
  });
}
