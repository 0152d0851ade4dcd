-- v3: running matchers LISTEN on tdm_profiles and reload their profile set as
-- soon as a profile is added, deleted or its subject withdrawn; their
-- periodic version check stays as the reconcile that catches anything missed.
CREATE FUNCTION tdm_notify_profiles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tdm_profiles', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER hash_profiles_notify AFTER INSERT OR UPDATE OR DELETE ON hash_profiles
  FOR EACH STATEMENT EXECUTE FUNCTION tdm_notify_profiles();
CREATE TRIGGER profile_hashes_notify AFTER INSERT OR DELETE ON profile_hashes
  FOR EACH STATEMENT EXECUTE FUNCTION tdm_notify_profiles();
CREATE TRIGGER subjects_notify AFTER UPDATE OF withdrawn_at OR DELETE ON subjects
  FOR EACH STATEMENT EXECUTE FUNCTION tdm_notify_profiles();
