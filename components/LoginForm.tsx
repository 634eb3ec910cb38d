"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import type { FormResult } from "@/lib/web/form-result";
import { loginSchema, type LoginInput } from "@/lib/auth/schemas";
import { Field, FormError } from "./forms";
import { PasswordInput } from "./PasswordInput";

/** セルフケアID / セルフケアパスワード with 送信 and リセット (which clears the fields and their errors). */
export function LoginForm({ next, action, idLabel }: { next?: string; action: (values: LoginInput, next?: string) => Promise<FormResult>; idLabel?: string }) {
  const t = useTranslations("login");
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const form = useForm<LoginInput>({ resolver: zodResolver(loginSchema), defaultValues: { selfcareId: "", password: "" }, shouldFocusError: true });
  const { errors } = form.formState;

  const onSubmit = form.handleSubmit((values) => {
    setFormError(null);
    startTransition(async () => {
      const result = await action(values, next);
      if (result && !result.ok) {
        for (const [name, key] of Object.entries(result.fieldErrors ?? {})) form.setError(name as keyof LoginInput, { message: key });
        if (result.formError) {
          setFormError(result.formError);
          form.setValue("password", "");
          form.setFocus("password");
        }
      }
    });
  });

  return (
    <form onSubmit={onSubmit} noValidate aria-describedby="login-form-error">
      <FormError id="login-form-error" error={formError} />
      <div className="section-title">{t("section")}</div>
      <Field
        id="selfcareId"
        label={idLabel ?? t("selfcareId")}
        error={errors.selfcareId?.message}
        inputProps={{ ...form.register("selfcareId"), placeholder: t("selfcareIdPlaceholder"), autoComplete: "username", autoCapitalize: "none", spellCheck: false }}
      />
      <PasswordInput id="password" label={t("password")} error={errors.password?.message} registration={form.register("password")} autoComplete="current-password" placeholder={t("passwordPlaceholder")} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? t("sending") : t("submit")}
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            form.reset({ selfcareId: "", password: "" });
            setFormError(null);
          }}
        >
          {t("reset")}
        </button>
      </div>
    </form>
  );
}
