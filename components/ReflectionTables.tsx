import { getTranslations } from "next-intl/server";
import { SCHEDULES, type ServiceSchedule } from "@/lib/schedule";

const hm = (hour: number, minute = 0) => `${hour % 24}:${String(minute).padStart(2, "0")}`;

/** "b2buaCaption" → "b2bua-table", "ipPhoneCaption" → "ip-phone-table". */
const tableId = (caption: string) => `${caption.replace(/Caption$/, "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}-table`;

/** One printed table per caption: services that share a caption share a schedule. */
function tables(): ServiceSchedule[] {
  const seen = new Map<string, ServiceSchedule>();
  for (const s of Object.values(SCHEDULES)) if (!seen.has(s.caption)) seen.set(s.caption, s);
  return [...seen.values()];
}

/** The reflection-time tables, rendered from the schedule module's own table (lib/schedule). */
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
      {tables().map((s) => (
        <table key={s.caption} className="schedule" data-testid={tableId(s.caption)}>
          <caption>{t(s.caption)}</caption>
          {columns}
          <tbody>
            {s.kind === "within" ? (
              <tr>
                <td>{t("anyTime")}</td>
                <td>{t("within15")}</td>
              </tr>
            ) : (
              s.windows.map((w) => (
                <tr key={w.fromHour}>
                  <td>{t("range", { from: hm(w.fromHour), to: hm(w.toHour) })}</td>
                  <td>{w.at.nextDay ? t("nextDay", { time: hm(w.at.hour, w.at.minute) }) : hm(w.at.hour, w.at.minute)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      ))}
      <p className="small">{t("timesNote")}</p>
    </>
  );
}
