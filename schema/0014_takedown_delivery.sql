-- v14: getting a takedown request to the right recipient under the right
-- regime, sending it, and checking that the content went.

-- Who a site's notices go to when the legal team knows it (its designated
-- DMCA agent, say), and where the site operates (it decides the regimes:
-- notifier/include/tdm/notifier/regimes.h). '' = unknown.
ALTER TABLE sites ADD COLUMN contact_email text,
  ADD COLUMN jurisdiction text NOT NULL DEFAULT '' CHECK (jurisdiction IN ('', 'us', 'eu', 'other'));

-- The subject's situation, which also decides the regimes: do they own the
-- copyright in the registered photos (NULL: not known yet), where they live.
ALTER TABLE subjects ADD COLUMN owns_copyright boolean,
  ADD COLUMN region text NOT NULL DEFAULT '' CHECK (region IN ('', 'us', 'eu', 'other'));

-- Recipients found for an origin (scheme://host:port): the candidates in
-- order (site contact, hosting abuse, registrar abuse, security.txt) with
-- their sources, and what failed on the way. Not personal data.
CREATE TABLE recipient_cache (
  origin       text PRIMARY KEY,
  candidates   jsonb NOT NULL DEFAULT '[]',  -- [{email, source, kind}]
  problems     text[] NOT NULL DEFAULT '{}',
  resolved_at  timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);

ALTER TABLE takedowns
  ADD COLUMN site_id bigint REFERENCES sites(id) ON DELETE SET NULL,
  -- Who the notice goes to and why that address (shown in the draft).
  ADD COLUMN recipient_email text NOT NULL DEFAULT '',
  ADD COLUMN recipient_source text NOT NULL DEFAULT '',
  ADD COLUMN recipients jsonb NOT NULL DEFAULT '[]',  -- every candidate: escalation targets
  -- NULL: the notifier has yet to find the recipients, choose the regimes
  -- and redraft the text (a new request, or its site's or subject's details
  -- changed).
  ADD COLUMN prepared_at timestamptz,
  -- NULL: regimes chosen by tdm from the subject's and the site's situation;
  -- else the person who set them.
  ADD COLUMN regimes_set_by text,
  -- Sending: the Message-ID is fixed before the first attempt, so a retry
  -- after a crash is the same message to the recipient.
  ADD COLUMN message_id text,
  ADD COLUMN sent_to text,
  ADD COLUMN sent_via text,
  -- Earlier requests whose content came back (a re-upload cites them).
  ADD COLUMN cites bigint[] NOT NULL DEFAULT '{}',
  -- An escalation: the notice went on to this recipient after the first.
  ADD COLUMN escalated_to text,
  ADD COLUMN escalated_source text,
  ADD COLUMN escalation_body text NOT NULL DEFAULT '',
  ADD COLUMN next_check_at timestamptz;
CREATE INDEX takedowns_unprepared ON takedowns (id) WHERE prepared_at IS NULL AND status = 'draft';
CREATE INDEX takedowns_next_check ON takedowns (next_check_at)
  WHERE status IN ('sent', 'acknowledged', 'overdue', 'escalated', 'partially_removed');

-- Each listed URL's state after sending, from the removal checks.
ALTER TABLE takedown_items
  ADD COLUMN state text NOT NULL DEFAULT 'listed'
    CHECK (state IN ('listed', 'present', 'removed', 'unknown')),
  ADD COLUMN state_reason text NOT NULL DEFAULT '',
  ADD COLUMN checked_at timestamptz,
  ADD COLUMN checks integer NOT NULL DEFAULT 0,
  ADD COLUMN removed_at timestamptz;

-- Per regime: how long a host has to remove the content once the notice is
-- sent, and how often its URLs are re-checked meanwhile.
-- `tdm takedowns deadline REGIME DURATION [--check-every DURATION]`.
CREATE TABLE regime_settings (
  regime       text PRIMARY KEY,
  deadline     interval NOT NULL CHECK (deadline > interval '0'),
  check_every  interval NOT NULL CHECK (check_every >= interval '1 second'),
  updated_by   text NOT NULL DEFAULT 'tdm',
  updated_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO regime_settings (regime, deadline, check_every) VALUES
  ('take-it-down', interval '48 hours', interval '1 hour'),
  ('ncii-policy', interval '72 hours', interval '2 hours'),
  ('dmca-512c3', interval '7 days', interval '6 hours'),
  ('eu-dsa-16', interval '7 days', interval '6 hours');

-- Evidence: what a page looked like when the material was sighted on it and
-- when its removal was checked. The page's HTTP response as a WARC record
-- (ISO 28500) and the image's hashes: never image bytes.
CREATE TABLE evidence (
  id           bigserial PRIMARY KEY,
  takedown_id  bigint NOT NULL REFERENCES takedowns(id) ON DELETE CASCADE,
  item_id      bigint REFERENCES takedown_items(id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('sighting', 'check')),
  url          text NOT NULL,
  final_url    text NOT NULL DEFAULT '',
  captured_at  timestamptz NOT NULL DEFAULT now(),
  http_status  integer NOT NULL DEFAULT 0,
  headers      text NOT NULL DEFAULT '',
  image_url    text NOT NULL DEFAULT '',
  image_sha256 text NOT NULL DEFAULT '',
  image_pdq    text NOT NULL DEFAULT '',
  verdict      text NOT NULL DEFAULT '',
  reason       text NOT NULL DEFAULT '',
  warc         bytea  -- WARC/1.1 response + metadata records; NULL when no page arrived
);
CREATE INDEX evidence_item ON evidence (item_id, kind);
CREATE INDEX evidence_takedown ON evidence (takedown_id);

-- An escalation's own sending (the first notice's columns keep theirs).
ALTER TABLE takedowns ADD COLUMN escalation_message_id text,
  ADD COLUMN escalation_sent_at timestamptz;
