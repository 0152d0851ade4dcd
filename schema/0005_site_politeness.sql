-- v5: per-site politeness and robots.txt overrides, each recorded with its
-- reason (who asked, why): an NGO may slow a crawl down for a fragile site,
-- or speed it up for a host it runs itself, and the record says so.
ALTER TABLE sites ADD COLUMN crawl_delay_ms integer CHECK (crawl_delay_ms BETWEEN 0 AND 600000);
ALTER TABLE sites ADD COLUMN max_concurrency integer CHECK (max_concurrency BETWEEN 1 AND 64);
ALTER TABLE sites ADD COLUMN politeness_reason text;
ALTER TABLE sites ADD CONSTRAINT sites_politeness_has_reason CHECK (
  (crawl_delay_ms IS NULL AND max_concurrency IS NULL) OR length(politeness_reason) > 0);
ALTER TABLE sites ADD COLUMN obey_robots boolean NOT NULL DEFAULT true;
ALTER TABLE sites ADD COLUMN robots_reason text;
ALTER TABLE sites ADD CONSTRAINT sites_robots_override_has_reason CHECK (
  obey_robots OR length(robots_reason) > 0);
