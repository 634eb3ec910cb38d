"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import type { FormResult } from "@/lib/web/form-result";
import { loginSchema, type LoginInput } from "@/lib/auth/schemas";
import { Field, FormError } from "./forms";
import { PasswordInput } from "./PasswordInput";

/** What the staff login says instead of the customer's words (担当者ID / 担当者パスワード). */
const STAFF_WORDS: Record<string, string> = {
  "errors.selfcareIdRequired": "errors.staffIdRequired",
  "errors.selfcareIdTooLong": "errors.staffIdTooLong",
  "errors.selfcarePasswordRequired": "errors.staffPasswordRequired",
  "errors.selfcarePasswordTooLong": "errors.staffPasswordTooLong",
  "errors.invalidCredentials": "errors.staffInvalidCredentials",
};

/**
 * セルフケアID / セルフケアパスワード with 送信 and リセット (which clears the fields and their errors);
 * for staff, 担当者ID / 担当者パスワード, and messages in those words.
 */
export function LoginForm({ next, action, audience = "customer" }: { next?: string; action: (values: LoginInput, next?: string) => Promise<FormResult>; audience?: "customer" | "staff" }) {
  const t = useTranslations("login");
  const ts = useTranslations("staff");
  const staff = audience === "staff";
  const words = (key: string | null | undefined) => (key && staff ? (STAFF_WORDS[key] ?? key) : (key ?? undefined));
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
      <FormError id="login-form-error" error={words(formError)} />
      <div className="section-title">{staff ? ts("loginSection") : t("section")}</div>
      <Field
        id="selfcareId"
        label={staff ? ts("loginId") : t("selfcareId")}
        error={words(errors.selfcareId?.message)}
        inputProps={{ ...form.register("selfcareId"), placeholder: staff ? ts("loginIdPlaceholder") : t("selfcareIdPlaceholder"), autoComplete: "username", autoCapitalize: "none", spellCheck: false }}
      />
      <PasswordInput
        id="password"
        label={staff ? ts("loginPassword") : t("password")}
        error={words(errors.password?.message)}
        registration={form.register("password")}
        autoComplete="current-password"
        placeholder={staff ? ts("loginPasswordPlaceholder") : t("passwordPlaceholder")}
      />
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
