import { afterEach, describe, expect, it } from "vitest";
import { env, EnvError, parseEnv, resetEnvCache } from "@/lib/env";

/** The problems parseEnv reports for `source`; fails the test if it does not throw an EnvError. */
function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    const e = error as EnvError;
    // The message a person reads at start-up names every problem.
    for (const p of e.problems) expect(e.message).toContain(p);
    return e.problems;
  }
  throw new Error(`parseEnv accepted ${JSON.stringify(source)}`);
}

/** True when some problem is about `name` (problems read "<NAME> <message>"). */
const names = (problems: string[], name: string) => problems.some((p) => p.startsWith(`${name} `));

const PRODUCTION = {
  APP_ENV: "production",
  NEXTAUTH_URL: "https://selfcare.example.jp",
  NEXTAUTH_SECRET: "s".repeat(48),
  CREDENTIAL_KEY: "0123456789abcdef".repeat(4),
  SMTP_URL: "smtp://mail.example.jp:25",
  DATABASE_URL: "postgresql://selfcare@db.example.jp/selfcare",
} as const;

describe("parseEnv: defaults", () => {
  it("starts with nothing set", () => {
    const e = parseEnv({});
    expect(e.PORT).toBe(3000);
    expect(e.DATA_DIR).toBe(".data");
    expect(e.APP_ENV).toBe("development");
    expect(e.PROVISIONER).toBe("internal");
    expect(e.APP_NOW).toBeUndefined();
    expect(e.DATABASE_URL).toBeUndefined();
  });

  it("treats an empty variable like an unset one", () => {
    const e = parseEnv({ DATA_DIR: "", APP_NOW: "", PROVISIONER: " " });
    expect(e.DATA_DIR).toBe(".data");
    expect(e.APP_NOW).toBeUndefined();
    expect(e.PROVISIONER).toBe("internal");
  });

  it("reads a numeric PORT", () => {
    expect(parseEnv({ PORT: "8080" }).PORT).toBe(8080);
  });
});

describe("parseEnv: rejected values name the variable", () => {
  it.each(["abc", "0", "65536", "80.5", "-1"])("rejects PORT=%s", (port) => {
    const problems = problemsOf({ PORT: port });
    expect(names(problems, "PORT")).toBe(true);
    expect(problems).toHaveLength(1);
  });

  it("rejects APP_NOW=yesterday", () => {
    const problems = problemsOf({ APP_NOW: "yesterday" });
    expect(names(problems, "APP_NOW")).toBe(true);
    expect(problems).toHaveLength(1);
  });

  it.each(["2026-11-25T14:00:00", "2026-11-25", "14:00", "2026-11-25T14:00:00 JST", "2026-11-25T25:00:00+09:00"])(
    "rejects an APP_NOW without an unambiguous instant: %s",
    (value) => {
      // A zone-less time would mean different instants on different hosts.
      expect(names(problemsOf({ APP_NOW: value }), "APP_NOW")).toBe(true);
    },
  );

  it("reports several bad variables at once", () => {
    const problems = problemsOf({ PORT: "abc", APP_NOW: "yesterday", DATABASE_URL: "mysql://x" });
    expect(names(problems, "PORT")).toBe(true);
    expect(names(problems, "APP_NOW")).toBe(true);
    expect(names(problems, "DATABASE_URL")).toBe(true);
  });
});

describe("parseEnv: APP_NOW", () => {
  it.each([
    ["2026-11-25T14:00:00+09:00", "2026-11-25T05:00:00.000Z"],
    ["2026-11-25T14:00+09:00", "2026-11-25T05:00:00.000Z"],
    ["2026-11-25T05:00:00.123Z", "2026-11-25T05:00:00.123Z"],
    ["2026-12-31T23:59:59.999-05:00", "2027-01-01T04:59:59.999Z"],
  ])("accepts %s as the instant %s", (value, iso) => {
    const e = parseEnv({ APP_NOW: value, APP_ENV: "test" });
    expect(e.APP_NOW).toBeInstanceOf(Date);
    expect(e.APP_NOW?.toISOString()).toBe(iso);
  });

  it("is refused in production, naming APP_NOW", () => {
    expect(() => parseEnv(PRODUCTION)).not.toThrow();
    const problems = problemsOf({ ...PRODUCTION, APP_NOW: "2026-11-25T14:00:00+09:00" });
    expect(problems.filter((p) => p.startsWith("APP_NOW "))).toHaveLength(1);
    for (const name of ["NEXTAUTH_SECRET", "CREDENTIAL_KEY", "SMTP_URL", "NEXTAUTH_URL", "DATABASE_URL"]) expect(names(problems, name)).toBe(false);
  });
});

