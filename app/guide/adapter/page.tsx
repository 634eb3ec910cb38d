import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { SiteHeader } from "@/components/SiteHeader";
import { env } from "@/lib/env";

export async function generateMetadata() {
  return { title: (await getTranslations("adapter"))("title") };
}

/** The generic steps for putting the new password on an IP phone adapter (public, like /guide). */
export default async function AdapterGuidePage() {
  const t = await getTranslations("adapter");
  return (
    <>
      <SiteHeader />
      <main id="main">
        <h1>{t("title")}</h1>
        <section className="panel">
          <p>{t("lead")}</p>
          <p className="info">{t("when")}</p>
          <ol data-testid="adapter-steps">
            <li>{t("step1")}</li>
            <li>{t("step2")}</li>
            <li>{t("step3", { domain: env().SIP_REALM })}</li>
            <li>{t("step4")}</li>
            <li>{t("step5")}</li>
          </ol>
          <p>{t("models")}</p>
          <div className="actions">
            <Link href="/guide" className="btn btn-secondary">
              {t("back")}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
