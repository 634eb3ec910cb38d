import { audit, type ClientInfo } from "../audit";
import { clock } from "../clock";
import { db } from "../db";
import { AppError } from "../errors";

export interface Staff {
  id: string;
  loginId: string;
}

/** Ends a customer's lockout and any half-open sign-in; sessions are revoked too (audited). */
export async function unlockCustomer(o: { staff: Staff; customerId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await db().$transaction(async (tx) => {
    const c = await tx.customer.findUnique({ where: { id: o.customerId } });
    if (!c) throw new AppError("NOT_FOUND");
    await tx.customer.update({ where: { id: c.id }, data: { lockedUntil: null, failedLoginCount: 0, sessionVersion: { increment: 1 } } });
    const challenges = await tx.loginChallenge.updateMany({ where: { customerId: c.id, consumedAt: null, invalidatedAt: null }, data: { invalidatedAt: o.now } });
    await audit(tx, {
      type: "STAFF_UNLOCK",
      actor: "staff",
      at: o.now,
      selfcareId: c.selfcareId,
      customerId: c.id,
      staffUserId: o.staff.id,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, wasLockedUntil: c.lockedUntil?.toISOString() ?? null, challengesEnded: challenges.count },
    });
  });
}

/**
 * Puts a FAILED reflection back in the queue, due at once. Only the line's latest change can be
 * retried (a newer change supersedes a failed one), and only while its sealed credential is kept.
 */
export async function retryFailedChange(o: { staff: Staff; changeId: string; reason: string; now: Date; client: ClientInfo }): Promise<void> {
  await db().$transaction(async (tx) => {
    const change = await tx.passwordChange.findUnique({ where: { id: o.changeId }, include: { line: { include: { customer: true } } } });
    if (!change) throw new AppError("NOT_FOUND");
    if (change.status !== "FAILED" || !change.credential) throw new AppError("NOT_RETRYABLE");
    const updated = await tx.passwordChange.updateMany({
      where: { id: change.id, status: "FAILED" },
      // Due at once by the worker's (server) clock, even when the staff member's browser clock is simulated.
      data: { status: "PENDING", attempts: 0, nextAttemptAt: new Date(Math.min(o.now.getTime(), clock.now().getTime())), lastError: null },
    });
    if (updated.count !== 1) throw new AppError("NOT_RETRYABLE");
    await audit(tx, {
      type: "STAFF_RETRY",
      actor: "staff",
      at: o.now,
      selfcareId: change.line.customer.selfcareId,
      customerId: change.line.customerId,
      staffUserId: o.staff.id,
      lineNumber: change.line.number,
      client: o.client,
      details: { reason: o.reason, staff: o.staff.loginId, changeId: change.id, previousAttempts: change.attempts, previousError: change.lastError },
    });
  });
}
