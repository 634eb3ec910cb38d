import { getRequestConfig } from "next-intl/server";
import { cookies } from "next/headers";
import { LOCALE_COOKIE, resolveLocale } from "./locale";

// No locale in the URL: Japanese by default, English when the customer chose it (a cookie).
export default getRequestConfig(async () => {
  const locale = resolveLocale((await cookies()).get(LOCALE_COOKIE)?.value);
  return {
    locale,
    timeZone: "Asia/Tokyo",
    messages: (await import(`../messages/${locale}.json`)).default,
  };
});
