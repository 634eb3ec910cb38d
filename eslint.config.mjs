import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  // Playwright fixtures call their continuation `use`, which is not React's hook.
  { files: ["tests/**/*.ts"], rules: { "react-hooks/rules-of-hooks": "off" } },
  // Boundaries (docs/architecture.md): components receive server actions as props and share types
  // through lib/web; they never import from app/.
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/app/*", "**/app/*"], message: "components must not import from app/: pass actions as props, share types through lib/web." },
            { group: ["@/lib/db", "**/lib/db"], importNames: ["db", "database"], message: "components receive the database from the page, as actions." },
          ],
        },
      ],
    },
  },
  // One database handle (docs/architecture.md): use-cases in lib/ take the Database as their first
  // parameter; only the process's edges and wiring read the process-global one and pass it in.
  {
    files: ["lib/**/*.{ts,tsx}"],
    ignores: ["lib/db.ts", "lib/background.ts", "lib/boot.ts", "lib/readiness.ts", "lib/auth/next-auth.ts", "lib/web/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@/lib/db", "**/db", "./db"],
              importNames: ["db", "database"],
              message: "use-cases take the Database as their first parameter: the edge (app/, lib/web, next-auth, the background loops) reads database() and passes it in.",
            },
          ],
        },
      ],
    },
  },
  { ignores: ["generated/**", ".next/**", ".next-*/**", "node_modules/**", ".data/**", "playwright-report/**", "test-results/**", "next-env.d.ts", ".tmp/**", ".chromium/**"] },
];
export default config;
