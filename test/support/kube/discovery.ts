/**
 * Discovery as the API server serves it: `/version`, `/api` (APIVersions), `/api/v1` and
 * `/apis/<group>/<version>` (APIResourceList), `/apis` (APIGroupList), and `/openapi/v2`.
 * Aggregated discovery (Accept `...;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`)
 * is answered with the plain forms and Content-Type application/json: kubectl and
 * client-go then fall back to the legacy documents (client-go discovery_client.go).
 * `/openapi/v2` answers an empty protobuf document (0 bytes = an empty
 * openapi_v2.Document): kubectl's client-side validation then finds no schema for any
 * kind and lets every object through, and `kubectl apply` falls back to its built-in
 * strategic-merge metadata. `/openapi/v3` is 404 (kubectl falls back to v2).
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import {apiResources, GROUPS, RESOURCE_TYPES} from './resources.js';
import {sendJson, sendStatus} from './http-util.js';

/**
 * The version the test cluster claims. Note: Google's /usr/bin/kubectl is a dispatcher that
 * runs the kubectl.1.NN matching the server's minor version, so this picks kubectl 1.32.
 */
export const SERVER_VERSION = {
	major: '1', minor: '32', gitVersion: 'v1.32.0-runbook-test', gitCommit: '0000000000000000000000000000000000000000',
	gitTreeState: 'clean', buildDate: '2024-01-01T00:00:00Z', goVersion: 'go1.21.0', compiler: 'gc', platform: 'linux/amd64',
};

function versionsOf(group: string): string[] {
	return [...new Set(RESOURCE_TYPES.filter((t) => t.group === group).map((t) => t.version))];
}

/** Serves a discovery URL; returns false when `pathname` is not one. */
export function handleDiscovery(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
	const path = pathname.replace(/\/+$/, '') || '/';
	if (path === '/version') {
		sendJson(res, 200, SERVER_VERSION);
		return true;
	}
	if (path === '/healthz' || path === '/livez' || path === '/readyz') {
		res.writeHead(200, {'Content-Type': 'text/plain'});
		res.end('ok');
		return true;
	}
	if (path === '/api') {
		sendJson(res, 200, {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? ''}]});
		return true;
	}
	if (path === '/api/v1') {
		sendJson(res, 200, {kind: 'APIResourceList', groupVersion: 'v1', resources: apiResources('', 'v1')});
		return true;
	}
	if (path === '/apis') {
		sendJson(res, 200, {
			kind: 'APIGroupList', apiVersion: 'v1',
			groups: GROUPS.map((name) => {
				const versions = versionsOf(name).map((version) => ({groupVersion: `${name}/${version}`, version}));
				return {name, versions, preferredVersion: versions[0]};
			}),
		});
		return true;
	}
	const groupMatch = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
	if (groupMatch) {
		const [, group, version] = groupMatch as unknown as [string, string, string | undefined];
		const versions = versionsOf(group);
		if (versions.length === 0 || (version && !versions.includes(version))) {
			sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
		} else if (version) {
			sendJson(res, 200, {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: apiResources(group, version)});
		} else {
			const vs = versions.map((v) => ({groupVersion: `${group}/${v}`, version: v}));
			sendJson(res, 200, {kind: 'APIGroup', apiVersion: 'v1', name: group, versions: vs, preferredVersion: vs[0]});
		}
		return true;
	}
	if (path === '/openapi/v2') {
		if ((req.headers.accept ?? '').includes('protobuf')) {
			res.writeHead(200, {'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': 0});
			res.end();
		} else {
			sendJson(res, 200, {swagger: '2.0', info: {title: 'Kubernetes', version: SERVER_VERSION.gitVersion}, paths: {}, definitions: {}});
		}
		return true;
	}
	return false;
}
