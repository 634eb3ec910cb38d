"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { errorKeyOf, UNEXPECTED, type FormResult } from "@/lib/web/form-result";
import { codeSchema, type CodeInput } from "@/lib/auth/schemas";
import { Field, FormError } from "./forms";

/** Once a minute (lib/auth/login.ts RESEND_SPACING_MS, which the server enforces). */
const RESEND_SECONDS = 60;

/** The codes the code step shows (next-auth carries the code as its error string); else unexpected. */
const CODE_STEP_CODES = new Set(["CODE_FORMAT", "CODE_INVALID", "CODE_EXPIRED", "CHALLENGE_DEAD", "RATE_LIMITED"]);

/** Wrong codes left at which the screen starts saying how many remain (after the 2nd wrong one of 5). */
const SAY_ATTEMPTS_FROM = 3;

/** Seconds until `deadline` (a Date.now() value, at most a minute away), counted down once a second. */
function useCountdown(deadline: number): number {
  const [now, setNow] = useState(() => Date.now());
  const seconds = Math.min(RESEND_SECONDS, Math.max(0, Math.ceil((deadline - now) / 1000)));
  useEffect(() => {
    if (deadline <= Date.now()) return;
    const handle = setInterval(() => {
      const t = Date.now();
      setNow(t);
      if (t >= deadline) clearInterval(handle);
    }, 1000);
    return () => clearInterval(handle);
  }, [deadline]);
  return seconds;
}

/**
 * The emailed code, handed to next-auth, which opens the session only if it is right. The field has
 * the focus on arrival; "resend" counts down until it is allowed (once a minute); after wrong codes
 * the screen says how many may still be entered.
 */
export function CodeForm({
  next,
  loginPath,
  resend: resendAction,
  attemptsLeft,
  resendInSeconds,
}: {
  next: string;
  loginPath: string;
  resend: () => Promise<FormResult>;
  /** Wrong codes that may still be entered (the server's count, refreshed after each try). */
  attemptsLeft: number;
  /** Seconds until a new code may be asked for, by the server's clock. */
  resendInSeconds: number;
}) {
  const t = useTranslations("verify");
  const [resendDeadline, setResendDeadline] = useState(() => Date.now() + resendInSeconds * 1000);
  const resendIn = useCountdown(resendDeadline);
  const [formError, setFormError] = useState<string | null>(null);
  const [dead, setDead] = useState(false);
  const [info, setInfo] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const form = useForm<CodeInput>({ resolver: zodResolver(codeSchema), defaultValues: { code: "" } });

  useEffect(() => {
    form.setFocus("code");
    // Back to this screen from the browser's page cache after signing in: ask the server again
    // (it sends a signed-in browser on to the menu).
    const onShow = (e: PageTransitionEvent) => {
      if (e.persisted) window.location.reload();
    };
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, [form]);

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
        if (key === "errors.codeInvalid") router.refresh(); // the attempts left, counted by the server
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
        setResendDeadline(Date.now() + RESEND_SECONDS * 1000);
        router.refresh(); // the new expiry time
      } else {
        if (r.formError === "errors.challengeDead") setDead(true);
        // Too soon after all (another tab asked first): count down from a full minute again.
        if (r.formError === "errors.resendTooSoon") setResendDeadline(Date.now() + RESEND_SECONDS * 1000);
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
            inputProps={{ ...form.register("code"), "data-secret": "", inputMode: "numeric", autoComplete: "one-time-code", maxLength: 12 }}
            after={
              <p className="attempts-left" data-testid="attempts-left" aria-live="polite">
                {form.formState.errors.code?.message === "errors.codeInvalid" && attemptsLeft > 0 && attemptsLeft <= SAY_ATTEMPTS_FROM ? t("attemptsLeft", { count: String(attemptsLeft) }) : null}
              </p>
            }
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={pending}>
              {t("submit")}
            </button>
            <button type="button" className="btn btn-secondary" onClick={resend} disabled={pending || resendIn > 0} aria-describedby="resend-wait">
              {t("resend")}
            </button>
          </div>
          <p className="small" id="resend-wait" data-testid="resend-wait">
            {resendIn > 0 ? t("resendIn", { seconds: String(resendIn) }) : t("notReceived")}
          </p>
        </form>
      )}
      <p>
        <Link href={loginPath} className="target" data-testid="back-to-login">
          {t("backToLoginAgain")}
        </Link>
      </p>
    </>
  );
}
