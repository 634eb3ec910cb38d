import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Notices } from "@/components/Notices";
import { ReflectionTables } from "@/components/ReflectionTables";
import { SignedInHeader } from "@/components/SignedInHeader";
import { SiteHeader } from "@/components/SiteHeader";
import { logoutAction } from "@/app/login/actions";
import { currentSession } from "@/lib/web/session";

export async function generateMetadata() {
  return { title: (await getTranslations("guide"))("title") };
}

/**
 * Where 「戻る」 leads: the notices and the reflection-time tables (public, like the top page's guide).
 * A signed-in customer keeps the signed-in header (who, logout) here too.
 */
export default async function GuidePage() {
  const t = await getTranslations();
  const session = await currentSession("customer");
  return (
    <>
      {session ? <SignedInHeader who={session.principal.loginId} logout={logoutAction} /> : <SiteHeader />}
      <main id="main">
        <h1>{t("guide.title")}</h1>
        <section className="panel">
          <h2>{t("home.noticesTitle")}</h2>
          <Notices />
          <h2 id="reflection">{t("home.reflectionTitle")}</h2>
          <p>{t("home.reflectionLead")}</p>
          <p>{t("home.example")}</p>
          <ReflectionTables />
          <div className="actions">
            <Link href="/menu" className="btn btn-primary">
              {t("guide.menu")}
            </Link>
            <Link href="/" className="btn btn-secondary">
              {t("guide.top")}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
