/**
 * Finding the resource behind a runbook's `kind` (and `apiVersion`) through the
 * API server's discovery documents, as kubectl's RESTMapper does: `/api/v1`
 * first, then every group of `/apis` at its preferred version. An exact kind
 * (`StatefulSet`, `postgresql`) wins; otherwise the kind, plural, singular or
 * short name is matched ignoring case (`statefulset`, `sts`). Each discovery
 * document is fetched once per port.
 */
import {HttpMethod} from '@kubernetes/client-node';
import {KubeApiError, type KubeClient} from './client.js';
import {checkNamespace, checkObjectName} from '../../security/kube-names.js';

/** One resource type, as discovery describes it. */
export interface ResourceInfo {
	/** API group; '' for core. */
	group: string;
	version: string;
	/** `v1`, `apps/v1`, `acid.zalan.do/v1`. */
	apiVersion: string;
	kind: string;
	/** URL segment: `pods`, `statefulsets`, `postgresqls`. */
	plural: string;
	/** `pod`, `statefulset`; the lower-case kind when discovery gives none. */
	singular: string;
	namespaced: boolean;
	/** Subresources served: `scale`, `status`, `exec`... */
	subresources: ReadonlySet<string>;
}

interface ApiResource {
	name: string;
	singularName?: string;
	namespaced: boolean;
	kind: string;
	shortNames?: string[];
}

interface GroupList {
	groups?: Array<{name: string; preferredVersion?: {groupVersion: string}; versions?: Array<{groupVersion: string}>}>;
}

/** Resolves kinds to resources, caching discovery documents. */
export class Discovery {
	readonly #client: KubeClient;
	readonly #documents = new Map<string, Promise<ResourceInfo[] | undefined>>();
	readonly #shortNames = new Map<ResourceInfo, string[]>();
	#groupVersions: Promise<string[]> | undefined;

	constructor(client: KubeClient) {
		this.#client = client;
	}

	/**
	 * The resource for `kind` (and `apiVersion` when given).
	 * @throws Error with a one-line message when the cluster serves no such kind,
	 *   or KubeApiError when discovery itself fails.
	 */
	async resolve(kind: string, apiVersion?: string, signal?: AbortSignal): Promise<ResourceInfo> {
		if (apiVersion) {
			const resources = await this.#document(apiVersion, signal);
			if (!resources) throw new Error(`apiVersion ${apiVersion} is not served by the cluster (is its CustomResourceDefinition installed?)`);
			const found = resources.find(r => r.kind === kind) ?? resources.find(r => this.#looseMatch(r, kind));
			if (!found) throw new Error(`kind ${kind} is not served by ${apiVersion} (kinds: ${resources.map(r => r.kind).join(', ')})`);
			return found;
		}
		const versions = await this.#allGroupVersions(signal);
		const seen: ResourceInfo[] = [];
		for (const groupVersion of versions) {
			const resources = await this.#document(groupVersion, signal).catch(error => {
				if (groupVersion === 'v1') throw error;
				return undefined; // an unavailable aggregated API must not hide the others
			});
			if (!resources) continue;
			const exact = resources.find(r => r.kind === kind);
			if (exact) return exact;
			seen.push(...resources);
		}
		const loose = seen.find(r => this.#looseMatch(r, kind));
		if (loose) return loose;
		throw new Error(`kind ${kind} is not served by the cluster; check its spelling, or give apiVersion for a custom resource`);
	}

	#looseMatch(resource: ResourceInfo, name: string): boolean {
		const lower = name.toLowerCase();
		return resource.kind.toLowerCase() === lower || resource.plural === lower || resource.singular === lower || (this.#shortNames.get(resource) ?? []).includes(lower);
	}

	/** `v1`, then the preferred version of every group in `/apis`. */
	#allGroupVersions(signal?: AbortSignal): Promise<string[]> {
		this.#groupVersions ??= this.#client.request<GroupList>(HttpMethod.GET, '/apis', {signal}).then(
			list => ['v1', ...(list?.groups ?? []).map(g => g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion).filter((v): v is string => Boolean(v))],
			error => {
				this.#groupVersions = undefined;
				throw error;
			},
		);
		return this.#groupVersions;
	}

	/** The resources of one group version; undefined when it is not served (404). */
	#document(groupVersion: string, signal?: AbortSignal): Promise<ResourceInfo[] | undefined> {
		let document = this.#documents.get(groupVersion);
		if (!document) {
			const path = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
			document = this.#client.request<{resources?: ApiResource[]}>(HttpMethod.GET, path, {signal}).then(
				list => this.#parse(groupVersion, list?.resources ?? []),
				error => {
					if (error instanceof KubeApiError && error.status === 404) return undefined;
					this.#documents.delete(groupVersion);
					throw error;
				},
			);
			this.#documents.set(groupVersion, document);
		}
		return document;
	}

	#parse(groupVersion: string, resources: ApiResource[]): ResourceInfo[] {
		const [group, version] = groupVersion.includes('/') ? groupVersion.split('/', 2) : ['', groupVersion];
		const subresources = new Map<string, Set<string>>();
		for (const r of resources) {
			const slash = r.name.indexOf('/');
			if (slash === -1) continue;
			const plural = r.name.slice(0, slash);
			if (!subresources.has(plural)) subresources.set(plural, new Set());
			subresources.get(plural)!.add(r.name.slice(slash + 1));
		}
		const out: ResourceInfo[] = [];
		for (const r of resources) {
			if (r.name.includes('/')) continue;
			const info: ResourceInfo = {
				group,
				version,
				apiVersion: groupVersion,
				kind: r.kind,
				plural: r.name,
				singular: r.singularName || r.kind.toLowerCase(),
				namespaced: r.namespaced,
				subresources: subresources.get(r.name) ?? new Set(),
			};
			this.#shortNames.set(info, r.shortNames ?? []);
			out.push(info);
		}
		return out;
	}
}

/**
 * The URL path of a collection or an object: `/api/v1/namespaces/ns/pods`,
 * `/apis/apps/v1/namespaces/ns/statefulsets/web/scale`. `namespace` is ignored
 * for cluster-scoped resources.
 */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string, subresource?: string): string {
	let path = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
	// Checked before use: `..` or `/` in either would change the path (security/kube-names.ts).
	if (info.namespaced && namespace !== undefined) path += `/namespaces/${encodeURIComponent(checkNamespace(namespace))}`;
	path += `/${info.plural}`;
	if (name !== undefined) path += `/${encodeURIComponent(checkObjectName(name))}`;
	if (subresource) path += `/${subresource}`;
	return path;
}
