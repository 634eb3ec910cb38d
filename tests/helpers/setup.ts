import { afterEach, beforeEach, vi } from "vitest";

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
