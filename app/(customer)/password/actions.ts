"use server";

import { randomUUID } from "node:crypto";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { isAppError } from "@/lib/errors";
import { formatJst } from "@/lib/format";
import { cancelPendingChange, changeLinePassword, LINE_BLOCK_MS } from "@/lib/lines/change-password";
import { weakLinePasswordReason } from "@/lib/lines/password-strength";
import { findOwnLine, reflectionPreview } from "@/lib/lines/queries";
import { normalizePhoneNumber, passwordChangeSchema, PHONE_PATTERN } from "@/lib/lines/schemas";
import { log } from "@/lib/log";
import { isUuid } from "@/lib/validation/ids";
import type { ServiceType } from "@/lib/schedule";
import { parseForm } from "@/lib/validation/parse-form";
import { pageLocale } from "@/lib/web/locale";
import { requestContext } from "@/lib/web/request";
import { requireCustomer } from "@/lib/web/session";
import { previewSentence, reflectionWhen } from "@/lib/web/reflection-text";

/** What the input screen shows before 更新, and what it sends back as the promise it showed. */
export interface Preview {
  number: string;
  sentence: string;
  promise: string;
  /** ISO instants: when the preview stops being true, and the server's "now" it was made at. */
  changesAt: string;
  serverNow: string;
}

export type ChangeResult = {
  ok: false;
  /** A catalogue key, or a sentence the server has already formatted. */
  formError?: string;
  formErrorValues?: Record<string, string>;
  fieldErrors?: Record<string, string>;
  /** FORM_ALREADY_USED: the change this form made, and a fresh key for a new change. */
  accepted?: { changeId: string };
  idempotencyKey?: string;
  /** REFLECTION_CHANGED: the preview that holds now. */
  preview?: Preview;
};

async function previewFor(number: string, service: ServiceType, now: Date): Promise<Preview> {
  const p = reflectionPreview(service, now);
  return { number, sentence: await previewSentence(p), promise: p.promise, changesAt: p.changesAt.toISOString(), serverNow: now.toISOString() };
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
  let changeId: string;
  try {
    const result = await changeLinePassword({
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
    if (isAppError(error)) {
      const t = await getTranslations();
      const d = error.details;
      if (error.code === "LINE_NOT_FOUND") return { ok: false, fieldErrors: { number: "errors.lineNotFound" } };
      if (error.code === "CURRENT_PASSWORD_WRONG") {
        // How many wrong tries remain before changes to the line stop for 30 minutes, and where the
        // current line password is written (or, with a change waiting, which password is "current").
        const wrong = d.pendingSince ? t("errors.currentPasswordWrongPending", { requestedAt: formatJst(new Date(d.pendingSince), locale) }) : t("errors.currentPasswordWrongWhere");
        const remaining = Number(d.remaining);
        const warning = remaining > 0 ? ` ${t("errors.currentPasswordRemaining", { remaining: String(remaining), minutes: String(LINE_BLOCK_MS / 60_000) })}` : "";
        return { ok: false, fieldErrors: { currentPassword: `${wrong}${warning}` } };
      }
      if (error.code === "FORM_EXPIRED") return { ok: false, formError: "errors.formExpired" };
      if (error.code === "LINE_BLOCKED") return { ok: false, formError: "errors.lineBlocked", formErrorValues: { until: formatJst(new Date(error.message), locale) } };
      if (error.code === "FORM_ALREADY_USED" && d.changeId && d.requestedAt) {
        return {
          ok: false,
          formError: "errors.formAlreadyUsed",
          formErrorValues: { requestedAt: formatJst(new Date(d.requestedAt), locale) },
          accepted: { changeId: d.changeId },
          idempotencyKey: randomUUID(),
        };
      }
      if (error.code === "REFLECTION_CHANGED" && d.dueAt && d.deadline) {
        const line = await findOwnLine(principal.id, parsed.data.number);
        if (line) {
          const when = reflectionWhen(t, locale, { service: line.service, dueAt: new Date(d.dueAt), deadline: new Date(d.deadline) });
          return { ok: false, formError: "errors.reflectionChanged", formErrorValues: { when }, preview: await previewFor(line.number, line.service, now) };
        }
      }
    }
    log.error({ err: error }, "password change failed");
    return { ok: false, formError: "errors.unexpected" };
  }
  redirect(`/password/complete?id=${changeId}`);
}

/** The reflection preview for a number, once it is one of this customer's lines (else null). */
export async function previewAction(number: unknown): Promise<Preview | null> {
  const { principal } = await requireCustomer();
  if (typeof number !== "string" || number.length > 64) return null;
  const normalized = normalizePhoneNumber(number);
  if (!PHONE_PATTERN.test(normalized)) return null;
  const line = await findOwnLine(principal.id, normalized);
  if (!line) return null;
  const { now } = await requestContext();
  return previewFor(normalized, line.service, now);
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
    await cancelPendingChange({ customer: { id: principal.id, loginId: principal.loginId, email: principal.email, locale: principal.locale }, changeId: id, now, client });
    outcome = "done";
  } catch (error) {
    if (!isAppError(error)) {
      log.error({ err: error }, "cancel failed");
      outcome = "unexpected";
    } else if (error.code === "CHANGE_NOT_FOUND") outcome = "notFound";
    else if (error.code === "ALREADY_REFLECTED") outcome = "alreadyReflected";
    else if (error.code === "NOT_CANCELLABLE" && (error.message === "PENDING" || error.message === "FAILED")) outcome = "cancelNeedsSupport";
    else outcome = "notCancellable";
  }
  redirect(outcome === "done" ? `/history?cancelled=${id}` : `/password/cancel?id=${id}&error=${outcome}`);
}
