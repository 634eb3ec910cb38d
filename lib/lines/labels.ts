import en from "@/messages/en.json";
import ja from "@/messages/ja.json";
import type { Locale } from "../format";
import type { ServiceType } from "../schedule";

/** The provider's name of a service type, in the customer's language (from the message catalogue). */
export function serviceLabel(service: ServiceType, locale: Locale): string {
  return (locale === "en" ? en : ja).services[service];
}
