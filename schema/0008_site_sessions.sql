-- v8: sessions for sites behind a login: request headers and a cookie the
-- crawler sends to the site's own host. Secrets: kept apart from `sites` so
-- that nothing that lists or logs sites reads them; never printed or logged.
CREATE TABLE site_secrets (
  site_id     bigint PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  headers     text[] NOT NULL DEFAULT '{}',  -- "Name: value" lines
  cookie      text NOT NULL DEFAULT '',      -- "a=1; b=2"
  updated_at  timestamptz NOT NULL DEFAULT now()
);
