// The test-data API's handlers (app/api/test/[...path]/route.ts routes to them after its guard).
// Production builds replace this module by testing/api.disabled.ts (next.config.ts), so neither it
// nor testing/data.ts is part of a production bundle.
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { database } from "@/lib/db";
import { env } from "@/lib/env";
import { configuredProvisioner } from "@/lib/provisioning/configured";
import { drainDueChanges } from "@/lib/reflection/worker";
import { secrets } from "@/lib/secrets";
import {
  createTestCustomer,
  createTestCustomersBulk,
  createTestStaff,
  deleteTestCustomer,
  deleteTestStaff,
  testCustomerBulkSchema,
  testCustomerSchema,
  testLoginIdParam,
  testStaffSchema,
  testTableCounts,
} from "./data";

export type TestApiHandler = (req: NextRequest) => Promise<Response>;
/** Handlers by "METHOD path" (the path below /api/test/). */
export type TestApi = Record<string, TestApiHandler>;

const body = async <T>(req: NextRequest, schema: z.ZodType<T>, run: (input: T) => Promise<unknown>, status = 201): Promise<Response> => {
  const parsed = schema.safeParse(await req.json().catch(() => null));
  if (!parsed.success) return NextResponse.json({ error: parsed.error.issues }, { status: 400 });
  return NextResponse.json(await run(parsed.data), { status });
};

const reflectSchema = z.object({ now: z.iso.datetime({ offset: true }) });

export const testApi: TestApi | null = {
  // Test customers with lines, for end-to-end tests and the QA kit.
  "POST customers": (req) => body(req, testCustomerSchema, (input) => createTestCustomer(database(), input)),
  "DELETE customers": async (req) => {
    const id = testLoginIdParam(req.nextUrl.searchParams.get("selfcareId"));
    if (!id) return NextResponse.json({ error: "selfcareId required (1-64 characters, no control characters)" }, { status: 400 });
    return NextResponse.json({ deleted: await deleteTestCustomer(database(), id) });
  },
  // Many test customers at once (one line each), for load tests.
  "POST customers/bulk": (req) => body(req, testCustomerBulkSchema, (input) => createTestCustomersBulk(database(), input)),
  // Test staff members.
  "POST staff": (req) => body(req, testStaffSchema, (input) => createTestStaff(database(), input)),
  "DELETE staff": async (req) => {
    const id = testLoginIdParam(req.nextUrl.searchParams.get("loginId"));
    if (!id) return NextResponse.json({ error: "loginId required (1-64 characters, no control characters)" }, { status: 400 });
    return NextResponse.json({ deleted: await deleteTestStaff(database(), id) });
  },
  // Row counts (by status, kind and type) and content digests of every table, for load and bad-input tests.
  "GET counts": async () => NextResponse.json(await testTableCounts(database())),
  // Runs the reflection worker once in this process as if its clock read `now` (e.g. the 17:30
  // batch), for tests on the embedded database, which no second worker process can open.
  "POST reflect": (req) =>
    body(
      req,
      reflectSchema,
      async ({ now }) => {
        const e = env();
        const started = Date.now();
        const result = await drainDueChanges({
          database: database(),
          provisioner: configuredProvisioner(),
          credentialKey: secrets().credentialKey,
          now: new Date(now),
          batchSize: e.WORKER_BATCH_SIZE,
          maxAttempts: e.WORKER_MAX_ATTEMPTS,
        });
        return { ...result, ms: Date.now() - started };
      },
      200,
    ),
};
