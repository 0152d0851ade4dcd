-- v15: content that comes back. A removed request's URLs stay watched for a
-- while (watch_until; checked weekly, and on `tdm takedowns verify ID`): an
-- image back at a listed URL is the same sighting and the same match, so it
-- opens (or joins) the subject's draft for the host as a new item citing the
-- removed request. A match may therefore be listed in more than one request,
-- once in each; a newly confirmed match still joins only the open draft.
ALTER TABLE takedown_items DROP CONSTRAINT takedown_items_match_id_key;
ALTER TABLE takedown_items ADD CONSTRAINT takedown_items_once_per_request
  UNIQUE (takedown_id, match_id);
CREATE INDEX takedown_items_match ON takedown_items (match_id);
ALTER TABLE takedowns ADD COLUMN watch_until timestamptz;
CREATE INDEX takedowns_watched ON takedowns (next_check_at)
  WHERE status = 'removed' AND watch_until IS NOT NULL;
