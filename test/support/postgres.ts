/**
 * Test support: a throwaway PostgreSQL server. The logic lives in demo/postgres.ts,
 * because the demo (shipped code) needs it too and must not import from test/.
 *
 * `startPostgres()` runs initdb + pg_ctl in a temporary directory (127.0.0.1 only, a free
 * port, trust auth, superuser `synapse`). As root, the server runs as the user `postgres`
 * through `runuser`, since PostgreSQL refuses to run as root. Call `stop()` in `afterAll`.
 */
export {startPostgres, psql, createDatabase, findBindir, pgProgram, SUPERUSER, HOST} from '../../demo/postgres.ts';
export type {PostgresServer} from '../../demo/postgres.ts';
