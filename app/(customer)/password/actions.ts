"use server";

import { randomUUID } from "node:crypto";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { database } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { formatJst } from "@/lib/format";
import { cancelPendingChange, changeLinePassword, LINE_BLOCK_MS } from "@/lib/lines/change-password";
import { weakLinePasswordReason } from "@/lib/lines/password-strength";
import { recordPreviewShown, type PreviewShown } from "@/lib/lines/preview-shown";
import { findOwnLine, reflectionPreview } from "@/lib/lines/queries";
import { normalizePhoneNumber, passwordChangeSchema, PHONE_PATTERN } from "@/lib/lines/schemas";
import { log } from "@/lib/log";
import { formFailure } from "@/lib/web/form-errors";
import { ERROR_KEYS, type FormResult } from "@/lib/web/form-result";
import { isUuid } from "@/lib/validation/ids";
import type { ServiceType } from "@/lib/schedule";
import { parseForm } from "@/lib/validation/parse-form";
import { pageLocale } from "@/lib/web/locale";
import type { Preview } from "@/lib/web/preview";
import { requestContext } from "@/lib/web/request";
import { requireCustomer } from "@/lib/web/session";
import { previewSentence, reflectionWhen } from "@/lib/web/reflection-text";


/** What a refused change adds to the form's failure. */
interface ChangeRefused {
  /** FORM_ALREADY_USED: the change this form made, and a fresh key for a new change. */
  accepted?: { changeId: string };
  idempotencyKey?: string;
  /** REFLECTION_CHANGED: the preview that holds now. */
  preview?: Preview;
}

/** 更新 answers only when it refuses (an accepted change redirects to the completion screen). */
export type ChangeResult = Extract<FormResult<object, ChangeRefused>, { ok: false }>;

async function previewFor(number: string, service: ServiceType, now: Date, shown?: Omit<PreviewShown, "preview" | "lineNumber">): Promise<Preview> {
  const p = reflectionPreview(service, now);
  // The support timeline's "preview shown": once per form and line, again when the promise changes.
  const [sentence] = await Promise.all([previewSentence(p), shown ? recordPreviewShown({ ...shown, lineNumber: number, preview: p }) : null]);
  return { number, sentence, promise: p.promise, changesAt: p.changesAt.toISOString(), serverNow: now.toISOString() };
}

