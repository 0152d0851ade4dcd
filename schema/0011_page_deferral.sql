-- v11: a page its host could not take within the crawler's batch (politeness
-- or a 429/503 with Retry-After) is queued again for later without counting
-- an attempt; `deferred` tells it from a page retried after a failure, so
-- `tdm crawl --wait` waits for it.
ALTER TABLE crawl_urls ADD COLUMN deferred boolean NOT NULL DEFAULT false;
