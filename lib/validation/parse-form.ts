import type * as z from "zod/mini";

export type FormParse<T> = { success: true; data: T } | { success: false; fieldErrors: Record<string, string> };

/**
 * A server action's input parsed with its form's schema (the one the browser used). Anything may
 * arrive over HTTP: a non-object is parsed as an empty form, so it gets the form's own field
 * errors. On failure, the first message (a key of the "errors" catalogue) of each field; an issue
 * on the form as a whole is under "form".
 */
export function parseForm<S extends z.ZodMiniType>(schema: S, input: unknown): FormParse<z.output<S>> {
  const parsed = schema.safeParse(input !== null && typeof input === "object" && !Array.isArray(input) ? input : {});
  if (parsed.success) return { success: true, data: parsed.data };
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? "form")] ??= issue.message;
  return { success: false, fieldErrors };
}
