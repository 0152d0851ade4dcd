-- v6: a page answered with 429 or 5xx (or a network failure) is retried
-- later instead of failing: it stays queued until retry_at (the server's
-- Retry-After, else exponential backoff with jitter), up to the attempt cap.
ALTER TABLE crawl_urls ADD COLUMN retry_at timestamptz;
