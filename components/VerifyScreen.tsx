import Link from "next/link";
import { getTranslations } from "next-intl/server";
import type { FormResult } from "@/lib/web/form-result";
import type { UsableChallenge } from "@/lib/web/challenge";
import { formatJst } from "@/lib/format";
import { AUDIENCES, type Audience } from "@/lib/web/audience";
import { pageLocale } from "@/lib/web/locale";
import { safeReturnPath } from "@/lib/web/request";
import { SupportContact } from "./SupportContact";
import { ClientMessages } from "./ClientMessages";
import { CodeForm } from "./CodeForm";
import { SiteHeader } from "./SiteHeader";

/** Two-step verification for customers and staff: where the code went, its expiry, the code form. */
export async function VerifyScreen({
  kind,
  challenge,
  searchParams,
  resend,
}: {
  kind: Audience;
  /** The browser's open challenge (lib/web/challenge.ts), read by the page. */
  challenge: UsableChallenge | null;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
  resend: () => Promise<FormResult>;
}) {
  const { home, login: loginPath } = AUDIENCES[kind];
  const t = await getTranslations("verify");
  const tSupport = await getTranslations("support");
  const sp = await searchParams;
  const next = safeReturnPath(sp.next, home);
  return (
    <>
      <SiteHeader audience={kind} />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          {challenge ? (
            <>
              <p>{t("lead", { email: challenge.maskedEmail })}</p>
              <p className="small">{t("expires", { time: formatJst(challenge.expiresAt, await pageLocale()) })}</p>
              <ClientMessages>
                <CodeForm
                  next={next}
                  loginPath={loginPath}
                  resend={resend}
                  attemptsLeft={challenge.attemptsLeft}
                  resendInSeconds={challenge.resendInSeconds}
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
