import { getTranslations } from "next-intl/server";
import { env } from "@/lib/env";

/** Hours "09:00-18:00" as the screens write times ("9:00～18:00"). */
function hoursText(hours: string): { from: string; to: string } {
  const [from, to] = hours.split("-").map((hm) => hm.replace(/^0(\d)/, "$1"));
  return { from: from!, to: to! };
}

/**
 * The support desk (SUPPORT_PHONE, SUPPORT_HOURS, SUPPORT_DAYS, SUPPORT_URL): who to call when the
 * code email does not come. In the footer of every page, and on the code screen.
 */
export async function SupportContact({ headingLevel = 2, id = "support-contact" }: { headingLevel?: 2 | 3; id?: string }) {
  const t = await getTranslations("support");
  const e = env();
  const Heading = `h${headingLevel}` as const;
  const { from, to } = hoursText(e.SUPPORT_HOURS);
  const external = e.SUPPORT_URL.startsWith("https://");
  return (
    <section className="support-contact" aria-labelledby={id} data-testid="support-contact">
      <Heading id={id} className="support-title">
        {t("title")}
      </Heading>
      <dl>
        <dt>{t("phone")}</dt>
        <dd>
          <a href={`tel:${e.SUPPORT_PHONE.replace(/-/g, "")}`} className="target" data-data>
            {e.SUPPORT_PHONE}
          </a>
        </dd>
        <dt>{t("hours")}</dt>
        <dd>{t(e.SUPPORT_DAYS === "daily" ? "hoursDaily" : "hoursWeekdays", { from, to })}</dd>
      </dl>
      <p>
        <a href={e.SUPPORT_URL} className="target" {...(external ? { rel: "noopener" } : {})}>
          {t("link")}
        </a>
      </p>
    </section>
  );
}

/** The footer of every page: the support desk. */
export async function SiteFooter() {
  return (
    <footer className="site-footer">
      <SupportContact id="footer-support" />
    </footer>
  );
}
