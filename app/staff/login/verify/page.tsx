import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { pageLocale } from "@/lib/web/locale";
import { cookies } from "next/headers";
import { CodeForm } from "@/components/CodeForm";
import { SiteHeader } from "@/components/SiteHeader";
import { describeChallenge } from "@/lib/auth/login";
import { cookieNames } from "@/lib/auth/next-auth";
import { formatJst } from "@/lib/format";
import { requestContext, safeReturnPath } from "@/lib/web/request";
import { staffResendAction } from "../actions";

export async function generateMetadata() {
  return { title: (await getTranslations("verify"))("title") };
}

export default async function StaffVerifyPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const t = await getTranslations("verify");
  const sp = await searchParams;
  const next = safeReturnPath(typeof sp.next === "string" ? sp.next : undefined, "/staff");
  const challengeId = (await cookies()).get(cookieNames().challenge)?.value;
  const { now } = await requestContext();
  const challenge = challengeId && /^[0-9a-f-]{36}$/.test(challengeId) ? await describeChallenge(challengeId, now) : null;
  const usable = challenge && challenge.kind === "staff" && (challenge.state === "open" || challenge.state === "expired");
  return (
    <>
      <SiteHeader />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          {usable ? (
            <>
              <p>{t("lead", { email: challenge.maskedEmail })}</p>
              <p className="small">{t("expires", { time: formatJst(challenge.expiresAt, await pageLocale()) })}</p>
              <CodeForm next={next} loginPath="/staff/login" resend={staffResendAction} />
            </>
          ) : (
            <>
              <p role="alert">{t("noChallenge")}</p>
              <Link href="/staff/login" className="btn btn-primary">
                {t("backToLogin")}
              </Link>
            </>
          )}
        </section>
      </main>
    </>
  );
}
