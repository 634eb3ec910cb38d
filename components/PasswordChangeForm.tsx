"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect, useRef, useState, useTransition } from "react";
import { useForm, useWatch } from "react-hook-form";
import { textOf } from "@/i18n/runtime-key";
import { generateLinePassword } from "@/lib/lines/generate";
import { normalizePhoneNumber, passwordChangeSchema, type PasswordChangeData, type PasswordChangeInput } from "@/lib/lines/schemas";
import type { FormFailure } from "@/lib/web/form-result";
import type { Preview } from "@/lib/web/preview";
import { Field, FormError } from "./forms";
import { PasswordInput } from "./PasswordInput";

type Line = { number: string; serviceLabel: string };

/** The input screen's form: number (or a click on one of the customer's lines), passwords, 更新 / 戻る. */
/** A refused change: the form's failure, the change this form already made, a fresh key, the preview that holds now. */
type Refused = FormFailure & { accepted?: { changeId: string }; idempotencyKey?: string; preview?: Preview };

/** The server actions the page passes in (app/(customer)/password/actions.ts). */
export interface PasswordChangeActions {
  changePasswordAction: (input: unknown) => Promise<Refused>;
  /** `formKey`: the form's idempotency key, so the preview shown is recorded once per form (support timeline). */
  previewAction: (number: unknown, formKey?: unknown) => Promise<Preview | null>;
}

