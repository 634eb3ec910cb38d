import type { Metadata, Viewport } from "next";
import { getLocale, getTranslations } from "next-intl/server";
import { SiteFooter } from "@/components/SupportContact";
import "./globals.css";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("common");
  return { title: { default: t("serviceName"), template: `%s | ${t("serviceName")}` } };
}

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const locale = await getLocale();
  // Client components get their messages from <ClientMessages> around them, on the pages that have them.
  return (
    <html lang={locale}>
      <body>
        {children}
        <SiteFooter />
      </body>
    </html>
  );
}
