import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { formatJst } from "@/lib/format";
import { pageLocale } from "@/lib/web/locale";
import { LanguageSwitch } from "./LanguageSwitch";
import { requestContext } from "@/lib/web/request";

/**
 * The carrier's header: service name, audience and product, plus whatever controls the page adds.
 * The staff screens have their own (サポートコンソール, for support staff), dark, so that nobody takes
 * the console for the customer's portal or the other way round.
 */
export async function SiteHeader({ children, audience = "customer" }: { children?: React.ReactNode; audience?: "customer" | "staff" }) {
  const t = await getTranslations("common");
  const staff = audience === "staff";
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
      <header className={staff ? "site-header staff-header" : "site-header"} data-testid={staff ? "staff-header" : "customer-header"}>
        <div className="inner">
          <div>
            <Link href={staff ? "/staff" : "/"} className="brand">
              {staff ? t("staffConsole") : t("serviceName")}
            </Link>
            <div className="sub">{staff ? t("forStaff") : `${t("forCustomers")}${t("sep")}${t("product")}`}</div>
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
