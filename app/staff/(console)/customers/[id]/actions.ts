"use server";

import { revalidatePath } from "next/cache";
import { retryFailedChange, unlockCustomer, unlockStaff } from "@/lib/support/commands";
import { dropLineBindings, unblockLine } from "@/lib/support/registrar-actions";
import { staffActionSchema } from "@/lib/support/schemas";
import { isUuid } from "@/lib/validation/ids";
import { parseForm } from "@/lib/validation/parse-form";
import { formFailure } from "@/lib/web/form-errors";
import { ERROR_KEYS, type FormResult } from "@/lib/web/form-result";
import { requestContext } from "@/lib/web/request";
import { requireStaff } from "@/lib/web/session";
import { database } from "@/lib/db";


async function run(targetId: unknown, input: unknown, fn: (staff: { id: string; loginId: string }, id: string, reason: string) => Promise<void>): Promise<FormResult> {
  const { principal } = await requireStaff();
  if (!isUuid(targetId)) return { ok: false, formError: "errors.notFound" };
  const parsed = parseForm(staffActionSchema, input);
  if (!parsed.success) return { ok: false, fieldErrors: parsed.fieldErrors };
  try {
    await fn({ id: principal.id, loginId: principal.loginId }, targetId, parsed.data.reason);
  } catch (error) {
    // Anything refused but "not retryable" reads as not found: the target is gone or not this one.
    return formFailure(error, { NOT_RETRYABLE: true, REGISTRAR_UNAVAILABLE: true, REGISTRAR_REFUSED: true, REGISTRAR_NOT_CONFIGURED: true, NOT_BLOCKED: true }, "staff action failed", ERROR_KEYS.NOT_FOUND);
  }
  revalidatePath("/staff/customers/[id]", "page");
  revalidatePath("/staff", "page");
  return { ok: true };
}

/** Unlock a locked self-care account (confirmed, with a reason; audited). */
export async function unlockAction(customerId: unknown, input: unknown): Promise<FormResult> {
  const { now, client } = await requestContext();
  return run(customerId, input, (staff, id, reason) => unlockCustomer(database(), { staff, customerId: id, reason, now, client }));
}

/** Retry a FAILED reflection (confirmed, with a reason; audited). */
export async function retryAction(changeId: unknown, input: unknown): Promise<FormResult> {
  const { now, client } = await requestContext();
  return run(changeId, input, (staff, id, reason) => retryFailedChange(database(), { staff, changeId: id, reason, now, client }));
}

/** Unlock another staff member's locked account (confirmed, with a reason; audited). */
export async function unlockStaffAction(staffUserId: unknown, input: unknown): Promise<FormResult> {
  const { now, client } = await requestContext();
  return run(staffUserId, input, (staff, id, reason) => unlockStaff(database(), { staff, staffUserId: id, reason, now, client }));
}

/** Drop a line's bindings at the registrar (ul.rm; confirmed, with a reason; audited). */
export async function dropBindingsAction(lineId: unknown, input: unknown): Promise<FormResult> {
  const { now, client } = await requestContext();
  return run(lineId, input, (staff, id, reason) => dropLineBindings(database(), { staff, lineId: id, reason, now, client }));
}

/** Lift a line's change block (confirmed, with a reason; audited). */
export async function unblockLineAction(lineId: unknown, input: unknown): Promise<FormResult> {
  const { now, client } = await requestContext();
  return run(lineId, input, (staff, id, reason) => unblockLine(database(), { staff, lineId: id, reason, now, client }));
}
