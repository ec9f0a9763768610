/**
 * runbooks/keycloak-postgres-restore.yaml end to end, without a terminal (`--plain --yes
 * --yes-destructive`), against the real test cluster (control plane, test kubelet, postgres-operator stand-in) seeded with the CSM objects, with
 * `keycloak-postgres-0` bound to a real PostgreSQL: the dump of a database with known rows
 * is restored through `exec` after the database and its roles were dropped; both secret
 * paths; then the Keycloak StatefulSet back to 3 ready pods, the two Jobs re-run (new
 * objects, complete), the three oauth2-proxy Deployments restarted, and the last step's
 * token request answered by a stand-in token endpoint.
 */
import {readFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {filesUnder, useWorkspaces} from '../cli/helpers.js';
import {jobState, restartedAt, rolledOut, workloadState} from './cluster-checks.js';
import {dumpParams, runbookPath, runPlain, shown} from './harness.js';
import {expectCompletedRun, expectRestored, skippedSteps, type SecretsMode} from './restore-checks.js';
import {useRestoreSuite, type ServiceUnderTest} from './suite.js';

const SERVICE: ServiceUnderTest = {
	namespace: 'services',
	postgresql: 'keycloak-postgres',
	secrets: ['postgres.keycloak-postgres.credentials', 'service-account.keycloak-postgres.credentials', 'standby.keycloak-postgres.credentials'],
	database: 'service_db',
	owner: 'service_account',
};
const JOBS = ['keycloak-setup-2', 'keycloak-users-localize-2'];
const PROXIES = ['customer-access', 'customer-high-speed', 'customer-management'].map(p => `cray-oauth2-proxies-${p}-ingress`);
/** The Keycloak user of the last step; the password has characters that must be URL-encoded. */
const USER = 'admin';
const PASSWORD = 'p@ss w&rd=1+%';
const TOKEN = 'eyJ-test-access-token-not-to-be-shown';

const workspace = useWorkspaces();
const suite = useRestoreSuite();
let tokens: Server;
let tokenUrl: string;
/** Form bodies the token endpoint received. */
const tokenRequests: URLSearchParams[] = [];

beforeAll(async () => {
	// Keycloak's token endpoint, as the document's curl reaches it: a form POST.
	tokens = createServer((req, res) => {
		let body = '';
		req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
		req.on('end', () => {
			const form = new URLSearchParams(body);
			tokenRequests.push(form);
			const ok = req.method === 'POST' && form.get('grant_type') === 'password' && form.get('client_id') === 'shasta' && form.get('username') === USER && form.get('password') === PASSWORD;
			res.writeHead(ok ? 200 : 401, {'Content-Type': 'application/json'});
			res.end(JSON.stringify(ok ? {access_token: TOKEN, token_type: 'Bearer', expires_in: 300} : {error: 'invalid_grant', error_description: 'Invalid user credentials'}));
		});
	});
	await new Promise<void>(resolve => tokens.listen(0, '127.0.0.1', resolve));
	tokenUrl = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/keycloak/realms/shasta/protocol/openid-connect/token`;
});
afterAll(async () => {
	await new Promise(resolve => tokens?.close(resolve));
});

async function restore(mode: SecretsMode, source: 's3' | 'local'): Promise<void> {
	const ws = workspace();
	const {cluster, backup, was} = await suite.prepare(ws, SERVICE, {service_account: '', standby: ''});
	const jobsBefore = await Promise.all(JOBS.map(async job => (await jobState(cluster, 'services', job)).uid));
	for (const proxy of PROXIES) expect(await restartedAt(cluster, 'Deployment', 'services', proxy)).toBe('');
	const startedAt = new Date();
	tokenRequests.length = 0;

	const dump = dumpParams(source, mode, backup);
	const params = {...dump, SECRETS_MODE: mode, TOKEN_URL: tokenUrl, KEYCLOAK_USERNAME: USER, KEYCLOAK_PASSWORD: PASSWORD};
	const result = await runPlain(ws, runbookPath('keycloak'), cluster.kubeconfigPath, params);
	expect(result.code, shown(result)).toBe(0);
	const runId = ws.onlyRunId();
	expectCompletedRun(ws.state(runId), cluster, 'services', skippedSteps(source, mode));

	// Keycloak back: 3 pods, each with its two containers ready.
	expect(await workloadState(cluster, 'StatefulSet', 'services', 'cray-keycloak')).toEqual({
		replicas: 3,
		readyReplicas: 3,
		pods: {'cray-keycloak-0': true, 'cray-keycloak-1': true, 'cray-keycloak-2': true},
	});
	await expectRestored(cluster, suite.pg(), SERVICE, backup, was, mode);
	// The two Jobs were replaced (new objects of the same name) and ran to completion.
	for (const [i, job] of JOBS.entries()) {
		const state = await jobState(cluster, 'services', job);
		expect(state).toMatchObject({condition: 'Complete', succeeded: 1});
		expect(state.uid, `${job} is a new Job`).not.toBe(jobsBefore[i]);
	}
	expect(ws.state(runId).vars).toMatchObject({SETUP_JOB: 'keycloak-setup-2', LOCALIZE_JOB: 'keycloak-users-localize-2'});
	// The oauth2-proxies restarted during the run, and their rollouts finished.
	for (const proxy of PROXIES) {
		const at = Date.parse(await restartedAt(cluster, 'Deployment', 'services', proxy));
		expect(at, proxy).toBeGreaterThanOrEqual(startedAt.getTime() - 1000);
		expect(await rolledOut(cluster, 'Deployment', 'services', proxy), `${proxy} rolled out`).toBe(true);
	}
	// The last step asked for a token as the user; the token and the password were not shown.
	expect(tokenRequests.map(form => [form.get('grant_type'), form.get('client_id'), form.get('username'), form.get('password')])).toEqual([['password', 'shasta', USER, PASSWORD]]);
	expect(result.stdout).toContain('(received, not shown)');
	// Nor saved: the state, the journal and the step logs hold neither.
	const saved = filesUnder(ws.stateDir);
	expect(saved.some(file => file.endsWith('state.json'))).toBe(true);
	for (const [where, text] of [['stdout', result.stdout], ['stderr', result.stderr], ...saved.map(file => [file, readFileSync(file, 'utf8')])]) {
		expect(text, where).not.toContain(TOKEN);
		expect(text, where).not.toContain(PASSWORD);
	}
}

describe('Restore Postgres for Keycloak, end to end', () => {
	it('update-passwords, from a manual dump', () => restore('update-passwords', 'local'), 240_000);
	it('recreate-from-manifest, from the postgres-backup bucket', () => restore('recreate-from-manifest', 's3'), 240_000);
});
