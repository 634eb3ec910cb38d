import type { NextConfig } from "next";
import { PHASE_PRODUCTION_SERVER } from "next/constants";
import createNextIntlPlugin from "next-intl/plugin";
import { parseEnv } from "./lib/env";
import { PAGE_POST_BODY_LIMIT } from "./lib/web/action-body";

// A bad configuration stops the build and the start with a message naming the variable.
const buildEnv = parseEnv(process.env);

const config: NextConfig = {
  poweredByHeader: false,
  // A separate build folder lets benchmarks or a second checkout build without touching .next.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  // The build checks the application's own types; tests and scripts are checked by `npm test`.
  typescript: { tsconfigPath: "tsconfig.next.json" },
  // The proxy answers a larger page POST with 413 before Next.js reads it (lib/web/action-body.ts).
  experimental: { serverActions: { bodySizeLimit: PAGE_POST_BODY_LIMIT } },
  // A production build (APP_ENV=production at build time, as docs/operations.md builds a release)
  // has no test-data API: testing/api.ts and the test data it loads are replaced by an empty module.
  ...(buildEnv.APP_ENV === "production" ? { turbopack: { resolveAlias: { "@/testing/api": "./testing/api.disabled.ts" } } } : {}),
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@node-rs/argon2", "pino", "pg", "nodemailer", "prom-client"],
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
// A production server (scripts/serve.ts) only serves a finished build: it must not rewrite
// messages/ja.d.json.ts, which next-intl does whenever this file is loaded outside `next start`
// (docs/decisions/014-immutable-builds.md).
export default function nextConfig(phase: string): NextConfig {
  return createNextIntlPlugin({
    requestConfig: "./i18n/request.ts",
    experimental: {
      messages: { path: "./messages", format: "json", locales: ["ja", "en"], precompile: true },
      // messages/ja.d.json.ts: the catalogue's exact strings as types, so a message's arguments are type-checked.
      ...(phase === PHASE_PRODUCTION_SERVER ? {} : { createMessagesDeclaration: "./messages/ja.json" }),
    },
  })(config);
}
