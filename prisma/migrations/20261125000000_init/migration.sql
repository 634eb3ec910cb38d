-- Initial schema (mirror of prisma/schema.prisma). Applied by scripts/db-migrate.ts in one transaction.

CREATE TYPE "ServiceType" AS ENUM ('IP_PHONE', 'B2BUA', 'B2BUA_OPENGATE');
CREATE TYPE "ChangeStatus" AS ENUM ('PENDING', 'APPLIED', 'SUPERSEDED', 'FAILED');
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

CREATE TABLE "Customer" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "selfcareId" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "locale" TEXT NOT NULL DEFAULT 'ja',
    "failedLoginCount" INTEGER NOT NULL DEFAULT 0,
    "lockoutCount" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMPTZ(3),
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Customer_selfcareId_key" ON "Customer"("selfcareId");

CREATE TABLE "StaffUser" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "loginId" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'support',
    "failedLoginCount" INTEGER NOT NULL DEFAULT 0,
    "lockoutCount" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMPTZ(3),
    "sessionVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StaffUser_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "StaffUser_loginId_key" ON "StaffUser"("loginId");

CREATE TABLE "Line" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "number" TEXT NOT NULL,
    "customerId" UUID NOT NULL,
    "service" "ServiceType" NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "failedPasswordCount" INTEGER NOT NULL DEFAULT 0,
    "blockedUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Line_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Line_number_format" CHECK ("number" ~ '^050[0-9]{8}$')
);
CREATE UNIQUE INDEX "Line_number_key" ON "Line"("number");
CREATE INDEX "Line_customerId_idx" ON "Line"("customerId");
ALTER TABLE "Line" ADD CONSTRAINT "Line_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "PasswordChange" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "lineId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestedAt" TIMESTAMPTZ(3) NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "status" "ChangeStatus" NOT NULL DEFAULT 'PENDING',
    "credential" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "lastError" TEXT,
    "appliedAt" TIMESTAMPTZ(3),
    "supersededById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PasswordChange_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "PasswordChange_due_order" CHECK ("dueAt" >= "requestedAt" AND "deadline" >= "dueAt"),
    CONSTRAINT "PasswordChange_pending_has_credential" CHECK ("status" <> 'PENDING' OR "credential" IS NOT NULL)
);
CREATE UNIQUE INDEX "PasswordChange_idempotencyKey_key" ON "PasswordChange"("idempotencyKey");
CREATE INDEX "PasswordChange_status_nextAttemptAt_idx" ON "PasswordChange"("status", "nextAttemptAt");
CREATE INDEX "PasswordChange_lineId_requestedAt_idx" ON "PasswordChange"("lineId", "requestedAt");
-- At most one change waiting for reflection per line (not expressible in schema.prisma).
CREATE UNIQUE INDEX "PasswordChange_one_pending_per_line" ON "PasswordChange"("lineId") WHERE "status" = 'PENDING';
ALTER TABLE "PasswordChange" ADD CONSTRAINT "PasswordChange_lineId_fkey" FOREIGN KEY ("lineId") REFERENCES "Line"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "RegistrarCredential" (
    "username" TEXT NOT NULL,
    "realm" TEXT NOT NULL,
    "ha1" TEXT NOT NULL,
    "ha1b" TEXT NOT NULL,
    "lastChangeId" UUID,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "RegistrarCredential_pkey" PRIMARY KEY ("username")
);

CREATE TABLE "LoginChallenge" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customerId" UUID,
    "staffUserId" UUID,
    "codeHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sendCount" INTEGER NOT NULL DEFAULT 1,
    "lastSentAt" TIMESTAMPTZ(3) NOT NULL,
    "consumedAt" TIMESTAMPTZ(3),
    "invalidatedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LoginChallenge_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "LoginChallenge_one_principal" CHECK (("customerId" IS NULL) <> ("staffUserId" IS NULL))
);
CREATE INDEX "LoginChallenge_customerId_idx" ON "LoginChallenge"("customerId");
CREATE INDEX "LoginChallenge_staffUserId_idx" ON "LoginChallenge"("staffUserId");
ALTER TABLE "LoginChallenge" ADD CONSTRAINT "LoginChallenge_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "LoginChallenge" ADD CONSTRAINT "LoginChallenge_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "AuthSession" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "customerId" UUID,
    "staffUserId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL,
    "revokedAt" TIMESTAMPTZ(3),
    CONSTRAINT "AuthSession_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "AuthSession_one_principal" CHECK (("customerId" IS NULL) <> ("staffUserId" IS NULL))
);
CREATE INDEX "AuthSession_customerId_idx" ON "AuthSession"("customerId");
CREATE INDEX "AuthSession_staffUserId_idx" ON "AuthSession"("staffUserId");
ALTER TABLE "AuthSession" ADD CONSTRAINT "AuthSession_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AuthSession" ADD CONSTRAINT "AuthSession_staffUserId_fkey" FOREIGN KEY ("staffUserId") REFERENCES "StaffUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "OutboxEmail" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "sensitive" BOOLEAN NOT NULL DEFAULT false,
    "customerId" UUID,
    "staffUserId" UUID,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3) NOT NULL,
    "lastError" TEXT,
    "sentAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "OutboxEmail_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "OutboxEmail_status_nextAttemptAt_idx" ON "OutboxEmail"("status", "nextAttemptAt");
CREATE INDEX "OutboxEmail_customerId_idx" ON "OutboxEmail"("customerId");

CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "type" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "selfcareId" TEXT,
    "customerId" UUID,
    "staffUserId" UUID,
    "lineNumber" TEXT,
    "ip" TEXT,
    "userAgent" TEXT,
    "details" JSONB,
    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "AuditEvent_customerId_at_idx" ON "AuditEvent"("customerId", "at");
CREATE INDEX "AuditEvent_selfcareId_idx" ON "AuditEvent"("selfcareId");
CREATE INDEX "AuditEvent_lineNumber_idx" ON "AuditEvent"("lineNumber");

CREATE TABLE "RateLimiterFlexible" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "expire" TIMESTAMPTZ(3),
    CONSTRAINT "RateLimiterFlexible_pkey" PRIMARY KEY ("key")
);
