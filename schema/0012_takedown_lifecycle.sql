-- v12: the takedown lifecycle (notifier/include/tdm/notifier/lifecycle.h):
-- draft -> approved -> sent -> acknowledged -> removed | partially_removed |
-- rejected | overdue -> escalated, and withdrawn. Every move is an event with
-- who and why; events are append-only (they go only with their request, e.g.
-- when a subject erases everything). New matches join only a draft: an
-- approved or sent notice is never changed behind its approver's back.
ALTER TABLE takedowns DROP CONSTRAINT takedowns_status_check;
ALTER TABLE takedowns ADD CONSTRAINT takedowns_status_check CHECK (status IN ('draft', 'approved',
  'sent', 'acknowledged', 'removed', 'partially_removed', 'rejected', 'overdue', 'escalated',
  'withdrawn'));
DROP INDEX takedowns_one_open;
CREATE UNIQUE INDEX takedowns_one_draft ON takedowns (subject_id, host) WHERE status = 'draft';

ALTER TABLE takedown_events ADD COLUMN actor text NOT NULL DEFAULT 'tdm';

CREATE FUNCTION takedown_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM takedowns WHERE id = OLD.takedown_id) THEN
    RETURN OLD;  -- the request itself is being deleted (erasure): its history goes with it
  END IF;
  RAISE EXCEPTION 'takedown_events is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER takedown_events_append_only BEFORE UPDATE OR DELETE ON takedown_events
  FOR EACH ROW EXECUTE FUNCTION takedown_events_append_only();
