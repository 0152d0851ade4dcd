-- v10: per-site trap limits. A site's own caps on URL length, query
-- parameters, path segments and the calendar window (NULL: the crawler's
-- defaults), set with `tdm site limits` beside the existing page and depth caps.
ALTER TABLE sites
  ADD COLUMN max_url_length integer CHECK (max_url_length IS NULL OR max_url_length >= 16),
  ADD COLUMN max_query_params integer CHECK (max_query_params IS NULL OR max_query_params >= 0),
  ADD COLUMN max_path_segments integer CHECK (max_path_segments IS NULL OR max_path_segments >= 1),
  ADD COLUMN calendar_window_days integer
    CHECK (calendar_window_days IS NULL OR calendar_window_days >= 1);
