"use client";

import { useTranslations } from "next-intl";
import type { InputHTMLAttributes, ReactNode } from "react";
import { textOf } from "@/i18n/runtime-key";

/**
 * A labelled input whose hint and error are linked with aria-describedby; the input is marked
 * aria-invalid while it has an error. `error` is a key of the "errors" catalogue.
 */
export function Field({
  id,
  label,
  hint,
  error,
  inputProps,
  after,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  /** `data-secret`: a value the language switch must never store (components/LanguageSwitchButton). */
  inputProps: InputHTMLAttributes<HTMLInputElement> & { ref?: React.Ref<HTMLInputElement>; "data-secret"?: string };
  after?: ReactNode;
}) {
  const t = useTranslations();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined} {...inputProps} />
      {after}
      {error ? (
        <p id={errorId} className="field-error">
          {textOf(t, error)}
        </p>
      ) : null}
    </div>
  );
}

/** The form-level message, announced to screen readers when it appears. */
export function FormError({ error, id }: { error?: string | null; id?: string }) {
  const t = useTranslations();
  return (
    <div id={id} role="alert" aria-live="assertive">
      {error ? <p className="form-error">{textOf(t, error)}</p> : null}
    </div>
  );
}
