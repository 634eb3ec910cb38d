"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { errorKeyOf, UNEXPECTED, type FormResult } from "@/lib/web/form-result";
import { codeSchema, type CodeInput } from "@/lib/auth/schemas";
import { Field, FormError } from "./forms";

/** The codes the code step shows (next-auth carries the code as its error string); else unexpected. */
const CODE_STEP_CODES = new Set(["CODE_FORMAT", "CODE_INVALID", "CODE_EXPIRED", "CHALLENGE_DEAD", "RATE_LIMITED"]);

/** The emailed code, handed to next-auth, which opens the session only if it is right. */
export function CodeForm({ next, loginPath, resend: resendAction }: { next: string; loginPath: string; resend: () => Promise<FormResult> }) {
  const t = useTranslations("verify");
  const [formError, setFormError] = useState<string | null>(null);
  const [dead, setDead] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const form = useForm<CodeInput>({ resolver: zodResolver(codeSchema), defaultValues: { code: "" } });

  const onSubmit = form.handleSubmit((values) => {
    setFormError(null);
    setInfo(null);
    startTransition(async () => {
      const result = await signIn("code", { code: values.code, redirect: false });
      if (result?.ok && !result.error) {
        window.location.assign(next);
        return;
      }
      const key = CODE_STEP_CODES.has(result?.error ?? "") ? errorKeyOf(result?.error) : UNEXPECTED;
      if (key === "errors.challengeDead") {
        setDead(true);
        setFormError(key);
      } else {
        form.setError("code", { message: key });
        form.setFocus("code");
      }
    });
  });

  const resend = () => {
    setFormError(null);
    setInfo(null);
    startTransition(async () => {
      const r = await resendAction();
      if (r.ok) {
        form.clearErrors();
        setInfo(t("resent", { email: r.message ?? "" }));
        router.refresh(); // the new expiry time
      } else {
        if (r.formError === "errors.challengeDead") setDead(true);
        setFormError(r.formError ?? "errors.unexpected");
      }
    });
  };

  return (
    <>
      <FormError error={formError} />
      {info ? (
        <p className="success" role="status">
          {info}
        </p>
      ) : null}
      {dead ? (
        <p>
          <Link href={loginPath} className="btn btn-primary">
            {t("backToLogin")}
          </Link>
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <Field
            id="code"
            label={t("code")}
            hint={t("codeHint")}
            error={form.formState.errors.code?.message}
            inputProps={{ ...form.register("code"), inputMode: "numeric", autoComplete: "one-time-code", maxLength: 12 }}
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={pending}>
              {t("submit")}
            </button>
            <button type="button" className="btn btn-secondary" onClick={resend} disabled={pending}>
              {t("resend")}
            </button>
          </div>
          <p className="small">{t("notReceived")}</p>
        </form>
      )}
    </>
  );
}
