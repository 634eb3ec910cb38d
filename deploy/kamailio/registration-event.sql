-- The registrar's record of REGISTER outcomes (written by deploy/kamailio/kamailio.cfg through
-- sqlops, read by the portal's lib/registration). One row per outcome: 'ok' (a binding saved),
-- 'wrong_password' (auth_check -2), 'unknown_user' (-3), 'no_credentials' (credentials sent, but
-- none for this realm: -5 with an Authorization header). An unauthenticated first REGISTER (the
-- normal challenge) is not recorded.
-- Bounded by a time window: the registrar's own rtimer deletes rows older than REG_EVENTS_KEEP_DAYS
-- (default 7) every 5 minutes; `at` is the registrar database's clock.
CREATE TABLE IF NOT EXISTS registration_event (
  id BIGSERIAL PRIMARY KEY,
  username VARCHAR(64) NOT NULL,
  domain VARCHAR(64) NOT NULL DEFAULT '',
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  outcome VARCHAR(16) NOT NULL,
  source VARCHAR(128),
  user_agent VARCHAR(255),
  expires INTEGER
);
CREATE INDEX IF NOT EXISTS registration_event_user_at_idx ON registration_event (username, at DESC);
-- BRIN: rows arrive in time order, so a block-range index serves the prune at almost no insert cost.
CREATE INDEX IF NOT EXISTS registration_event_at_brin ON registration_event USING brin (at);
