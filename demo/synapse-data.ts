/**
 * A Synapse-shaped database for the demo: the tables the seed's verification queries read
 * (users, rooms, events ordered by stream_ordering) plus room_memberships, event_json,
 * profiles and schema_version, with the names and key columns Synapse's schema has
 * (synapse/storage/schema/main/full_schemas). Rows are made with generate_series in a few
 * statements, so 20,000 events load in well under a second.
 */
import {psql, type PostgresServer} from './postgres.ts';

/** How many rows to make. */
export interface SynapseDataSize {
	users: number;
	rooms: number;
	events: number;
}

/** The default size: 200 users, 500 rooms, 20,000 events. */
export const DEFAULT_SIZE: SynapseDataSize = {users: 200, rooms: 500, events: 20_000};

/** The homeserver name in user and room ids. */
export const SERVER_NAME = 'matrix.example.org';

/** Row counts and the newest events; a count is null when its table is missing. */
export interface SynapseCounts {
	users: number | null;
	rooms: number | null;
	events: number | null;
	/** The 10 newest event ids by stream_ordering (the seed's "Recent events" query); [] when events is missing. */
	latestEventIds: string[];
}

const SCHEMA = `
CREATE TABLE schema_version (
	lock CHAR(1) NOT NULL DEFAULT 'X' UNIQUE,
	version INTEGER NOT NULL,
	upgraded BOOL NOT NULL,
	CHECK (lock = 'X')
);
CREATE TABLE users (
	name TEXT,
	password_hash TEXT,
	creation_ts BIGINT,
	admin SMALLINT DEFAULT 0 NOT NULL,
	upgrade_ts BIGINT,
	is_guest SMALLINT DEFAULT 0 NOT NULL,
	appservice_id TEXT,
	consent_version TEXT,
	consent_server_notice_sent TEXT,
	user_type TEXT,
	deactivated SMALLINT DEFAULT 0 NOT NULL,
	shadow_banned BOOLEAN,
	locked BOOLEAN DEFAULT FALSE NOT NULL,
	UNIQUE (name)
);
CREATE TABLE profiles (
	user_id TEXT NOT NULL,
	displayname TEXT,
	avatar_url TEXT,
	full_user_id TEXT,
	UNIQUE (user_id)
);
CREATE TABLE rooms (
	room_id TEXT NOT NULL,
	is_public BOOL,
	creator TEXT,
	room_version TEXT,
	has_auth_chain_index BOOLEAN,
	UNIQUE (room_id)
);
CREATE TABLE events (
	topological_ordering BIGINT NOT NULL,
	event_id TEXT NOT NULL,
	type TEXT NOT NULL,
	room_id TEXT NOT NULL,
	content TEXT,
	unrecognized_keys TEXT,
	processed BOOL NOT NULL,
	outlier BOOL NOT NULL,
	depth BIGINT DEFAULT 0 NOT NULL,
	origin_server_ts BIGINT,
	received_ts BIGINT,
	sender TEXT,
	contains_url BOOLEAN,
	instance_name TEXT,
	stream_ordering BIGINT,
	state_key TEXT,
	rejection_reason TEXT,
	UNIQUE (event_id)
);
CREATE UNIQUE INDEX events_stream_ordering ON events (stream_ordering);
CREATE INDEX events_order_room ON events (room_id, topological_ordering, stream_ordering);
CREATE TABLE event_json (
	event_id TEXT NOT NULL,
	room_id TEXT NOT NULL,
	internal_metadata TEXT NOT NULL,
	json TEXT NOT NULL,
	format_version INTEGER,
	UNIQUE (event_id)
);
CREATE TABLE room_memberships (
	event_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	sender TEXT NOT NULL,
	room_id TEXT NOT NULL,
	membership TEXT NOT NULL,
	forgotten INTEGER DEFAULT 0,
	display_name TEXT,
	avatar_url TEXT,
	event_stream_ordering BIGINT,
	participant BOOLEAN DEFAULT FALSE,
	UNIQUE (event_id)
);
CREATE INDEX room_memberships_room_id ON room_memberships (room_id);
CREATE INDEX room_memberships_user_id ON room_memberships (user_id);
`;

/** SQL expressions for ids, so rows can refer to each other without joins. */
const userId = (n: string) => `format('@user%s:${SERVER_NAME}', lpad((${n})::text, 4, '0'))`;
const roomId = (n: string) => `format('!%s:${SERVER_NAME}', substr(md5('room' || (${n})), 1, 18))`;

/**
 * The data: every room gets a create event and 4 membership events, the rest of the
 * events are messages spread over the rooms. stream_ordering is 1..events.
 */
