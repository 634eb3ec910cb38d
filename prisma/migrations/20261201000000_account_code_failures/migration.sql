-- Issue 14: wrong two-step codes are counted per account (not only per challenge), so a fresh
-- challenge opened with a known password buys no fresh guesses. Reset only by a completed sign-in
-- or a staff unlock.
ALTER TABLE "Customer" ADD COLUMN "failedCodeCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "StaffUser" ADD COLUMN "failedCodeCount" INTEGER NOT NULL DEFAULT 0;
