/** A domain error with a code the UI maps to a message (never a raw message to the user). */
export class AppError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly field?: string,
    message?: string,
    /** Facts the UI may show with the message (ids, times as ISO strings); never a secret. */
    readonly details: Record<string, string> = {},
  ) {
    super(message ?? code);
    this.name = "AppError";
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
