import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { FormResult } from "@/lib/web/form-result";
import { describeChallenge } from "@/lib/auth/login";
import { cookieNames } from "@/lib/auth/next-auth";
import { formatJst } from "@/lib/format";
import { AUDIENCES, type Audience } from "@/lib/web/audience";
import { pageLocale } from "@/lib/web/locale";
import { challengeIdFromCookie } from "@/lib/auth/challenge-cookie";
import { requestContext, safeReturnPath } from "@/lib/web/request";
import { currentSession } from "@/lib/web/session";
import { SupportContact } from "./SupportContact";
import { ClientMessages } from "./ClientMessages";
import { CodeForm } from "./CodeForm";
import { SiteHeader } from "./SiteHeader";

/** Two-step verification for customers and staff: where the code went, its expiry, the code form. */
export async function VerifyScreen({
  kind,
  searchParams,
  resend,
}: {
  kind: Audience;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
  resend: () => Promise<FormResult>;
}) {
  const { home, login: loginPath } = AUDIENCES[kind];
  const t = await getTranslations("verify");
  const tSupport = await getTranslations("support");
  const sp = await searchParams;
  const next = safeReturnPath(sp.next, home);
  const challengeId = challengeIdFromCookie((await cookies()).get(cookieNames().challenge)?.value);
  const { now } = await requestContext();
  const challenge = challengeId ? await describeChallenge(challengeId, now) : null;
  const usable = challenge && challenge.kind === kind && (challenge.state === "open" || challenge.state === "expired");
  // Back from the menu to this screen after signing in: the challenge is spent, the session is open —
  // go where the sign-in led, not to "no procedure found".
  if (!usable && (await currentSession(kind))) redirect(next);
  return (
    <>
      <SiteHeader audience={kind} />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          {usable ? (
            <>
              <p>{t("lead", { email: challenge.maskedEmail })}</p>
              <p className="small">{t("expires", { time: formatJst(challenge.expiresAt, await pageLocale()) })}</p>
              <ClientMessages>
                <CodeForm
                  next={next}
                  loginPath={loginPath}
                  resend={resend}
                  attemptsLeft={challenge.attemptsLeft}
                  resendInSeconds={Math.max(0, Math.ceil((challenge.resendAt.getTime() - now.getTime()) / 1000))}
                />
              </ClientMessages>
              <p>{tSupport("codeHelp")}</p>
              <SupportContact headingLevel={2} id="verify-support" />
            </>
          ) : (
            <>
              <p role="alert">{t("noChallenge")}</p>
              <Link href={loginPath} className="btn btn-primary">
                {t("backToLogin")}
              </Link>
            </>
          )}
        </section>
      </main>
    </>
  );
}
