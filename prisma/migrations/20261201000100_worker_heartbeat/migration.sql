-- One row per running reflection worker (the web server's own, or an npm run worker process), its
-- beatAt refreshed after each loop (lib/metrics.ts); /metrics reports each worker's age.
-- Mirror of model WorkerHeartbeat in prisma/schema.prisma.
CREATE TABLE "WorkerHeartbeat" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "beatAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WorkerHeartbeat_pkey" PRIMARY KEY ("id")
);