/** 更新: check the session, parse with the form's own schema, call the use-case, map its result. */
export async function changePasswordAction(input: unknown): Promise<ChangeResult> {
  const { principal } = await requireCustomer();
  const parsed = parseForm(passwordChangeSchema, input);
  if (!parsed.success) {
    const { fieldErrors } = parsed;
    if (fieldErrors.idempotencyKey) return { ok: false, formError: fieldErrors.idempotencyKey };
    if (fieldErrors.promised) return { ok: false, formError: fieldErrors.promised };
    return { ok: false, fieldErrors };
  }
  // What the shared schema cannot know: whose line it is (the self-care ID as a password).
  const weak = weakLinePasswordReason(parsed.data.newPassword, { selfcareId: principal.loginId, number: parsed.data.number });
  if (weak) return { ok: false, fieldErrors: { newPassword: weak } };
  const { now, client } = await requestContext();
  const locale = await pageLocale();
  const handle = database();
  let changeId: string;
  try {
    const result = await changeLinePassword(handle, {
      customer: { id: principal.id, loginId: principal.loginId, email: principal.email, locale: principal.locale },
      number: parsed.data.number,
      currentPassword: parsed.data.currentPassword,
      newPassword: parsed.data.newPassword,
      idempotencyKey: parsed.data.idempotencyKey,
      // A screen that showed no promise (none loaded yet) promised nothing: the time is shown first.
      promised: parsed.data.promised ?? "",
      now,
      client,
    });
    changeId = result.changeId;
  } catch (error) {
    return formFailure<ChangeRefused>(
      error,
      {
        LINE_NOT_FOUND: true,
        FORM_EXPIRED: true,
        // Where the current line password is written (or, with a change waiting, which password is
        // "current"), and how many wrong tries remain before changes to the line stop for 30 minutes.
        CURRENT_PASSWORD_WRONG: async (e) => {
          const t = await getTranslations();
          const wrong = e.data.pendingSince ? t("errors.currentPasswordWrongPending", { requestedAt: formatJst(new Date(e.data.pendingSince), locale) }) : t("errors.currentPasswordWrongWhere");
          const remaining = Number(e.data.remaining ?? 0);
          const warning = remaining > 0 ? ` ${t("errors.currentPasswordRemaining", { remaining: String(remaining), minutes: String(LINE_BLOCK_MS / 60_000) })}` : "";
          return { ok: false, fieldErrors: { currentPassword: `${wrong}${warning}` } };
        },
        LINE_BLOCKED: (e) => ({ ok: false, formError: ERROR_KEYS.LINE_BLOCKED, formErrorValues: { until: formatJst(new Date(e.data.until), locale) } }),
        FORM_ALREADY_USED: (e) => ({
          ok: false,
          formError: ERROR_KEYS.FORM_ALREADY_USED,
          formErrorValues: { requestedAt: formatJst(new Date(e.data.requestedAt), locale) },
          accepted: { changeId: e.data.changeId },
          idempotencyKey: randomUUID(),
        }),
        REFLECTION_CHANGED: async (e) => {
          const line = await findOwnLine(handle, principal.id, parsed.data.number);
          if (!line) return null;
          const when = reflectionWhen(await getTranslations(), locale, { service: line.service, dueAt: new Date(e.data.dueAt), deadline: new Date(e.data.deadline) });
          const shown = { database: handle, customer: { id: principal.id, loginId: principal.loginId }, formKey: parsed.data.idempotencyKey, client };
          return { ok: false, formError: ERROR_KEYS.REFLECTION_CHANGED, formErrorValues: { when }, preview: await previewFor(line.number, line.service, now, shown) };
        },
      },
      "password change failed",
    );
  }
  redirect(`/password/complete?id=${changeId}`);
}

/** The reflection preview for a number, once it is one of this customer's lines (else null). */
export async function previewAction(number: unknown, formKey?: unknown): Promise<Preview | null> {
  const { principal } = await requireCustomer();
  if (typeof number !== "string" || number.length > 64) return null;
  const normalized = normalizePhoneNumber(number);
  if (!PHONE_PATTERN.test(normalized)) return null;
  const handle = database();
  const line = await findOwnLine(handle, principal.id, normalized);
  if (!line) return null;
  const { now, client } = await requestContext();
  return previewFor(normalized, line.service, now, { database: handle, customer: { id: principal.id, loginId: principal.loginId }, formKey, client });
}

/**
 * 取り消す on the cancel screen (a plain form post, so it works without JavaScript too): withdraws
 * the customer's own unreflected change, then shows the history with the outcome.
 */
export async function cancelChangeAction(formData: FormData): Promise<void> {
  const { principal } = await requireCustomer();
  const id = formData.get("changeId");
  if (!isUuid(id)) redirect("/history");
  const { now, client } = await requestContext();
  let outcome: string;
  try {
    await cancelPendingChange(database(), { customer: { id: principal.id, loginId: principal.loginId, email: principal.email, locale: principal.locale }, changeId: id, now, client });
    outcome = "done";
  } catch (error) {
    if (!isAppError(error)) {
      log.error({ err: error }, "cancel failed");
      outcome = "unexpected";
    } else if (error.code === "CHANGE_NOT_FOUND") outcome = "notFound";
    else if (error.code === "ALREADY_REFLECTED") outcome = "alreadyReflected";
    else if (error.is("NOT_CANCELLABLE") && (error.data.status === "PENDING" || error.data.status === "FAILED")) outcome = "cancelNeedsSupport";
    else outcome = "notCancellable";
  }
  redirect(outcome === "done" ? `/history?cancelled=${id}` : `/password/cancel?id=${id}&error=${outcome}`);
}
