import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { database } from "@/lib/db";
import { env } from "@/lib/env";
import { configuredProvisioner } from "@/lib/provisioning/configured";
import { drainDueChanges } from "@/lib/reflection/worker";
import { secrets } from "@/lib/secrets";
import { testApiAllowed } from "@/lib/testing/fixtures";

const bodySchema = z.object({ now: z.iso.datetime({ offset: true }) });

// Runs the reflection worker once in this process as if its clock read `now` (e.g. the 17:30 batch),
// for tests on the embedded database, which no second worker process can open. 404 in production
// or without TEST_API_TOKEN.
export async function POST(req: NextRequest) {
  if (!testApiAllowed(req.headers.get("x-test-token"))) return new NextResponse("Not Found", { status: 404 });
  const parsed = bodySchema.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: parsed.error.issues }, { status: 400 });
  const e = env();
  const started = Date.now();
  const result = await drainDueChanges({
    database: database(),
    provisioner: configuredProvisioner(),
    credentialKey: secrets().credentialKey,
    now: new Date(parsed.data.now),
    batchSize: e.WORKER_BATCH_SIZE,
    maxAttempts: e.WORKER_MAX_ATTEMPTS,
  });
  return NextResponse.json({ ...result, ms: Date.now() - started });
}