export function PasswordChangeForm({ idempotencyKey, lines, notices, actions }: { idempotencyKey: string; lines: Line[]; notices: React.ReactNode; actions: PasswordChangeActions }) {
  const { changePasswordAction, previewAction } = actions;
  const t = useTranslations("password");
  const te = useTranslations("errors");
  const [formError, setFormError] = useState<string | null>(null);
  const [accepted, setAccepted] = useState<string | null>(null);
  const [{ preview, moved: previewMoved }, setShown] = useState<{ preview: Preview | null; moved: boolean }>({ preview: null, moved: false });
  const [clockTick, setClockTick] = useState(0);
  const [pending, startTransition] = useTransition();
  const form = useForm<PasswordChangeInput, unknown, PasswordChangeData>({
    resolver: zodResolver(passwordChangeSchema),
    defaultValues: { number: "", currentPassword: "", newPassword: "", confirmPassword: "", idempotencyKey, promised: "" },
  });
  const { errors } = form.formState;
  const number = useWatch({ control: form.control, name: "number" });
  const requested = useRef(0);
  const [newVisible, setNewVisible] = useState(false);
  const [generated, setGenerated] = useState<string | null>(null);

  const generate = () => {
    const password = generateLinePassword(normalizePhoneNumber(form.getValues("number")));
    form.setValue("newPassword", password, { shouldValidate: form.formState.isSubmitted });
    form.setValue("confirmPassword", password, { shouldValidate: form.formState.isSubmitted });
    setNewVisible(true);
    setGenerated(password);
  };

  // The preview, and the promise 更新 sends back, follow what the screen shows.
  const showPreview = (p: Preview | null) => {
    // "moved": the same line's promise changed while the screen was open (the clock passed a boundary).
    setShown((before) => ({ preview: p, moved: Boolean(before.preview && p && before.preview.number === p.number && before.preview.promise !== p.promise) }));
    form.setValue("promised", p?.promise ?? "");
  };

  useEffect(() => {
    const ticket = ++requested.current;
    const handle = setTimeout(async () => {
      const p = number ? await previewAction(number, form.getValues("idempotencyKey")) : null;
      if (ticket === requested.current) showPreview(p);
    }, 250);
    return () => clearTimeout(handle);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- clockTick re-asks when the promise expires
  }, [number, clockTick]);

  // A preview knows when it stops being true (the next reflection boundary, by the server's clock):
  // ask again then, and whenever the page becomes visible (timers sleep in background tabs).
  useEffect(() => {
    if (!preview) return;
    const delay = Math.max(0, Date.parse(preview.changesAt) - Date.parse(preview.serverNow)) + 100;
    const handle = setTimeout(() => setClockTick((n) => n + 1), Math.min(delay, 2 ** 31 - 1));
    const onVisible = () => {
      if (document.visibilityState === "visible") setClockTick((n) => n + 1);
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(handle);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [preview]);

  const onSubmit = form.handleSubmit(
    (values) => {
      setFormError(null);
      setAccepted(null);
      startTransition(async () => {
        const result = await changePasswordAction(values);
        if (!result || result.ok !== false) return;
        // The form already made a change with other content: say which, and take a new key, so
        // that 更新 again is a new change (never a replay of the first one).
        if (result.accepted) setAccepted(result.accepted.changeId);
        if (result.idempotencyKey) form.setValue("idempotencyKey", result.idempotencyKey);
        // The reflection time moved on: show the one that holds now; 更新 again accepts it.
        if (result.preview) showPreview(result.preview);
        const fieldErrors = Object.entries(result.fieldErrors ?? {});
        for (const [name, key] of fieldErrors) form.setError(name as keyof PasswordChangeInput, { message: key });
        if (fieldErrors.length > 0) form.setFocus(fieldErrors[0]![0] as keyof PasswordChangeInput);
        if (result.formError) setFormError(textOf(te, result.formError.replace(/^errors\./, ""), { values: result.formErrorValues }));
      });
    },
    () => setFormError("errors.formHasErrors"),
  );

  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError error={formError} />
      {accepted ? (
        <p className="form-error-more" data-testid="form-already-used">
          <Link href={`/password/complete?id=${accepted}`}>{te("formAlreadyUsedLink")}</Link>
          <br />
          {te("formAlreadyUsedAgain")}
        </p>
      ) : null}
      <input type="hidden" {...form.register("idempotencyKey")} />
      <input type="hidden" {...form.register("promised")} />
      <div className="section-title">{t("section")}</div>
      <Field
        id="number"
        label={t("number")}
        hint={
          <>
            {t("numberHint1")}
            <br />
            {t("numberHint2")}
          </>
        }
        error={errors.number?.message}
        inputProps={{ ...form.register("number"), inputMode: "numeric", autoComplete: "off", placeholder: "05012345678" }}
        after={
          lines.length > 0 ? (
            <div className="line-picker">
              <p className="small" id="own-lines">
                {t("yourLines")}
              </p>
              <ul aria-labelledby="own-lines">
                {lines.map((l) => (
                  <li key={l.number}>
                    <button type="button" className="btn-link" onClick={() => form.setValue("number", l.number, { shouldValidate: true })}>
                      {t("lineButton", { number: l.number, service: l.serviceLabel })}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ) : null
        }
      />
      <div aria-live="polite" data-testid="reflection-preview">
        {preview ? (
          <p className="info preview">
            <strong>{t("previewTitle")}</strong>
            {preview.sentence}
            {previewMoved ? <span className="preview-moved"> {t("previewUpdated")}</span> : null}
          </p>
        ) : null}
      </div>
      <PasswordInput
        id="currentPassword"
        label={t("currentPassword")}
        error={errors.currentPassword?.message}
        registration={form.register("currentPassword")}
        autoComplete="off"
      />
      <PasswordInput
        id="newPassword"
        label={t("newPassword")}
        hint={t("newPasswordHint")}
        error={errors.newPassword?.message}
        registration={form.register("newPassword", { onChange: () => setGenerated(null) })}
        autoComplete="new-password"
        visible={newVisible}
        onVisibleChange={setNewVisible}
        extra={
          <button type="button" className="btn-link" onClick={generate}>
            {t("generate")}
          </button>
        }
      />
      <div aria-live="polite">
        {generated ? (
          <p className="success" data-testid="generated-password">
            {t("generated", { password: generated })}
          </p>
        ) : null}
      </div>
      <PasswordInput
        id="confirmPassword"
        label={t("confirmPassword")}
        error={errors.confirmPassword?.message}
        registration={form.register("confirmPassword")}
        autoComplete="new-password"
        visible={newVisible}
        onVisibleChange={setNewVisible}
      />
      {notices}
      <p>{t("reflectionCheck")}</p>
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? t("updating") : t("update")}
        </button>
        <Link href="/guide" className="btn btn-secondary">
          {t("back")}
        </Link>
      </div>
    </form>
  );
}
