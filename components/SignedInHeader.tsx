import { getTranslations } from "next-intl/server";
import { SiteHeader } from "./SiteHeader";

/** The header of every signed-in page, with the logout control. */
export async function SignedInHeader({ who, logout }: { who: string; logout: () => Promise<void> }) {
  const t = await getTranslations("common");
  return (
    <SiteHeader>
      <form action={logout} className="signed-in">
        <span className="small">{who}</span>{" "}
        <button type="submit" className="btn btn-secondary">
          {t("logout")}
        </button>
      </form>
    </SiteHeader>
  );
}
