import Link from "next/link";
import { getTranslations } from "next-intl/server";

/** The carrier's header: service name, audience and product, plus whatever controls the page adds. */
export async function SiteHeader({ children }: { children?: React.ReactNode }) {
  const t = await getTranslations("common");
  return (
    <>
      <a className="skip" href="#main">
        {t("skipToContent")}
      </a>
      <header className="site-header">
        <div className="inner">
          <div>
            <Link href="/" className="brand">
              {t("serviceName")}
            </Link>
            <div className="sub">
              {t("forCustomers")} ／ {t("product")}
            </div>
          </div>
          {children}
        </div>
      </header>
    </>
  );
}
