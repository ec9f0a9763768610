/**
 * `wait.http` (format 1.1) end to end: the built CLI without a terminal waits on a real
 * local HTTP(S) server (node:http / node:https in this process) that answers 503 before it
 * answers 200. The server decides by the number of requests it has served, so the test waits
 * on what happened, not on time. Header values hold a secret: the server receives it, and it
 * appears nowhere in the output, the state or the logs.
 */
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo} from 'node:net';
import {afterEach, describe, expect, it} from 'vitest';
import {filesUnder, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();
const servers: Server[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map(server => new Promise(done => server.close(done))));
});

/** Requests seen by a server: the Authorization header of each. */
interface Seen {
	authorization: Array<string | undefined>;
}

/** Answers `answers[i]` to the i-th request (the last one from then on). */
function answering(answers: Array<[number, string]>, seen: Seen) {
	return (request: IncomingMessage, response: ServerResponse): void => {
		seen.authorization.push(request.headers.authorization);
		const [status, body] = answers[Math.min(seen.authorization.length - 1, answers.length - 1)]!;
		response.writeHead(status, {'content-type': 'text/plain'});
		response.end(body);
	};
}

async function listen(server: Server): Promise<number> {
	servers.push(server);
	await new Promise<void>(done => server.listen(0, '127.0.0.1', done));
	return (server.address() as AddressInfo).port;
}

const book = (wait: string) => `version: 1.1
title: HTTP wait
params:
  TOKEN:
    secret: true
steps:
  - id: healthy
    wait:
${wait}
    timeout: 2m
  - id: after
    run: echo after >> marks
`;

describe('wait.http', () => {
	it('waits through 503 answers until 200 with the body, and keeps the header secret out of everything', async () => {
		const ws = workspace();
		const seen: Seen = {authorization: []};
		// An escape sequence in the body must not reach the terminal.
		const port = await listen(
			createServer(
				answering(
					[
						[503, 'starting \x1b]0;owned\x07up'],
						[503, 'starting'],
						[200, '{"status":"healthy"}'],
					],
					seen,
				),
			),
		);
		const file = ws.write('http.yaml', book(`      http: { url: "http://127.0.0.1:${port}/health", contains: healthy, headers: { Authorization: "Bearer $TOKEN" } }\n      interval: 50ms`));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {RUNBOOK_SECRET_TOKEN: 's3cr3t-t0ken'}});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(seen.authorization).toEqual(['Bearer s3cr3t-t0ken', 'Bearer s3cr3t-t0ken', 'Bearer s3cr3t-t0ken']);
		expect(ws.lines()).toEqual(['after']);
		expect(result.stdout).toContain('check 1: status 503, expected any 2xx — "starting up"; next check in 50ms');
		expect(result.stdout).toContain('check 3: status 200 — "{\\"status\\":\\"healthy\\"}": condition holds');
		expect(result.stdout).not.toContain('\x1b]0;');
		const written = [result.stdout, ...filesUnder(ws.stateDir).map(f => readFileSync(f, 'utf8'))].join('\n');
		expect(written).not.toContain('s3cr3t-t0ken');
	});

	it('a body without the substring keeps waiting; jsonpath and equals judge a JSON body', async () => {
		const ws = workspace();
		const seen: Seen = {authorization: []};
		const port = await listen(
			createServer(
				answering(
					[
						[200, '{"status":"degraded"}'],
						[200, '{"status":"healthy"}'],
					],
					seen,
				),
			),
		);
		const file = ws.write('json.yaml', book(`      http: { url: "http://127.0.0.1:${port}/", jsonpath: .status, equals: healthy }\n      interval: 50ms`));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(0);
		expect(seen.authorization.length).toBe(2);
		expect(result.stdout).toContain('check 1: status 200; status is degraded, expected healthy');
	});

	it('a refused connection is a check that fails; the step times out with the last check', async () => {
		const ws = workspace();
		const port = await listen(createServer());
		await new Promise(done => servers.pop()!.close(done));
		// The first check ends whatever the machine's speed (a step timeout does not cut it; it loads
		// Node's fetch, which took over a second at load 24), so a 1 s timeout still shows check 1.
		const file = ws.write('refused.yaml', book(`      http: { url: "http://127.0.0.1:${port}/" }\n      interval: 50ms`).replace('timeout: 2m', 'timeout: 1s'));
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir]);
		expect(result.code).toBe(1);
		expect(result.stdout).toContain('check 1: connection refused; next check in 50ms');
		expect(ws.lines()).toEqual([]);
	});

	it('https with a self-signed certificate: refused unless insecure, which the panel line says', async () => {
		const ws = workspace();
		execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ws.path('key.pem'), '-out', ws.path('cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], {stdio: 'ignore'});
		const seen: Seen = {authorization: []};
		const port = await listen(createHttpsServer({key: readFileSync(ws.path('key.pem')), cert: readFileSync(ws.path('cert.pem'))}, answering([[200, 'ok']], seen)) as unknown as Server);
		const strict = ws.write('strict.yaml', book(`      http: { url: "https://127.0.0.1:${port}/" }\n      interval: 50ms`).replace('timeout: 2m', 'timeout: 1s'));
		const refused = await ws.cli(['run', strict, '--plain', '--state-dir', ws.stateDir]);
		expect(refused.code).toBe(1);
		expect(refused.stdout).toMatch(/check 1: the server's TLS certificate is self-signed \(insecure: true skips the check\)/);
		expect(seen.authorization).toEqual([]);
		const insecure = ws.write('insecure.yaml', book(`      http: { url: "https://127.0.0.1:${port}/", insecure: true }\n      interval: 50ms`));
		const passed = await ws.cli(['run', insecure, '--plain', '--state-dir', `${ws.stateDir}-2`]);
		expect(passed.code).toBe(0);
		expect(passed.stdout).toContain('check 1: status 200 — "ok" (insecure: TLS not verified): condition holds');
	});
});
