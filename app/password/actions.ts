"use server";

import { redirect } from "next/navigation";
import { isAppError } from "@/lib/errors";
import { formatJst } from "@/lib/format";
import { changeLinePassword } from "@/lib/lines/change-password";
import { findOwnLine, reflectionPreview } from "@/lib/lines/queries";
import { normalizePhoneNumber, passwordChangeSchema, PHONE_PATTERN } from "@/lib/lines/schemas";
import { log } from "@/lib/log";
import { parseForm } from "@/lib/validation/parse-form";
import { pageLocale } from "@/lib/web/locale";
import { requestContext } from "@/lib/web/request";
import { requireCustomer } from "@/lib/web/session";
import { previewSentence } from "./reflection-text";

export type ChangeResult = { ok: false; formError?: string; formErrorValues?: Record<string, string>; fieldErrors?: Record<string, string> };

/** 更新: check the session, parse with the form's own schema, call the use-case, map its result. */
export async function changePasswordAction(input: unknown): Promise<ChangeResult> {
  const { principal } = await requireCustomer();
  const parsed = parseForm(passwordChangeSchema, input);
  if (!parsed.success) {
    const { fieldErrors } = parsed;
    if (fieldErrors.idempotencyKey) return { ok: false, formError: fieldErrors.idempotencyKey };
    return { ok: false, fieldErrors };
  }
  const { now, client } = await requestContext();
  let changeId: string;
  try {
    const result = await changeLinePassword({
      customer: { id: principal.id, loginId: principal.loginId, email: principal.email, locale: principal.locale },
      number: parsed.data.number,
      currentPassword: parsed.data.currentPassword,
      newPassword: parsed.data.newPassword,
      idempotencyKey: parsed.data.idempotencyKey,
      now,
      client,
    });
    changeId = result.changeId;
  } catch (error) {
    if (isAppError(error)) {
      if (error.code === "LINE_NOT_FOUND") return { ok: false, fieldErrors: { number: "errors.lineNotFound" } };
      if (error.code === "CURRENT_PASSWORD_WRONG") return { ok: false, fieldErrors: { currentPassword: "errors.currentPasswordWrong" } };
      if (error.code === "FORM_EXPIRED") return { ok: false, formError: "errors.formExpired" };
      if (error.code === "LINE_BLOCKED") return { ok: false, formError: "errors.lineBlocked", formErrorValues: { until: formatJst(new Date(error.message), await pageLocale()) } };
    }
    log.error({ err: error }, "password change failed");
    return { ok: false, formError: "errors.unexpected" };
  }
  redirect(`/password/complete?id=${changeId}`);
}

/** The reflection preview for a number, once it is one of this customer's lines (else null). */
export async function previewAction(number: unknown): Promise<{ number: string; sentence: string } | null> {
  const { principal } = await requireCustomer();
  if (typeof number !== "string" || number.length > 64) return null;
  const normalized = normalizePhoneNumber(number);
  if (!PHONE_PATTERN.test(normalized)) return null;
  const line = await findOwnLine(principal.id, normalized);
  if (!line) return null;
  const { now } = await requestContext();
  return { number: normalized, sentence: await previewSentence(reflectionPreview(line.service, now)) };
}
