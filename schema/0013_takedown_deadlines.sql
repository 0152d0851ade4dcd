-- v13: deadlines. A request marked sent gets its removal deadline from its
-- regimes (the shortest: TAKE IT DOWN 48 h; see lifecycle.h); the notifier
-- marks sent or acknowledged requests past it overdue, as the actor 'tdm'.
ALTER TABLE takedowns ADD COLUMN sent_at timestamptz, ADD COLUMN deadline_at timestamptz;
CREATE INDEX takedowns_deadline ON takedowns (deadline_at)
  WHERE status IN ('sent', 'acknowledged');
