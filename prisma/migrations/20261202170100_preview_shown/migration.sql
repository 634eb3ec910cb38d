-- "Preview shown" (issue 17): one audit row per form (its idempotency key), line and promise shown.
-- The conditional insert in lib/lines/preview-shown.ts leans on this index (ON CONFLICT DO NOTHING),
-- so asking for the same preview many times at once still leaves one row.
CREATE UNIQUE INDEX "AuditEvent_preview_shown_key" ON "AuditEvent" ("lineNumber", (details->>'formKey'), (details->>'promise'))
  WHERE type = 'PREVIEW_SHOWN';
