"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { useForm } from "react-hook-form";
import { staffActionSchema, type StaffActionInput } from "@/lib/support/schemas";
import { textOf } from "@/i18n/runtime-key";
import type { FormResult } from "@/lib/web/form-result";
import { FormError } from "./forms";

/** A support action that asks for a reason and an explicit confirmation before it runs. */
export function StaffActionForm({ id, title, lead, targetId, action }: { id: string; title: string; lead: string; targetId: string; action: (targetId: string, input: StaffActionInput) => Promise<FormResult> }) {
  const t = useTranslations();
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const form = useForm<StaffActionInput>({ resolver: zodResolver(staffActionSchema), defaultValues: { reason: "", confirm: false as unknown as true } });
  const errors = form.formState.errors;

  if (!open)
    return (
      <div>
        {done ? (
          <p className="success" role="status">
            {t("staff.done")}
          </p>
        ) : null}
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(true)}>
          {title}
        </button>
      </div>
    );

  const onSubmit = form.handleSubmit((values) => {
    setFormError(null);
    startTransition(async () => {
      const r = await action(targetId, values);
      if (r.ok) {
        setDone(true);
        setOpen(false);
        form.reset();
        return;
      }
      for (const [name, key] of Object.entries(r.fieldErrors ?? {})) form.setError(name as keyof StaffActionInput, { message: key });
      if (r.formError) setFormError(r.formError);
    });
  });

  return (
    <form onSubmit={onSubmit} noValidate className="staff-action" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p className="small">{lead}</p>
      <FormError error={formError} />
      <div className="field">
        <label htmlFor={`${id}-reason`}>{t("staff.reason")}</label>
        <textarea id={`${id}-reason`} rows={2} aria-invalid={errors.reason ? true : undefined} aria-describedby={errors.reason ? `${id}-reason-error` : undefined} {...form.register("reason")} />
        {errors.reason?.message ? (
          <p id={`${id}-reason-error`} className="field-error">
            {textOf(t, errors.reason.message)}
          </p>
        ) : null}
      </div>
      <div className="field checkbox">
        <input id={`${id}-confirm`} type="checkbox" aria-invalid={errors.confirm ? true : undefined} aria-describedby={errors.confirm ? `${id}-confirm-error` : undefined} {...form.register("confirm")} />
        <label htmlFor={`${id}-confirm`}>{t("staff.confirm")}</label>
        {errors.confirm?.message ? (
          <p id={`${id}-confirm-error`} className="field-error">
            {textOf(t, errors.confirm.message)}
          </p>
        ) : null}
      </div>
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {t("staff.execute")}
      </button>
    </form>
  );
}
