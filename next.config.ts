import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";
import { parseEnv } from "./lib/env";
import { PAGE_POST_BODY_LIMIT } from "./lib/web/action-body";

// A bad configuration stops the build and the start with a message naming the variable.
parseEnv(process.env);

const config: NextConfig = {
  poweredByHeader: false,
  // A separate build folder lets benchmarks or a second checkout build without touching .next.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // The build checks the application's own types; tests and scripts are checked by `npm test`.
  typescript: { tsconfigPath: "tsconfig.next.json" },
  // The proxy answers a larger page POST with 413 before Next.js reads it (lib/web/action-body.ts).
  experimental: { serverActions: { bodySizeLimit: PAGE_POST_BODY_LIMIT } },
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@node-rs/argon2", "pino", "pg", "nodemailer"],
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};

// The catalogues are compiled at build time, so the browser gets next-intl's formatter without the ICU
// parser (docs/decisions/012-zod-mini-and-precompiled-messages.md); messages/*.json stay plain JSON.
export default createNextIntlPlugin({
  requestConfig: "./i18n/request.ts",
  experimental: {
    messages: { path: "./messages", format: "json", locales: ["ja", "en"], precompile: true },
    // messages/ja.d.json.ts: the catalogue's exact strings as types, so a message's arguments are type-checked.
    createMessagesDeclaration: "./messages/ja.json",
  },
})(config);
