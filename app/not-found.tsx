import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { SiteHeader } from "@/components/SiteHeader";

export async function generateMetadata() {
  return { title: (await getTranslations("errorPage"))("notFoundTitle"), robots: { index: false } };
}

/**
 * Every 404 — an unknown address, a change that is not the visitor's (another customer's completion
 * id is "not found", never "forbidden") — in the portal's look and the visitor's language.
 */
export default async function NotFound() {
  const t = await getTranslations("errorPage");
  return (
    <>
      <SiteHeader />
      <main id="main" className="error-page" data-testid="not-found">
        <h1>{t("notFoundTitle")}</h1>
        <section className="panel">
          <p>{t("notFoundLead")}</p>
          <p className="small">{t("notFoundHint")}</p>
          <div className="actions">
            <Link href="/menu" className="btn btn-primary">
              {t("toMenu")}
            </Link>
            <Link href="/" className="btn btn-secondary">
              {t("toTop")}
            </Link>
          </div>
        </section>
      </main>
    </>
  );
}
