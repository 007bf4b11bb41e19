-- cognate serve on PostgreSQL, schema version 3: a pool's stamp.
-- A number that changes, in the same transaction, with every change of the pool's record, of
-- its groups and of its configuration documents, and is never given twice (one sequence for
-- every pool, so that a pool deleted and made again under its id gets a new one). A node may
-- keep what it derived from those records (the pool's groups, its session settings) under the
-- stamp it read with the pool, and use it for as long as the pool it reads has that stamp: a
-- change made on any node is seen by every node's next read of the pool.
CREATE SEQUENCE cognate_stamps;
ALTER TABLE pools ADD COLUMN stamp BIGINT NOT NULL DEFAULT nextval('cognate_stamps');

CREATE FUNCTION cognate_restamp_pool() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    UPDATE pools SET stamp = nextval('cognate_stamps') WHERE id = OLD.scope;
  ELSE
    UPDATE pools SET stamp = nextval('cognate_stamps') WHERE id = NEW.scope;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER docs_restamp_pool_on_write AFTER INSERT OR UPDATE ON docs
  FOR EACH ROW WHEN (NEW.kind IN ('group', 'config_doc'))
  EXECUTE FUNCTION cognate_restamp_pool();
CREATE TRIGGER docs_restamp_pool_on_delete AFTER DELETE ON docs
  FOR EACH ROW WHEN (OLD.kind IN ('group', 'config_doc'))
  EXECUTE FUNCTION cognate_restamp_pool();
