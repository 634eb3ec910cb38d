import { getTranslations } from "next-intl/server";
import { B2BUA_WINDOWS } from "@/lib/schedule";

const hm = (hour: number, minute = 0) => `${hour % 24}:${String(minute).padStart(2, "0")}`;

/** The reflection-time tables, rendered from the schedule module's own data. */
export async function ReflectionTables() {
  const t = await getTranslations("home");
  const columns = (
    <thead>
      <tr>
        <th scope="col">{t("colChangedDuring")}</th>
        <th scope="col">{t("colReflectedAt")}</th>
      </tr>
    </thead>
  );
  return (
    <>
      <table className="schedule" data-testid="ip-phone-table">
        <caption>{t("ipPhoneCaption")}</caption>
        {columns}
        <tbody>
          <tr>
            <td>{t("anyTime")}</td>
            <td>{t("within15")}</td>
          </tr>
        </tbody>
      </table>
      <table className="schedule" data-testid="b2bua-table">
        <caption>{t("b2buaCaption")}</caption>
        {columns}
        <tbody>
          {B2BUA_WINDOWS.map((w) => (
            <tr key={w.fromHour}>
              <td>{t("range", { from: hm(w.fromHour), to: hm(w.toHour) })}</td>
              <td>{w.at.nextDay ? t("nextDay", { time: hm(w.at.hour, w.at.minute) }) : hm(w.at.hour, w.at.minute)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small">{t("timesNote")}</p>
    </>
  );
}
