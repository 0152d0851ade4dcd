-- tdm schema v1: subjects and consent, hash profiles, watched sites, crawls,
-- image signals (never bytes), sightings, matches, takedown requests.

CREATE TABLE subjects (
  id               bigserial PRIMARY KEY,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email            text,
  phone            text,
  postal_address   text,
  consent_given_at timestamptz NOT NULL DEFAULT now(),
  consent_scope    text NOT NULL DEFAULT 'hash-matching',
  withdrawn_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per registered photo: only its hashes. The photo itself is never stored.
CREATE TABLE hash_profiles (
  id          bigserial PRIMARY KEY,
  subject_id  bigint NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  pdq         bytea NOT NULL CHECK (length(pdq) = 32),
  quality     smallint NOT NULL,
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  md5         bytea NOT NULL CHECK (length(md5) = 16),
  label       text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subject_id, sha256)
);

CREATE TABLE sites (
  id                bigserial PRIMARY KEY,
  name              text NOT NULL,
  seed_url          text NOT NULL,
  scope_prefix      text NOT NULL,
  allow_private     boolean NOT NULL DEFAULT false,
  max_pages         integer NOT NULL DEFAULT 10000,
  max_depth         integer NOT NULL DEFAULT 20,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (seed_url)
);

CREATE TABLE crawls (
  id           bigserial PRIMARY KEY,
  site_id      bigint NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);

-- Every page URL a crawl has discovered, with its state. (crawl, url) is unique,
-- so a page is fetched once per crawl however often it is linked or redelivered.
CREATE TABLE crawl_urls (
  crawl_id      bigint NOT NULL REFERENCES crawls(id) ON DELETE CASCADE,
  url           text NOT NULL,
  depth         integer NOT NULL,
  state         text NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'fetching', 'done', 'failed')),
  http_status   integer,
  content_type  text,
  bytes         bigint,
  error         text,
  attempts      integer NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crawl_id, url)
);
CREATE INDEX crawl_urls_pending ON crawl_urls (crawl_id) WHERE state IN ('queued', 'fetching');

-- Image signals. Bytes are never stored: only digests, PDQ and dimensions.
CREATE TABLE images (
  id          bigserial PRIMARY KEY,
  sha256      bytea NOT NULL UNIQUE CHECK (length(sha256) = 32),
  md5         bytea NOT NULL CHECK (length(md5) = 16),
  pdq         bytea NOT NULL CHECK (length(pdq) = 32),
  quality     smallint NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  format      text NOT NULL,
  first_seen  timestamptz NOT NULL DEFAULT now()
);

-- An image reference found on a page during a crawl, and what became of it.
CREATE TABLE image_refs (
  crawl_id    bigint NOT NULL REFERENCES crawls(id) ON DELETE CASCADE,
  page_url    text NOT NULL,
  image_url   text NOT NULL,
  how         text NOT NULL DEFAULT '',
  state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
  image_id    bigint REFERENCES images(id),
  http_status integer,
  error       text,
  attempts    integer NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crawl_id, page_url, image_url)
);
CREATE INDEX image_refs_pending ON image_refs (crawl_id) WHERE state = 'queued';
CREATE INDEX image_refs_by_image_url ON image_refs (crawl_id, image_url) WHERE image_id IS NOT NULL;

-- This image, at this image URL, on this page URL: first and last time seen.
CREATE TABLE sightings (
  id            bigserial PRIMARY KEY,
  image_id      bigint NOT NULL REFERENCES images(id),
  page_url      text NOT NULL,
  image_url     text NOT NULL,
  host          text NOT NULL,
  site_id       bigint REFERENCES sites(id) ON DELETE SET NULL,
  crawl_id      bigint REFERENCES crawls(id) ON DELETE SET NULL,
  http_status   integer,
  first_seen    timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (page_url, image_url)
);
CREATE INDEX sightings_image ON sightings (image_id);

CREATE TABLE matches (
  id           bigserial PRIMARY KEY,
  subject_id   bigint NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  profile_id   bigint REFERENCES hash_profiles(id) ON DELETE SET NULL,
  sighting_id  bigint NOT NULL REFERENCES sightings(id),
  kind         text NOT NULL CHECK (kind IN ('sha256', 'pdq')),
  distance     integer NOT NULL,
  status       text NOT NULL DEFAULT 'confirmed'
               CHECK (status IN ('pending_review', 'confirmed', 'rejected')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subject_id, sighting_id)
);

CREATE TABLE takedowns (
  id            bigserial PRIMARY KEY,
  subject_id    bigint NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  host          text NOT NULL,
  status        text NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'approved', 'sent', 'removed', 'refused', 'withdrawn')),
  regimes       text[] NOT NULL DEFAULT ARRAY['dmca-512c3', 'take-it-down'],
  subject_line  text NOT NULL DEFAULT '',
  body          text NOT NULL DEFAULT '',
  missing       text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- One open request per (subject, host): new matches join it.
CREATE UNIQUE INDEX takedowns_one_open ON takedowns (subject_id, host)
  WHERE status IN ('draft', 'approved', 'sent');

CREATE TABLE takedown_items (
  id           bigserial PRIMARY KEY,
  takedown_id  bigint NOT NULL REFERENCES takedowns(id) ON DELETE CASCADE,
  match_id     bigint NOT NULL UNIQUE REFERENCES matches(id) ON DELETE CASCADE,
  page_url     text NOT NULL,
  image_url    text NOT NULL,
  added_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE takedown_events (
  id           bigserial PRIMARY KEY,
  takedown_id  bigint NOT NULL REFERENCES takedowns(id) ON DELETE CASCADE,
  at           timestamptz NOT NULL DEFAULT now(),
  from_status  text,
  to_status    text NOT NULL,
  note         text NOT NULL DEFAULT ''
);
