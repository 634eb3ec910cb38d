"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import Link from "next/link";
import { useEffect, useRef, useState, useTransition } from "react";
import { useForm, useWatch } from "react-hook-form";
import { changePasswordAction, previewAction } from "@/app/password/actions";
import { textOf } from "@/i18n/runtime-key";
import { generateLinePassword } from "@/lib/lines/generate";
import { normalizePhoneNumber, passwordChangeSchema, type PasswordChangeData, type PasswordChangeInput } from "@/lib/lines/schemas";
import { Field, FormError } from "./forms";
import { PasswordInput } from "./PasswordInput";

type Line = { number: string; serviceLabel: string };

/** The input screen's form: number (or a click on one of the customer's lines), passwords, 更新 / 戻る. */
export function PasswordChangeForm({ idempotencyKey, lines, notices }: { idempotencyKey: string; lines: Line[]; notices: React.ReactNode }) {
  const t = useTranslations("password");
  const te = useTranslations("errors");
  const [formError, setFormError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ number: string; sentence: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const form = useForm<PasswordChangeInput, unknown, PasswordChangeData>({
    resolver: zodResolver(passwordChangeSchema),
    defaultValues: { number: "", currentPassword: "", newPassword: "", confirmPassword: "", idempotencyKey },
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

  useEffect(() => {
    const ticket = ++requested.current;
    const handle = setTimeout(async () => {
      const p = number ? await previewAction(number) : null;
      if (ticket === requested.current) setPreview(p);
    }, 250);
    return () => clearTimeout(handle);
  }, [number]);

  const onSubmit = form.handleSubmit(
    (values) => {
      setFormError(null);
      startTransition(async () => {
        const result = await changePasswordAction(values);
        if (!result || result.ok !== false) return;
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
      <input type="hidden" {...form.register("idempotencyKey")} />
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
          <p className="notice preview">
            <strong>{t("previewTitle")}</strong>
            {preview.sentence}
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
