-- One row per conversation. `tree_text` holds the conversation.json bytes exactly as the file format has them
-- (key order, 2-space indent, trailing newline): export must give back the same bytes, and jsonb keeps neither
-- key order nor whitespace. `tree` is derived from it by PostgreSQL itself, for queries and indexes only, so
-- the two can never disagree; a text that is not JSON cannot be stored at all.
CREATE TABLE conversations (
  file text PRIMARY KEY,
  tree_text text NOT NULL,
  tree jsonb GENERATED ALWAYS AS (tree_text::jsonb) STORED,
  -- settings.json beside the conversation, as written (json keeps the text); NULL when there is none.
  settings json,
  version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT conversations_file_shape CHECK (file LIKE 'data/conversations/%.json')
);

-- Every change, by a branchflow server or by hand in psql, tells the listening servers which conversation
-- changed and who wrote it (`branchflow.writer`, set per transaction by the servers; absent for a hand edit).
CREATE FUNCTION conversations_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := OLD;
  ELSE
    changed := NEW;
  END IF;
  PERFORM pg_notify(
    'branchflow_conversations',
    json_build_object(
      'op', lower(TG_OP),
      'file', changed.file,
      'version', changed.version,
      'writer', nullif(current_setting('branchflow.writer', true), '')
    )::text
  );
  RETURN NULL;
END;
$$;

CREATE TRIGGER conversations_changed
  AFTER INSERT OR UPDATE OR DELETE ON conversations
  FOR EACH ROW EXECUTE FUNCTION conversations_notify();
