/**
 * The resource types the test cluster serves, as discovery describes them
 * (`/api/v1`, `/apis/<group>/<version>`). Names, kinds and short names copied from a
 * real cluster (`kubectl api-resources`) and, for `postgresql`, from the Zalando
 * postgres-operator's CRD (acid.zalan.do/v1, plural `postgresqls`, short name `pg`).
 */

/** One served resource type. */
export interface ResourceType {
	/** API group; '' for core. */
	group: string;
	version: string;
	/** URL segment: `pods`, `statefulsets`, `postgresqls`. */
	plural: string;
	singular: string;
	kind: string;
	namespaced: boolean;
	shortNames: string[];
	/** Subresources served besides the object itself. */
	subresources: Array<'status' | 'scale'>;
	categories?: string[];
}

/** A JSON object as stored: apiVersion, kind, metadata, spec, status... */
export type KubeObject = Record<string, any>;

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Every resource type served, core first. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
	{group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['status']},
	{group: '', version: 'v1', plural: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['status'], categories: ['all']},
	{group: '', version: 'v1', plural: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, shortNames: [], subresources: []},
	{group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], subresources: []},
	{group: '', version: 'v1', plural: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: ['status'], categories: ['all']},
	{group: '', version: 'v1', plural: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], subresources: []},
	{group: '', version: 'v1', plural: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status']},
	{group: 'apps', version: 'v1', plural: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], subresources: ['status', 'scale'], categories: ['all']},
	{group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'], categories: ['all']},
	{group: 'apps', version: 'v1', plural: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], subresources: ['status'], categories: ['all']},
	{group: 'apps', version: 'v1', plural: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], subresources: ['status', 'scale'], categories: ['all']},
	{group: 'apps', version: 'v1', plural: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision', namespaced: true, shortNames: [], subresources: []},
	{group: 'batch', version: 'v1', plural: 'jobs', singular: 'job', kind: 'Job', namespaced: true, shortNames: [], subresources: ['status'], categories: ['all']},
	{group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', singular: 'postgresql', kind: 'postgresql', namespaced: true, shortNames: ['pg'], subresources: ['status'], categories: ['all']},
];

/** API groups besides core, in discovery order. */
export const GROUPS = ['apps', 'batch', 'acid.zalan.do'];

/** `apps/v1`, or `v1` for core. */
export function apiVersionOf(type: ResourceType): string {
	return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** Finds a type by group + plural (URL form); undefined when not served. */
export function findType(group: string, version: string, plural: string): ResourceType | undefined {
	return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** Finds a type by kind (case-sensitive, as in manifests) and optional apiVersion. */
export function typeOfKind(kind: string, apiVersion?: string): ResourceType | undefined {
	return RESOURCE_TYPES.find((t) => t.kind === kind && (apiVersion === undefined || apiVersionOf(t) === apiVersion));
}

/** Resolves `pods`, `pod`, `po`, `Pod`, `statefulsets.apps`, `pg`... as kubectl would; undefined when unknown. */
export function resolveTypeName(name: string): ResourceType | undefined {
	const [head, ...rest] = name.split('.');
	const group = rest.join('.');
	const lower = (head ?? '').toLowerCase();
	return RESOURCE_TYPES.find((t) => (group === '' || t.group === group)
		&& (t.plural === lower || t.singular === lower || t.kind.toLowerCase() === lower || t.shortNames.includes(lower)));
}

/** A short stable id for a type: `apps/statefulsets`, `/pods`. */
export function typeKey(type: ResourceType): string {
	return `${type.group}/${type.plural}`;
}

/** The APIResource entries of one group version (discovery `resources`), subresources included. */
export function apiResources(group: string, version: string): Array<Record<string, unknown>> {
	const out: Array<Record<string, unknown>> = [];
	for (const t of RESOURCE_TYPES.filter((x) => x.group === group && x.version === version)) {
		out.push({
			name: t.plural,
			singularName: t.singular,
			namespaced: t.namespaced,
			kind: t.kind,
			verbs: ALL_VERBS,
			...(t.shortNames.length > 0 ? {shortNames: t.shortNames} : {}),
			...(t.categories ? {categories: t.categories} : {}),
		});
		for (const sub of t.subresources) {
			out.push(sub === 'scale'
				? {name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update']}
				: {name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update']});
		}
		if (t.plural === 'pods') {
			out.push({name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get']});
			out.push({name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get']});
		}
	}
	return out;
}
