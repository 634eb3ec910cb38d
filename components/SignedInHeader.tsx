import { getTranslations } from "next-intl/server";
import { SiteHeader } from "./SiteHeader";

/** The header of every signed-in page, with the logout control. */
export async function SignedInHeader({ who, logout, audience = "customer" }: { who: string; logout: () => Promise<void>; audience?: "customer" | "staff" }) {
  const t = await getTranslations("common");
  return (
    <SiteHeader audience={audience}>
      <form action={logout} className="signed-in">
        <span className="small">{who}</span>{" "}
        <button type="submit" className="btn btn-secondary">
          {t("logout")}
        </button>
      </form>
    </SiteHeader>
  );
}
