import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  // Playwright fixtures call their continuation `use`, which is not React's hook.
  { files: ["tests/**/*.ts"], rules: { "react-hooks/rules-of-hooks": "off" } },
  { ignores: ["generated/**", ".next/**", ".next-*/**", "node_modules/**", ".data/**", "playwright-report/**", "test-results/**", "next-env.d.ts", ".tmp/**", ".chromium/**"] },
];
export default config;
