import type { AppErrorCode } from "../errors";

/** Field name → message (a catalogue key such as "errors.required", or a sentence already formatted). */
export type FieldErrors = Record<string, string>;

/** A form the server refused: one message for the form and/or one per field; never a raw error. */
export interface FormFailure {
  ok: false;
  /** A catalogue key, or a sentence the server has already formatted. */
  formError?: string;
  formErrorValues?: Record<string, string>;
  fieldErrors?: FieldErrors;
}

/**
 * What every server action behind a form returns: success (with what the screen shows next) or a
 * FormFailure, plus whatever a particular form adds to its failures (`Fail`).
 */
export type FormResult<Ok extends object = { message?: string }, Fail extends object = object> = ({ ok: true } & Ok) | (FormFailure & Fail);

export const UNEXPECTED = "errors.unexpected";

/**
 * The one table from an error code to its message key. Domain codes (lib/errors.ts) and the code
 * step's own CODE_FORMAT, which next-auth carries to the browser as its error string.
 */
export const ERROR_KEYS: { readonly [C in AppErrorCode | "CODE_FORMAT"]: string } = {
  INVALID_CREDENTIALS: "errors.invalidCredentials",
  RATE_LIMITED: "errors.rateLimited",
  CHALLENGE_DEAD: "errors.challengeDead",
  RESEND_TOO_SOON: "errors.resendTooSoon",
  CODE_FORMAT: "errors.codeFormat",
  CODE_INVALID: "errors.codeInvalid",
  CODE_EXPIRED: "errors.codeExpired",
  LINE_NOT_FOUND: "errors.lineNotFound",
  CURRENT_PASSWORD_WRONG: "errors.currentPasswordWrong",
  FORM_EXPIRED: "errors.formExpired",
  LINE_BLOCKED: "errors.lineBlocked",
  FORM_ALREADY_USED: "errors.formAlreadyUsed",
  REFLECTION_CHANGED: "errors.reflectionChanged",
  CHANGE_NOT_FOUND: "errors.notFound",
  ALREADY_REFLECTED: "errors.alreadyReflected",
  NOT_CANCELLABLE: "errors.notCancellable",
  NOT_FOUND: "errors.notFound",
  NOT_RETRYABLE: "errors.notRetryable",
  REGISTRAR_UNAVAILABLE: "errors.registrarUnavailable",
  REGISTRAR_REFUSED: "errors.registrarRefused",
  REGISTRAR_NOT_CONFIGURED: "errors.registrarNotConfigured",
  NOT_BLOCKED: "errors.notBlocked",
};

/** The message key of a code carried as a string (next-auth's error), or the unexpected-error key. */
export function errorKeyOf(code: string | null | undefined): string {
  return (code && (ERROR_KEYS as Record<string, string>)[code]) || UNEXPECTED;
}
