-- v4: face profiles, faces found in crawled images, face matches.

-- One row per registered face photo: only its 128-d embedding (128 float32,
-- little-endian, 512 bytes). The photo itself is never stored.
CREATE TABLE face_profiles (
  id               bigserial PRIMARY KEY,
  subject_id       bigint NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
  embedding        bytea NOT NULL CHECK (length(embedding) = 512),
  label            text NOT NULL DEFAULT '',
  created_at       timestamptz NOT NULL DEFAULT now(),
  -- Retro-hunt, as for hash profiles: searched against every stored face once.
  retro_state      text NOT NULL DEFAULT 'pending'
                   CHECK (retro_state IN ('pending', 'running', 'done')),
  retro_claimed_at timestamptz,
  retro_matches    integer NOT NULL DEFAULT 0
);
-- The same photo registered twice gives the same embedding: stored once.
CREATE UNIQUE INDEX face_profiles_subject_embedding ON face_profiles (subject_id, md5(embedding));
CREATE INDEX face_profiles_retro_pending ON face_profiles (id) WHERE retro_state <> 'done';
CREATE TRIGGER face_profiles_notify AFTER INSERT OR UPDATE OR DELETE ON face_profiles
  FOR EACH STATEMENT EXECUTE FUNCTION tdm_notify_profiles();

-- Faces found in crawled images: where, and the embedding, kept only for the
-- retention window (TDM_FACE_RETENTION_DAYS, default 90; found_at is renewed
-- when the image is seen again) so that new profiles can be retro-hunted
-- against them; then purged by the matcher.
CREATE TABLE image_faces (
  id          bigserial PRIMARY KEY,
  image_id    bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  x           integer NOT NULL,
  y           integer NOT NULL,
  width       integer NOT NULL,
  height      integer NOT NULL,
  score       real NOT NULL,
  embedding   bytea NOT NULL CHECK (length(embedding) = 512),
  found_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (image_id, x, y, width, height)
);
CREATE INDEX image_faces_found_at ON image_faces (found_at);
-- When the image's faces were looked for (NULL: never, e.g. seen before v4),
-- so the same bytes seen at another URL are not analysed again.
ALTER TABLE images ADD COLUMN faces_checked_at timestamptz;

-- A face match: the face profile, the face's box in the image and the
-- distance. Face matches always wait for a person's review. When the same
-- sighting also matches by hash, the one row carries both.
ALTER TABLE matches DROP CONSTRAINT matches_kind_check;
ALTER TABLE matches ADD CONSTRAINT matches_kind_check
  CHECK (kind IN ('sha256', 'md5', 'pdq', 'face'));
ALTER TABLE matches DROP CONSTRAINT matches_band_check;
ALTER TABLE matches ADD CONSTRAINT matches_band_check
  CHECK (band IN ('exact', 'near-exact', 'strong', 'weak', 'face', 'face-review'));
ALTER TABLE matches ADD COLUMN face_profile_id bigint
  REFERENCES face_profiles(id) ON DELETE SET NULL;
ALTER TABLE matches ADD COLUMN face_box integer[]
  CHECK (face_box IS NULL OR cardinality(face_box) = 4);
ALTER TABLE matches ADD COLUMN face_distance real;
