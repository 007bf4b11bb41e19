-- cognate serve on PostgreSQL, schema version 2: Store::lock_then_get in one round trip.
-- Takes the session advisory lock `lock_name` (waiting for its holder on any node), then reads
-- the record. VOLATILE: each statement of the function takes a fresh snapshot, so the read is
-- made once the lock is held and sees what the previous holder committed before it let go (a
-- single SELECT calling pg_advisory_lock would read with the snapshot of its start instead).
-- PL/pgSQL keeps the statements' plans for the session; an SQL function plans them at every
-- call.
CREATE FUNCTION cognate_lock_then_get(lock_name TEXT, doc_kind TEXT, doc_scope TEXT, doc_key TEXT)
RETURNS TEXT LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found_data TEXT;
BEGIN
  PERFORM pg_advisory_lock(hashtextextended(lock_name, 1));
  SELECT d.data INTO found_data FROM docs d
    WHERE d.kind = doc_kind AND d.scope = doc_scope AND d.key = doc_key;
  RETURN found_data;
END
$$;
