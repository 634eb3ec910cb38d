import "server-only";
import { isAppError, type AppError, type AppErrorCode } from "../errors";
import { log } from "../log";
import { ERROR_KEYS, UNEXPECTED, type FormFailure } from "./form-result";

/** How one code is shown: its ERROR_KEYS message (`true`), or a failure built from the error's data. */
type Shown<C extends AppErrorCode, Fail> = true | ((e: AppError<C>) => (FormFailure & Fail) | null | Promise<(FormFailure & Fail) | null>);

export type ShownCodes<Fail = object> = { [C in AppErrorCode]?: Shown<C, Fail> };

/**
 * The one mapping from a thrown error to what a form shows. A code listed in `shown` gets its message
 * (on the error's field when it names one, else for the form) or the failure its function builds; any
 * other AppError gets `otherwise` (default: the unexpected-error message); anything else is logged
 * as `what` and shown as unexpected.
 */
export async function formFailure<Fail extends object = object>(error: unknown, shown: ShownCodes<Fail>, what: string, otherwise: string = UNEXPECTED): Promise<FormFailure & Partial<Fail>> {
  const fail = (f: FormFailure) => f as FormFailure & Partial<Fail>;
  if (isAppError(error)) {
    const how = shown[error.code] as Shown<AppErrorCode, Fail> | undefined;
    if (how === true) {
      const key = ERROR_KEYS[error.code];
      return fail(error.field ? { ok: false, fieldErrors: { [error.field]: key } } : { ok: false, formError: key });
    }
    if (how) {
      const built = await how(error);
      if (built) return built;
    } else if (otherwise !== UNEXPECTED) return fail({ ok: false, formError: otherwise });
  }
  log.error({ err: error }, what);
  return fail({ ok: false, formError: UNEXPECTED });
}