function dataSql(size: SynapseDataSize): string {
	const {users, rooms, events} = size;
	const memberEvents = rooms * 4;
	// i: the event's stream_ordering; r: its room (1-based); u: its sender (1-based).
	return `
INSERT INTO schema_version (version, upgraded) VALUES (83, true);
INSERT INTO users (name, password_hash, creation_ts, admin)
	SELECT ${userId('i')}, '$2b$12$' || md5('password' || i), 1700000000 + i * 60, (i = 1)::int
	FROM generate_series(1, ${users}) AS i;
INSERT INTO profiles (user_id, displayname, full_user_id)
	SELECT split_part(substr(${userId('i')}, 2), ':', 1), 'User ' || i, ${userId('i')}
	FROM generate_series(1, ${users}) AS i;
INSERT INTO rooms (room_id, is_public, creator, room_version, has_auth_chain_index)
	SELECT ${roomId('r')}, r % 5 = 0, ${userId(`(r % ${users}) + 1`)}, '10', true
	FROM generate_series(1, ${rooms}) AS r;
INSERT INTO events (topological_ordering, event_id, type, room_id, content, processed, outlier, depth,
		origin_server_ts, received_ts, sender, instance_name, stream_ordering, state_key)
	SELECT g.i / ${rooms} + 1, '$' || md5('event' || g.i), g.type, ${roomId('g.r')}, g.content, true, false, g.i / ${rooms} + 1,
		1700000000000 + g.i * 1000, 1700000000000 + g.i * 1000 + 20, ${userId('g.u')}, 'master', g.i,
		CASE WHEN g.type = 'm.room.message' THEN NULL WHEN g.type = 'm.room.create' THEN '' ELSE ${userId('g.u')} END
	FROM (
		SELECT i, r, u,
			CASE WHEN i <= ${rooms} THEN 'm.room.create' WHEN i <= ${rooms + memberEvents} THEN 'm.room.member' ELSE 'm.room.message' END AS type,
			CASE WHEN i <= ${rooms} THEN '{"room_version":"10"}'
				WHEN i <= ${rooms + memberEvents} THEN '{"membership":"join"}'
				ELSE format('{"msgtype":"m.text","body":"message %s"}', i) END AS content
		FROM (SELECT i, (i - 1) % ${rooms} + 1 AS r, ((i - 1) / ${rooms} * 17 + i * 7) % ${users} + 1 AS u FROM generate_series(1, ${events}) AS i) AS n
	) AS g;
INSERT INTO event_json (event_id, room_id, internal_metadata, json, format_version)
	SELECT event_id, room_id, '{}', json_build_object('type', type, 'room_id', room_id, 'sender', sender,
		'content', content::json, 'origin_server_ts', origin_server_ts, 'depth', depth)::text, 3
	FROM events;
INSERT INTO room_memberships (event_id, user_id, sender, room_id, membership, display_name, event_stream_ordering, participant)
	SELECT event_id, state_key, sender, room_id, 'join', split_part(substr(sender, 2), ':', 1), stream_ordering, true
	FROM events WHERE type = 'm.room.member';
ANALYZE;
`;
}

/**
 * Creates the Synapse-shaped tables in `database` (which must exist and be empty) and
 * loads the rows. `size.events` must be at least 5 × `size.rooms` (create and member events).
 * @throws Error when psql fails (with its stderr).
 */
export async function loadSynapseData(server: PostgresServer, database: string, size: SynapseDataSize = DEFAULT_SIZE): Promise<void> {
	if (size.events < size.rooms * 5) throw new Error(`need at least ${size.rooms * 5} events for ${size.rooms} rooms`);
	await psql(server, database, `BEGIN;\n${SCHEMA}\n${dataSql(size)}\nCOMMIT;`);
}

/**
 * Counts users, rooms and events, and reads the 10 newest event ids (by stream_ordering).
 * A missing table gives null (a damaged database), not an error.
 */
export async function synapseCounts(server: PostgresServer, database: string): Promise<SynapseCounts> {
	const present = new Set((await psql(server, database, `SELECT tablename FROM pg_tables WHERE schemaname = 'public';`)).split('\n').filter(Boolean));
	const count = async (table: string) => (present.has(table) ? Number((await psql(server, database, `SELECT count(*) FROM ${table};`)).trim()) : null);
	const latest = present.has('events') ? (await psql(server, database, 'SELECT event_id FROM events ORDER BY stream_ordering DESC LIMIT 10;')).split('\n').filter(Boolean) : [];
	return {users: await count('users'), rooms: await count('rooms'), events: await count('events'), latestEventIds: latest};
}

/** One line for a console: `users 200, rooms 500, events 20000`, `missing` for a missing table. */
export function formatCounts(counts: SynapseCounts): string {
	const show = (value: number | null) => (value === null ? 'missing' : String(value));
	return `users ${show(counts.users)}, rooms ${show(counts.rooms)}, events ${show(counts.events)}`;
}
