-- 0011: a `+` in a URL's path is recorded as `%2B` (RecordedURL.normalize), because installers
-- treat the two spellings as one file: pip quotes `torch-2.0.1+cpu-…whl` to `%2B`, people write
-- `+` (ARCHITECTURE.md §3). Rows recorded under the `+` spelling move to the `%2B` one, with a new
-- url_key, and pins' URL patterns follow. `recorded_url`, `recorded_url_key` and
-- `recorded_url_pattern` are the Swift rules, registered for migrations.
-- A `+` row whose `%2B` twin already exists is left as it was (nothing is deleted by a migration):
-- lookups find the twin, and `gc` treats the old row as any other.
UPDATE response
SET url = recorded_url(url), url_key = recorded_url_key(recorded_url(url))
WHERE instr(url, '+') > 0 AND url <> recorded_url(url)
  AND NOT EXISTS (
      SELECT 1 FROM response twin
      WHERE twin.url = recorded_url(response.url) AND twin.method = response.method
        AND twin.variant_key = response.variant_key);

UPDATE observation SET url = recorded_url(url) WHERE instr(url, '+') > 0 AND url <> recorded_url(url);

UPDATE index_file SET url = recorded_url(url) WHERE instr(url, '+') > 0 AND url <> recorded_url(url);

-- A pattern whose quoted twin is already pinned stays as it was (OR IGNORE: one pin each).
UPDATE OR IGNORE pin SET url_pattern = recorded_url_pattern(url_pattern)
WHERE url_pattern IS NOT NULL AND instr(url_pattern, '+') > 0;
