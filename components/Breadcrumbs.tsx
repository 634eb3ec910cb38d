import Link from "next/link";
import { getTranslations } from "next-intl/server";

const PAGES = {
  menu: { href: "/menu", key: "menu.title" },
  password: { href: "/password", key: "password.title" },
  complete: { href: null, key: "complete.title" },
  history: { href: "/history", key: "history.title" },
  guide: { href: "/guide", key: "guide.title" },
} as const;

/** The path through the menu to this page; the last crumb is the current page. */
export async function Breadcrumbs({ trail }: { trail: (keyof typeof PAGES)[] }) {
  const t = await getTranslations();
  return (
    <nav aria-label="breadcrumb" className="breadcrumbs">
      <ol>
        {trail.map((name, i) => {
          const page = PAGES[name];
          const last = i === trail.length - 1;
          return (
            <li key={name}>
              {last || !page.href ? <span aria-current={last ? "page" : undefined}>{t(page.key)}</span> : <Link href={page.href}>{t(page.key)}</Link>}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