describe("parseEnv: production", () => {
  it("accepts a complete production configuration", () => {
    const e = parseEnv(PRODUCTION);
    expect(e.APP_ENV).toBe("production");
    expect(e.SMTP_URL).toBe(PRODUCTION.SMTP_URL);
  });

  it.each(["NEXTAUTH_SECRET", "CREDENTIAL_KEY", "SMTP_URL", "NEXTAUTH_URL", "DATABASE_URL"] as const)("requires %s", (name) => {
    const problems = problemsOf({ ...PRODUCTION, [name]: undefined });
    expect(names(problems, name)).toBe(true);
    expect(problems).toHaveLength(1);
    // ... and an empty value counts as missing.
    expect(names(problemsOf({ ...PRODUCTION, [name]: "" }), name)).toBe(true);
  });

  it("refuses the embedded database, naming DATABASE_URL", () => {
    const problems = problemsOf({ ...PRODUCTION, DATABASE_URL: undefined });
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL is required in production .*embedded database is refused/)]);
  });

  it("names every missing secret at once", () => {
    const problems = problemsOf({ APP_ENV: "production" });
    for (const name of ["NEXTAUTH_SECRET", "CREDENTIAL_KEY", "SMTP_URL"]) expect(names(problems, name), name).toBe(true);
  });

  it("does not require the secrets outside production", () => {
    expect(() => parseEnv({ APP_ENV: "development" })).not.toThrow();
    expect(() => parseEnv({ APP_ENV: "test" })).not.toThrow();
  });

  // Issue 14, item 10: development mode trusts the simulated clock and shows every code at /dev/mailbox.
  it.each(["0.0.0.0", "::", "192.168.1.10", "10.0.0.5", "portal.example.jp", "[::]", "127.0.0.1.nip.io", "128.0.0.1"])("refuses APP_ENV=development and test on the non-loopback HOST %s", (host) => {
    for (const appEnv of ["development", "test"]) {
      const problems = problemsOf({ APP_ENV: appEnv, HOST: host });
      expect(names(problems, "HOST"), `${appEnv} ${host}`).toBe(true);
      expect(problems.join("\n")).toContain("UNSAFE_DEV_MODE_ON_PUBLIC_INTERFACE");
    }
    expect(() => parseEnv({ APP_ENV: "development", HOST: host, UNSAFE_DEV_MODE_ON_PUBLIC_INTERFACE: "true" })).not.toThrow();
    expect(() => parseEnv({ ...PRODUCTION, HOST: host })).not.toThrow();
  });

  it.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])("accepts development mode on the loopback HOST %s", (host) => {
    expect(() => parseEnv({ APP_ENV: "development", HOST: host })).not.toThrow();
  });

  it("rejects weak secrets", () => {
    expect(names(problemsOf({ ...PRODUCTION, NEXTAUTH_SECRET: "short" }), "NEXTAUTH_SECRET")).toBe(true);
    expect(names(problemsOf({ ...PRODUCTION, CREDENTIAL_KEY: "zz".repeat(32) }), "CREDENTIAL_KEY")).toBe(true);
    expect(names(problemsOf({ ...PRODUCTION, CREDENTIAL_KEY: "ab".repeat(16) }), "CREDENTIAL_KEY")).toBe(true);
  });

  it("rejects an unknown APP_ENV", () => {
    expect(names(problemsOf({ APP_ENV: "staging" }), "APP_ENV")).toBe(true);
  });
});

describe("parseEnv: provisioner", () => {
  it("requires KAMAILIO_DATABASE_URL with PROVISIONER=kamailio", () => {
    const problems = problemsOf({ PROVISIONER: "kamailio" });
    expect(names(problems, "KAMAILIO_DATABASE_URL")).toBe(true);
  });

  it("accepts PROVISIONER=kamailio with its database", () => {
    const e = parseEnv({ PROVISIONER: "kamailio", KAMAILIO_DATABASE_URL: "postgresql://kamailio@127.0.0.1:5432/kamailio" });
    expect(e.PROVISIONER).toBe("kamailio");
  });

  it("rejects an unknown provisioner", () => {
    expect(names(problemsOf({ PROVISIONER: "asterisk" }), "PROVISIONER")).toBe(true);
  });
});

describe("env(): parsed once from process.env", () => {
  const saved = process.env.PORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
    resetEnvCache();
  });

  it("keeps its first reading until resetEnvCache()", () => {
    process.env.PORT = "4100";
    resetEnvCache();
    expect(env().PORT).toBe(4100);
    process.env.PORT = "4200";
    expect(env().PORT).toBe(4100);
    resetEnvCache();
    expect(env().PORT).toBe(4200);
  });

  it("throws EnvError for a bad process environment", () => {
    process.env.PORT = "abc";
    resetEnvCache();
    expect(() => env()).toThrow(EnvError);
    expect(() => env()).toThrow(/PORT/);
  });
});

describe("parseEnv: the support desk", () => {
  it("has placeholder defaults", () => {
    const e = parseEnv({});
    expect([e.SUPPORT_PHONE, e.SUPPORT_HOURS, e.SUPPORT_DAYS, e.SUPPORT_URL]).toEqual(["0120-123-456", "09:00-18:00", "weekdays", "/guide"]);
  });
  it("takes a phone number, hours, days and an https or local link", () => {
    const e = parseEnv({ SUPPORT_PHONE: "03-1234-5678", SUPPORT_HOURS: "9:00-21:30", SUPPORT_DAYS: "daily", SUPPORT_URL: "https://www.example.jp/support" });
    expect([e.SUPPORT_PHONE, e.SUPPORT_HOURS, e.SUPPORT_DAYS, e.SUPPORT_URL]).toEqual(["03-1234-5678", "9:00-21:30", "daily", "https://www.example.jp/support"]);
  });
  it.each([
    ["SUPPORT_PHONE", "call us"],
    ["SUPPORT_HOURS", "9 to 5"],
    ["SUPPORT_HOURS", "25:00-26:00"],
    ["SUPPORT_DAYS", "sometimes"],
    ["SUPPORT_URL", "http://www.example.jp/support"],
    ["SUPPORT_URL", "javascript:alert(1)"],
    ["SUPPORT_URL", "//evil.example/"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(names(problemsOf({ [name]: value }), name)).toBe(true);
  });
});
