import "server-only";
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
import { AUDIENCES, type Audience } from "@/lib/web/audience";
import { formFailure } from "@/lib/web/form-errors";
import type { FormResult } from "@/lib/web/form-result";
import { pageLocale } from "@/lib/web/locale";
import { requestContext, safeReturnPath } from "@/lib/web/request";
import { currentSession } from "@/lib/web/session";
import { database } from "@/lib/db";

/** The codes the sign-in and resend steps show; any other error is unexpected. */
const SHOWN = { INVALID_CREDENTIALS: true, RATE_LIMITED: true, CHALLENGE_DEAD: true, RESEND_TOO_SOON: true } as const;

const fail = (error: unknown): Promise<FormResult> => formFailure(error, SHOWN, "action failed");

/**
 * Step 1 for customers and staff alike: ID and password → a challenge bound to this browser.
 * `input` and `next` are whatever arrived over HTTP (a `next` that is not a path of this site is ignored).
 */
export async function login(kind: Audience, input: unknown, next: unknown): Promise<FormResult> {
  const paths = AUDIENCES[kind];
  const parsed = parseForm(loginSchema, input);
  if (!parsed.success) return { ok: false, fieldErrors: parsed.fieldErrors };
  const { now, client } = await requestContext();
  let challengeId: string;
  try {
    ({ challengeId } = await startLogin(database(), { kind, loginId: parsed.data.selfcareId, password: parsed.data.password, now, client, locale: await pageLocale() }));
  } catch (error) {
    return fail(error);
  }
  (await cookies()).set(cookieNames().challenge, challengeCookieValue(challengeId), portalCookie({ maxAge: Math.ceil((CODE_TTL_MS * 6) / 1000) }));
  redirect(`${paths.verify}?next=${encodeURIComponent(safeReturnPath(next, paths.home))}`);
}

/** A new code for this browser's challenge. */
export async function resend(): Promise<FormResult> {
  const challengeId = challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
  if (!challengeId) return { ok: false, formError: "errors.challengeDead" };
  const { now, client } = await requestContext();
  try {
    const r = await resendCode(database(), { challengeId, now, client });
    return { ok: true, message: r.maskedEmail };
  } catch (error) {
    return fail(error);
  }
}

/** Ends the session on the server and in this browser. */
export async function logout(kind: Audience): Promise<never> {
  const s = await currentSession(kind);
  const { now, client } = await requestContext();
  if (s) await endSession(database(), { sessionId: s.sessionId, now, client });
  const jar = await cookies();
  const names = cookieNames();
  for (const name of [names.session, names.challenge]) jar.set(name, "", portalCookie({ maxAge: 0 }));
  redirect(`${AUDIENCES[kind].login}?loggedOut=1`);
}
