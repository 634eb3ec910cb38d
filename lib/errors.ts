/**
 * The facts a domain error carries for the UI (ids, instants as ISO strings; never a secret), by code.
 * A code not listed here carries none.
 */
export interface AppErrorData {
  FORM_ALREADY_USED: { changeId: string; requestedAt: string };
  REFLECTION_CHANGED: { dueAt: string; deadline: string; promise: string };
  LINE_BLOCKED: { until: string };
  /** remaining: wrong tries left before changes to the line stop (LINE_FAILURES_TO_BLOCK). */
  CURRENT_PASSWORD_WRONG: { pendingSince?: string; remaining?: string };
  NOT_CANCELLABLE: { status: string };
}

/** Every code a use-case throws; the web layer maps each to a message (lib/web/form-result.ts). */
export type AppErrorCode =
  | keyof AppErrorData
  | "RATE_LIMITED"
  | "INVALID_CREDENTIALS"
  | "CHALLENGE_DEAD"
  | "CODE_EXPIRED"
  | "CODE_INVALID"
  | "RESEND_TOO_SOON"
  | "FORM_EXPIRED"
  | "LINE_NOT_FOUND"
  | "CHANGE_NOT_FOUND"
  | "ALREADY_REFLECTED"
  | "NOT_FOUND"
  | "NOT_RETRYABLE"
  | "REGISTRAR_UNAVAILABLE"
  | "REGISTRAR_REFUSED"
  | "REGISTRAR_NOT_CONFIGURED"
  | "NOT_BLOCKED";

export type DataOf<C extends AppErrorCode> = C extends keyof AppErrorData ? AppErrorData[C] : Record<string, never>;

type Rest<C extends AppErrorCode> = C extends keyof AppErrorData ? [data: AppErrorData[C], field?: string] : [data?: Record<string, never>, field?: string];

/** A domain error with a code the UI maps to a message (never a raw message to the user). */
export class AppError<C extends AppErrorCode = AppErrorCode> extends Error {
  readonly data: DataOf<C>;
  readonly field?: string;
  constructor(
    readonly code: C,
    ...[data, field]: Rest<C>
  ) {
    super(code);
    this.name = "AppError";
    this.data = (data ?? {}) as DataOf<C>;
    this.field = field;
  }

  /** Narrows to one code, with its typed data. */
  is<K extends AppErrorCode>(code: K): this is AppError<K> {
    return (this.code as AppErrorCode) === code;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
