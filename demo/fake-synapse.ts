/**
 * A stand-in for Synapse in the demo, so the runbook's stop, start and health steps have
 * something real to act on. It holds an open connection to the database (an idle psql with
 * application_name `synapse`), as Synapse does, and serves `GET /health`: `OK` when the
 * users table can be read, 503 otherwise (the real endpoint answers `OK`, per the seed).
 *
 *   node fake-synapse.ts start DIR   start in the background, write DIR/synapse.pid, wait until it listens
 *   node fake-synapse.ts stop DIR    SIGTERM the process in DIR/synapse.pid and wait until it is gone
 *   node fake-synapse.ts serve DIR   the server itself (what `start` runs)
 *
 * DIR holds config.json ({@link FakeSynapseConfig}), synapse.pid and synapse.log.
 *
 * `start` and `stop` are idempotent, as `docker compose start/stop` are, also after one
 * of them was killed half-way (the crash harness, test/crash, kills them at random):
 * the server answers every request with its pid (header `x-synapse-pid`), so a server
 * whose pid file was never written (its `start` was killed just after spawning it) is
 * still found on its port; `start` then adopts it instead of starting a second one, and
 * `stop` stops it. A second server that loses the race for the port exits at once.
 * This file imports only node: modules, so Node can run the .ts source directly in tests.
 */
import {spawn, execFile} from 'node:child_process';
import {existsSync, openSync, readFileSync, rmSync, writeFileSync, closeSync} from 'node:fs';
import {createServer} from 'node:http';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

/** DIR/config.json. */
export interface FakeSynapseConfig {
	/** HTTP port on 127.0.0.1. */
	port: number;
	/** Path of psql. */
	psql: string;
	/** libpq environment (PGHOST, PGPORT, PGUSER). */
	pgEnv: Record<string, string>;
	/** Database name. */
	database: string;
}

/** Paths of the files in a fake Synapse directory. */
export function fakeSynapsePaths(dir: string): {config: string; pid: string; log: string} {
	return {config: join(dir, 'config.json'), pid: join(dir, 'synapse.pid'), log: join(dir, 'synapse.log')};
}

const log = (message: string) => console.log(`${new Date().toISOString()} - synapse (demo stand-in) - ${message}`);

function readConfig(dir: string): FakeSynapseConfig {
	return JSON.parse(readFileSync(fakeSynapsePaths(dir).config, 'utf8')) as FakeSynapseConfig;
}

/** True when `pid` is a live process (a zombie counts as gone). */
function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch {
		return false;
	}
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return true;
	}
}

function readPid(dir: string): number | undefined {
	const file = fakeSynapsePaths(dir).pid;
	if (!existsSync(file)) return undefined;
	const pid = Number(readFileSync(file, 'utf8').trim());
	return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The header in which the server tells its pid. */
const PID_HEADER = 'x-synapse-pid';

/** The pid of the live server answering on `port`, or undefined when none answers. */
async function pidOnPort(port: number): Promise<number | undefined> {
	try {
		const response = await fetch(`http://127.0.0.1:${port}/health`, {signal: AbortSignal.timeout(1000)});
		await response.arrayBuffer();
		const pid = Number(response.headers.get(PID_HEADER));
		return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
	} catch {
		return undefined;
	}
}

/** The running server: the live pid of the pid file, else the server answering on the configured port. */
async function runningPid(dir: string): Promise<number | undefined> {
	const recorded = readPid(dir);
	if (recorded && alive(recorded)) return recorded;
	return pidOnPort(readConfig(dir).port);
}

/** Counts users with psql; rejects when the database cannot be read. */
function countUsers(config: FakeSynapseConfig): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile(config.psql, ['-X', '-At', '-d', config.database, '-c', 'SELECT count(*) FROM users;'], {env: {...process.env, ...config.pgEnv, PGAPPNAME: 'synapse-health'}, timeout: 5000}, (error, stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve(stdout.trim())));
	});
}

