import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { challengeCookieValue, challengeIdFromCookie } from "@/lib/auth/challenge-cookie";
import { CODE_TTL_MS } from "@/lib/auth/codes";
import { resendCode, startLogin } from "@/lib/auth/login";
import { cookieNames } from "@/lib/auth/next-auth";
import { loginSchema } from "@/lib/auth/schemas";
import { parseForm } from "@/lib/validation/parse-form";
import { endSession } from "@/lib/auth/session";
import { portalCookie } from "@/lib/web/cookie-options";
import { isAppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { AUDIENCES, type Audience } from "@/lib/web/audience";
import { pageLocale } from "@/lib/web/locale";
import { requestContext, safeReturnPath } from "@/lib/web/request";
import { currentSession } from "@/lib/web/session";

export type ActionResult = { ok: true; message?: string } | { ok: false; formError?: string; fieldErrors?: Record<string, string> };

const errorKey: Record<string, string> = {
  INVALID_CREDENTIALS: "errors.invalidCredentials",
  RATE_LIMITED: "errors.rateLimited",
  CHALLENGE_DEAD: "errors.challengeDead",
  RESEND_TOO_SOON: "errors.resendTooSoon",
};

function fail(error: unknown): ActionResult {
  if (isAppError(error) && errorKey[error.code]) return { ok: false, formError: errorKey[error.code] };
  log.error({ err: error }, "action failed");
  return { ok: false, formError: "errors.unexpected" };
}

/**
 * Step 1 for customers and staff alike: ID and password → a challenge bound to this browser.
 * `input` and `next` are whatever arrived over HTTP (a `next` that is not a path of this site is ignored).
 */
export async function login(kind: Audience, input: unknown, next: unknown): Promise<ActionResult> {
  const paths = AUDIENCES[kind];
  const parsed = parseForm(loginSchema, input);
  if (!parsed.success) return { ok: false, fieldErrors: parsed.fieldErrors };
  const { now, client } = await requestContext();
  let challengeId: string;
  try {
    ({ challengeId } = await startLogin({ kind, loginId: parsed.data.selfcareId, password: parsed.data.password, now, client, locale: await pageLocale() }));
  } catch (error) {
    return fail(error);
  }
  (await cookies()).set(cookieNames().challenge, challengeCookieValue(challengeId), portalCookie({ maxAge: Math.ceil((CODE_TTL_MS * 6) / 1000) }));
  redirect(`${paths.verify}?next=${encodeURIComponent(safeReturnPath(next, paths.home))}`);
}

/** A new code for this browser's challenge. */
export async function resend(): Promise<ActionResult> {
  const challengeId = challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
  if (!challengeId) return { ok: false, formError: "errors.challengeDead" };
  const { now, client } = await requestContext();
  try {
    const r = await resendCode({ challengeId, now, client });
    return { ok: true, message: r.maskedEmail };
  } catch (error) {
    return fail(error);
  }
}

/** Ends the session on the server and in this browser. */
export async function logout(kind: Audience): Promise<never> {
  const s = await currentSession(kind);
  const { now, client } = await requestContext();
  if (s) await endSession({ sessionId: s.sessionId, now, client });
  const jar = await cookies();
  const names = cookieNames();
  for (const name of [names.session, names.challenge]) jar.set(name, "", portalCookie({ maxAge: 0 }));
  redirect(`${AUDIENCES[kind].login}?loggedOut=1`);
}
