// Finds the Chromium the end-to-end tests drive: CHROMIUM_PATH, Debian's /usr/bin/chromium, or the
// browser `npx playwright install chromium` downloaded. Prints nothing and returns null when none.
import { existsSync } from "node:fs";

export async function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return { path: c, bundled: false };
  try {
    const { chromium } = await import("@playwright/test");
    const bundled = chromium.executablePath();
    if (bundled && existsSync(bundled)) return { path: bundled, bundled: true };
  } catch {
    /* no bundled browser */
  }
  return null;
}

export const HOW_TO_GET_A_BROWSER = `No Chromium browser was found for the end-to-end tests. Get one with either:
  npx playwright install chromium          (any OS; downloads Playwright's Chromium)
  sudo apt-get install chromium            (Debian/Ubuntu; found at /usr/bin/chromium)
or point CHROMIUM_PATH at an existing Chromium/Chrome binary, then run npm test again.`;
