import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";

// deploy/: the systemd units pass `systemd-analyze verify` without a single warning (where systemd is
// installed), and the environment file template names only variables lib/env.ts knows and parses as a
// production configuration once its secrets are filled in. The nginx file runs in tests/e2e/deploy-rehearsal.spec.ts.
const hasSystemd = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0;

describe("deploy/", () => {
  it.runIf(hasSystemd).each([["selfcare-web@.service", "selfcare-web@1.service"], ["selfcare-worker@.service", "selfcare-worker@2.service"]])("systemd-analyze verify %s", (file, instance) => {
    const dir = mkdtempSync(path.join(tmpdir(), "selfcare-units-"));
    try {
      copyFileSync(path.join("deploy/systemd", file), path.join(dir, file));
      const r = spawnSync("systemd-analyze", ["verify", `${path.join(dir, file)}:${instance}`], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the environment file template is a production configuration once its secrets are set", () => {
    const vars = Object.fromEntries(
      readFileSync("deploy/selfcare.env.example", "utf8")
        .split("\n")
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1).replace(/^"(.*)"$/, "$1")]),
    );
    const known = readFileSync(".env.example", "utf8");
    for (const name of Object.keys(vars)) if (!["NODE_ENV", "NEXT_TELEMETRY_DISABLED"].includes(name)) expect(known, name).toMatch(new RegExp(`^#? ?${name}=`, "m"));
    const e = parseEnv({ ...vars, NEXTAUTH_SECRET: "s".repeat(48), CREDENTIAL_KEY: "ab".repeat(32), METRICS_TOKEN: "m".repeat(24) });
    expect(e.APP_ENV).toBe("production");
    expect(e.DATABASE_URL).toMatch(/^postgresql:/);
  });
});
