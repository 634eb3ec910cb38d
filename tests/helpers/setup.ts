import { afterEach, beforeEach, vi } from "vitest";
import type { Database } from "@/lib/db";

// A test fails on any console.error it did not expect (epic-stack's rule): errors are never noise.
let errors: unknown[][] = [];
beforeEach(() => {
  errors = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    errors.push(args);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  if (errors.length > 0) {
    throw new Error(`Unexpected console.error:\n${errors.map((a) => a.map(String).join(" ")).join("\n")}`);
  }
});

process.env.LOG_LEVEL ??= "silent";
process.env.APP_ENV ??= "test";

// Imported only now: lib/db loads the logger, which reads LOG_LEVEL once, at import.
const { setProcessDatabase } = await import("@/lib/db");

// Use-cases are given their database (the test's own handle). Reading the process's database in a
// test that installed none would otherwise open the configured one (DATA_DIR) behind the test's
// back: it fails loudly instead (createTestDatabase({ asProcessDatabase: true }) installs one).
const unset = new Proxy({} as Database, {
  get(_, property) {
    throw new Error(`the process database was read (.${String(property)}) in a test that installed none: pass the test's handle, or createTestDatabase({ asProcessDatabase: true })`);
  },
});
setProcessDatabase(unset);
