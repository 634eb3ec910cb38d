"use client";

import { useTranslations } from "next-intl";
import { useState, type ReactNode } from "react";
import type { UseFormRegisterReturn } from "react-hook-form";
import { Field } from "./forms";

/** A password field with a show/hide toggle; pasting is allowed (nothing blocks it). */
export function PasswordInput({
  id,
  label,
  hint,
  error,
  registration,
  autoComplete,
  visible,
  onVisibleChange,
  extra,
  placeholder,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  registration: UseFormRegisterReturn;
  autoComplete: string;
  visible?: boolean;
  onVisibleChange?: (v: boolean) => void;
  extra?: ReactNode;
  placeholder?: string;
}) {
  const t = useTranslations("password");
  const [own, setOwn] = useState(false);
  const shown = visible ?? own;
  const setShown = onVisibleChange ?? setOwn;
  return (
    <Field
      id={id}
      label={label}
      hint={hint}
      error={error}
      inputProps={{ ...registration, "data-secret": "", type: shown ? "text" : "password", autoComplete, placeholder, maxLength: 128, spellCheck: false, autoCapitalize: "none" }}
      after={
        <div className="password-tools">
          <button type="button" className="btn-link" aria-controls={id} aria-pressed={shown} onClick={() => setShown(!shown)}>
            {shown ? t("hide") : t("show")}
          </button>
          {extra}
        </div>
      }
    />
  );
}
