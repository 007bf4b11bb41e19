-- cognate serve on PostgreSQL, schema version 1: the same records as the SQLite backend.
-- Records are JSON text (decoded by the server); the columns beside them are what is looked
-- up, ordered or purged by. `seq` keeps "oldest first" orders.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value BYTEA NOT NULL);
CREATE TABLE pools (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL);
CREATE INDEX pools_seq ON pools (seq);
CREATE TABLE clients (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  data TEXT NOT NULL);
CREATE INDEX clients_pool ON clients (pool_id, seq);
CREATE TABLE users (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  pool_id TEXT NOT NULL,
  username TEXT NOT NULL,
  sub TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  data TEXT NOT NULL,
  PRIMARY KEY (pool_id, username));
CREATE INDEX users_order ON users (pool_id, seq);
CREATE INDEX users_sub ON users (pool_id, sub);
CREATE INDEX users_email ON users (pool_id, email);
CREATE INDEX users_phone ON users (pool_id, phone);
CREATE TABLE refresh_tokens (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  hash TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  username TEXT NOT NULL,
  origin_jti TEXT NOT NULL,
  expires BIGINT,
  data TEXT NOT NULL);
CREATE INDEX refresh_family ON refresh_tokens (origin_jti);
CREATE INDEX refresh_user ON refresh_tokens (pool_id, username, seq);
CREATE INDEX refresh_expires ON refresh_tokens (expires);
CREATE TABLE revoked_logins (
  origin_jti TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  at BIGINT NOT NULL);
CREATE INDEX revoked_at ON revoked_logins (at);
CREATE INDEX revoked_pool ON revoked_logins (pool_id);
CREATE TABLE docs (
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  kind TEXT NOT NULL,
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  expires DOUBLE PRECISION,
  data TEXT NOT NULL,
  PRIMARY KEY (kind, scope, key));
CREATE INDEX docs_order ON docs (kind, scope, seq);
CREATE INDEX docs_scope ON docs (scope);
CREATE INDEX docs_expires ON docs (kind, expires) WHERE expires IS NOT NULL;
