import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";

// Logs an operator can use (issue 15, item 5): every line is one JSON object with an ISO-8601 time,
// pid, hostname and instance id; error codes stay readable while sign-in codes and passwords do not;
// console.error (what Next.js prints for a failed request) becomes one JSON line, stack included.
describe("log lines", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "tests/fixtures/log-sample.ts"], {
    env: { ...process.env, LOG_LEVEL: "info", INSTANCE_ID: "web-7" },
    encoding: "utf8",
    timeout: 30_000,
  });
  const lines = r.stdout.trim().split("\n");
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const byMsg = (msg: string) => records.find((x) => x.msg === msg)!;

  it("are one JSON object each, with ISO time, pid, hostname and the instance id", () => {
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(records).toHaveLength(7);
    for (const x of records) {
      expect(x.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(x.pid).toBe(r.pid);
      expect(x.hostname).toBe(hostname());
      expect(x.instance).toBe("web-7");
    }
  });

  it("keep error codes and redact sign-in codes and passwords", () => {
    expect(byMsg("database down").err).toMatchObject({ code: "ECONNREFUSED", message: "connect refused" });
    expect(byMsg("next-auth error").code).toBe("JWT_SESSION_ERROR");
    expect(byMsg("unique violation").code).toBe("23505");
    const leak = byMsg("must not leak");
    expect(leak.code).toBe("[redacted]");
    expect(leak.nested).toEqual({ code: "[redacted]", password: "[redacted]" });
    expect(r.stdout).not.toMatch(/123456|654321|secret-pass/);
  });

  it("turn console.error/warn into JSON lines with the error and its stack", () => {
    const multi = records.find((x) => (x.err as { message?: string } | undefined)?.message === "first line\nsecond line")!;
    expect(multi).toMatchObject({ level: 50, source: "console" });
    expect((multi.err as { stack: string }).stack).toContain("log-sample.ts");
    expect(byMsg("⨯ render failed")).toMatchObject({ level: 50, err: { message: "boom", digest: "42" } });
    expect(byMsg("plain warning")).toMatchObject({ level: 40, source: "console" });
  });
});
