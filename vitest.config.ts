import path from "node:path";
import { defineConfig } from "vitest/config";

// Tests run server modules as the server does: `import "server-only"` resolves to its empty build.
const alias = { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js") };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          setupFiles: ["tests/helpers/setup.ts"],
          testTimeout: 20_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          setupFiles: ["tests/helpers/setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // PGlite databases are large in memory; two files at a time fits 2 cores well.
          maxWorkers: 2,
        },
      },
      {
        // Statistical timing tests: slow and sensitive to load, so never part of `npm test`; run
        // on their own with `npm run test:timing` (docs/security.md, timing).
        resolve: { alias },
        test: {
          name: "timing",
          include: ["tests/timing/**/*.test.ts"],
          setupFiles: ["tests/helpers/setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
