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
      "no-restricted-imports": ["error", { patterns: [{ group: ["@/app/*", "**/app/*"], message: "components must not import from app/: pass actions as props, share types through lib/web." }] }],
    },
  },
  { ignores: ["generated/**", ".next/**", ".next-*/**", "node_modules/**", ".data/**", "playwright-report/**", "test-results/**", "next-env.d.ts", ".tmp/**", ".chromium/**"] },
];
export default config;
