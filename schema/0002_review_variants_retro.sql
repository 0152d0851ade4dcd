-- v2: review of matches, hash variants per registered photo, imported hash
-- lists, MD5 matching, retro-hunt bookkeeping.

-- Every PDQ hash a registered photo contributes: its own, and the variants
-- computed from it in memory (rotations, mirrors, crops) so that edited
-- reposts still match. Still never the photo.
CREATE TABLE profile_hashes (
  id          bigserial PRIMARY KEY,
  profile_id  bigint NOT NULL REFERENCES hash_profiles(id) ON DELETE CASCADE,
  variant     text NOT NULL,
  pdq         bytea NOT NULL CHECK (length(pdq) = 32),
  quality     smallint NOT NULL,
  UNIQUE (profile_id, variant)
);
INSERT INTO profile_hashes (profile_id, variant, pdq, quality)
  SELECT id, 'orig', pdq, quality FROM hash_profiles;

-- Hashes imported from a shared list have no digests and no photo behind them.
ALTER TABLE hash_profiles ALTER COLUMN sha256 DROP NOT NULL;
ALTER TABLE hash_profiles ALTER COLUMN md5 DROP NOT NULL;
ALTER TABLE hash_profiles ADD COLUMN source text NOT NULL DEFAULT 'photo'
  CHECK (source IN ('photo', 'import'));
CREATE UNIQUE INDEX hash_profiles_subject_pdq ON hash_profiles (subject_id, pdq);
-- Retro-hunt: a new profile is searched against every image already seen.
ALTER TABLE hash_profiles ADD COLUMN retro_state text NOT NULL DEFAULT 'pending'
  CHECK (retro_state IN ('pending', 'running', 'done'));
ALTER TABLE hash_profiles ADD COLUMN retro_claimed_at timestamptz;
ALTER TABLE hash_profiles ADD COLUMN retro_matches integer NOT NULL DEFAULT 0;
CREATE INDEX hash_profiles_retro_pending ON hash_profiles (id) WHERE retro_state <> 'done';

-- A subject's review policy: matches at or below this PDQ distance (and
-- identical digests) are confirmed without review; -1 turns that off.
ALTER TABLE subjects ADD COLUMN auto_confirm_distance integer NOT NULL DEFAULT 10
  CHECK (auto_confirm_distance BETWEEN -1 AND 31);

CREATE INDEX images_md5 ON images (md5);

ALTER TABLE matches DROP CONSTRAINT matches_kind_check;
ALTER TABLE matches ADD CONSTRAINT matches_kind_check CHECK (kind IN ('sha256', 'md5', 'pdq'));
ALTER TABLE matches ADD COLUMN variant text NOT NULL DEFAULT 'orig';
ALTER TABLE matches ADD COLUMN band text NOT NULL DEFAULT 'strong'
  CHECK (band IN ('exact', 'near-exact', 'strong', 'weak'));
ALTER TABLE matches ADD COLUMN found_by text NOT NULL DEFAULT 'crawl'
  CHECK (found_by IN ('crawl', 'retro-hunt'));
ALTER TABLE matches ADD COLUMN reviewed_at timestamptz;
ALTER TABLE matches ALTER COLUMN status SET DEFAULT 'pending_review';
CREATE INDEX matches_pending ON matches (subject_id) WHERE status = 'pending_review';
