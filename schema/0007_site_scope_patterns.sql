-- v7: per-site scope patterns (robots.txt-style, '*' and a final '$'): when
-- include_patterns is not empty a page must match one; a page matching an
-- exclude pattern is never crawled. Validated by `tdm site scope`.
ALTER TABLE sites ADD COLUMN include_patterns text[] NOT NULL DEFAULT '{}';
ALTER TABLE sites ADD COLUMN exclude_patterns text[] NOT NULL DEFAULT '{}';