/** The server: holds a database connection and answers /health until SIGTERM. */
async function serve(dir: string): Promise<void> {
	const config = readConfig(dir);
	log(`starting, database ${config.database} on ${config.pgEnv.PGHOST}:${config.pgEnv.PGPORT}`);
	const connection = spawn(config.psql, ['-X', '-q', '-d', config.database], {
		env: {...process.env, ...config.pgEnv, PGAPPNAME: 'synapse'},
		stdio: ['pipe', 'ignore', 'inherit'],
	});
	connection.on('exit', (code, signal) => log(`database connection closed (psql ${signal ? `ended by ${signal}` : `exit ${code}`})`));
	try {
		log(`database check: ${await countUsers(config)} users`);
	} catch (error) {
		log(`ERROR database check failed: ${(error as Error).message}`);
	}
	const server = createServer((request, response) => {
		response.setHeader(PID_HEADER, String(process.pid));
		if (request.url !== '/health') {
			response.writeHead(404).end('Not found\n');
			return;
		}
		countUsers(config).then(
			() => response.writeHead(200, {'content-type': 'text/plain'}).end('OK'),
			(error: Error) => {
				log(`ERROR /health: ${error.message}`);
				response.writeHead(503, {'content-type': 'text/plain'}).end('database unavailable');
			},
		);
	});
	server.once('error', error => {
		// Another server has the port (two starts raced): this one gives way.
		log(`ERROR cannot listen on port ${config.port}: ${error.message}; exiting`);
		connection.kill('SIGTERM');
		process.exit(1);
	});
	server.listen(config.port, '127.0.0.1', () => log(`listening on http://127.0.0.1:${config.port}`));
	const shutdown = (signal: string) => {
		log(`received ${signal}, shutting down`);
		connection.kill('SIGTERM');
		server.close();
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 100);
	};
	process.once('SIGTERM', () => shutdown('SIGTERM'));
	process.once('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Starts `serve` detached; resolves to an exit code once it listens (or has died).
 * A server already running (pid file, or answering on the port) is kept: exit 0.
 */
async function start(dir: string): Promise<number> {
	const paths = fakeSynapsePaths(dir);
	const running = await runningPid(dir);
	if (running) {
		writeFileSync(paths.pid, `${running}\n`);
		console.log(`synapse is already running (pid ${running})`);
		return 0;
	}
	const config = readConfig(dir);
	const out = openSync(paths.log, 'a');
	const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', dir], {detached: true, stdio: ['ignore', out, out]});
	closeSync(out);
	child.unref();
	writeFileSync(paths.pid, `${child.pid}\n`);
	for (let waited = 0; waited < 15_000; waited += 200) {
		const answering = await pidOnPort(config.port);
		if (answering) {
			// Another server may have won the port (a start killed before writing its pid file).
			writeFileSync(paths.pid, `${answering}\n`);
			console.log(`${answering === child.pid ? 'Started' : 'Found'} synapse (pid ${answering}), listening on http://127.0.0.1:${config.port}`);
			return 0;
		}
		if (!alive(child.pid ?? 0)) break;
		await sleep(200);
	}
	console.error(`synapse did not start; the end of ${paths.log}:`);
	console.error(readFileSync(paths.log, 'utf8').split('\n').slice(-10).join('\n'));
	return 1;
}

/** SIGTERMs the running server (see {@link runningPid}) and waits until it is gone (SIGKILL after 10 s). */
async function stop(dir: string): Promise<number> {
	const paths = fakeSynapsePaths(dir);
	const pid = await runningPid(dir);
	if (!pid) {
		rmSync(paths.pid, {force: true});
		console.log('synapse is not running');
		return 0;
	}
	process.kill(pid, 'SIGTERM');
	for (let waited = 0; alive(pid) && waited < 10_000; waited += 100) await sleep(100);
	if (alive(pid)) process.kill(pid, 'SIGKILL');
	rmSync(paths.pid, {force: true});
	console.log(`Stopped synapse (pid ${pid})`);
	return 0;
}

/** Command-line entry: `start|stop|serve DIR`. */
async function main(argv: string[]): Promise<void> {
	const [command, dir] = argv;
	if (!dir || !['start', 'stop', 'serve'].includes(command ?? '')) {
		console.error('usage: fake-synapse start|stop|serve DIR');
		process.exitCode = 2;
		return;
	}
	if (command === 'serve') return serve(dir);
	process.exitCode = command === 'start' ? await start(dir) : await stop(dir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main(process.argv.slice(2)).catch((error: unknown) => {
		console.error(`fake-synapse: ${(error as Error).message}`);
		process.exitCode = 1;
	});
}
