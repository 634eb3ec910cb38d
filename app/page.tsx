import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Notices } from "@/components/Notices";
import { ReflectionTables } from "@/components/ReflectionTables";
import { SiteHeader } from "@/components/SiteHeader";

export async function generateMetadata() {
  const t = await getTranslations("home");
  return { title: t("title") };
}

/** お客様サポート: the way in to the self-care login, and the public usage guide. */
export default async function SupportTopPage() {
  const t = await getTranslations("home");
  return (
    <>
      <SiteHeader />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          <p>{t("loginLead")}</p>
          <Link href="/login" className="btn btn-primary">
            {t("login")}
          </Link>
        </section>
        <section className="panel" id="guide" aria-labelledby="guide-title">
          <h2 id="guide-title">{t("guideTitle")}</h2>
          <h3>{t("noticesTitle")}</h3>
          <Notices />
          <h3 id="reflection">{t("reflectionTitle")}</h3>
          <p>{t("reflectionLead")}</p>
          <p>{t("example")}</p>
          <ReflectionTables />
        </section>
      </main>
    </>
  );
}
