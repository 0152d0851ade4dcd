-- v9: recrawls. A site may be re-checked on a schedule (`tdm site schedule ID
-- EVERY`); every page a crawl of the site has fetched is remembered in
-- site_pages with its validators (ETag, Last-Modified), a digest of what was
-- found on it, and an interval of its own that shrinks when the page changes
-- and grows when it does not. The scheduler (one active crawler process,
-- under an advisory lock) puts due pages into a crawl of kind 'recrawl'.
ALTER TABLE sites ADD COLUMN recrawl_every_secs integer
  CHECK (recrawl_every_secs IS NULL OR recrawl_every_secs >= 1);

ALTER TABLE crawls ADD COLUMN kind text NOT NULL DEFAULT 'full'
  CHECK (kind IN ('full', 'recrawl'));
CREATE INDEX crawls_open_recrawl ON crawls (site_id) WHERE kind = 'recrawl' AND finished_at IS NULL;

-- What kind of page a frontier URL is: 'index' pages (a crawl's seed, the
-- pages reached through pagination) are revisited more often than 'page's;
-- an 'image-page' is a thumbnail's full-size page, possibly on another host
-- (an image host), fetched one hop for its images only.
ALTER TABLE crawl_urls ADD COLUMN kind text NOT NULL DEFAULT 'page'
  CHECK (kind IN ('page', 'index', 'image-page'));

CREATE TABLE site_pages (
  site_id         bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  url             text NOT NULL,
  depth           integer NOT NULL,
  kind            text NOT NULL DEFAULT 'page' CHECK (kind IN ('page', 'index', 'image-page')),
  etag            text,
  last_modified   text,
  -- FNV-1a 64 of the page's sorted links and images: "changed" means that
  -- what a crawler can find on the page changed, not a timestamp in it.
  content_digest  bigint,
  fetches         integer NOT NULL DEFAULT 0,
  changes         integer NOT NULL DEFAULT 0,
  not_modified    integer NOT NULL DEFAULT 0,
  first_seen      timestamptz NOT NULL DEFAULT now(),
  last_fetched    timestamptz,
  last_changed    timestamptz,
  interval_secs   integer NOT NULL CHECK (interval_secs >= 1),
  next_due        timestamptz NOT NULL,
  PRIMARY KEY (site_id, url)
);
CREATE INDEX site_pages_due ON site_pages (next_due);
