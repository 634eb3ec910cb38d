import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { formatJst } from "@/lib/format";
import { pageLocale } from "@/lib/web/locale";
import { LanguageSwitch } from "./LanguageSwitch";
import { requestContext } from "@/lib/web/request";

/** The carrier's header: service name, audience and product, plus whatever controls the page adds. */
export async function SiteHeader({ children }: { children?: React.ReactNode }) {
  const t = await getTranslations("common");
  const { now, simulated } = await requestContext();
  const locale = await pageLocale();
  return (
    <>
      <a className="skip" href="#main">
        {t("skipToContent")}
      </a>
      {simulated ? (
        <p className="sim-clock" role="status" data-testid="simulated-clock">
          {t("simulatedClock", { time: formatJst(now, locale) })} <Link href="/dev/clock" aria-label={t("simulatedClockLink")}>
            <span className="clock-icon" aria-hidden="true" />
          </Link>
        </p>
      ) : null}
      <header className="site-header">
        <div className="inner">
          <div>
            <Link href="/" className="brand">
              {t("serviceName")}
            </Link>
            <div className="sub">
              {t("forCustomers")}
              {t("sep")}
              {t("product")}
            </div>
          </div>
          <div className="header-tools">
            <LanguageSwitch />
            {children}
          </div>
        </div>
      </header>
    </>
  );
}
