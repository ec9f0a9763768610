/**
 * Server-side printing: the meta.k8s.io/v1 `Table` that `kubectl get` asks for
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`). Columns copied from the API
 * server's printers (pkg/printers/internalversion/printers.go) for the kinds served, and
 * from the Zalando postgres-operator CRD's additionalPrinterColumns for `postgresql`.
 */
import type {KubeObject} from './resources.js';

/** True when the Accept header asks for a Table (any version). */
export function wantsTable(accept: string | undefined): boolean {
	return /as=Table/.test(accept ?? '');
}

/** Kubernetes' HumanDuration (k8s.io/apimachinery/pkg/util/duration), for AGE cells. */
export function humanAge(since: string | undefined, now = Date.now()): string {
	if (!since) {
		return '<unknown>';
	}
	const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
	const m = Math.floor(s / 60);
	const h = Math.floor(m / 60);
	const d = Math.floor(h / 24);
	if (s < 120) {
		return `${s}s`;
	}
	if (m < 10) {
		return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
	}
	if (m < 180) {
		return `${m}m`;
	}
	if (h < 8) {
		return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
	}
	if (h < 48) {
		return `${h}h`;
	}
	if (h < 24 * 8) {
		return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
	}
	return `${d}d`;
}

type Column = [name: string, type: string, cell: (o: KubeObject) => string | number];

const age: Column = ['Age', 'string', (o) => humanAge(o.metadata?.creationTimestamp)];

function podStatus(o: KubeObject): string {
	if (o.metadata?.deletionTimestamp) {
		return 'Terminating';
	}
	const waiting = (o.status?.containerStatuses ?? []).find((c: KubeObject) => c.state?.waiting?.reason);
	return waiting?.state.waiting.reason ?? o.status?.reason ?? o.status?.phase ?? 'Pending';
}

const COLUMNS: Record<string, Column[]> = {
	Pod: [
		['Ready', 'string', (o) => {
			const statuses = o.status?.containerStatuses ?? [];
			const total = (o.spec?.containers ?? []).length || statuses.length;
			return `${statuses.filter((c: KubeObject) => c.ready).length}/${total}`;
		}],
		['Status', 'string', podStatus],
		['Restarts', 'integer', (o) => (o.status?.containerStatuses ?? []).reduce((n: number, c: KubeObject) => n + (c.restartCount ?? 0), 0)],
		age,
	],
	StatefulSet: [['Ready', 'string', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`], age],
	Deployment: [
		['Ready', 'string', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`],
		['Up-to-date', 'integer', (o) => o.status?.updatedReplicas ?? 0],
		['Available', 'integer', (o) => o.status?.availableReplicas ?? 0],
		age,
	],
	DaemonSet: [
		['Desired', 'integer', (o) => o.status?.desiredNumberScheduled ?? 0],
		['Current', 'integer', (o) => o.status?.currentNumberScheduled ?? 0],
		['Ready', 'integer', (o) => o.status?.numberReady ?? 0],
		['Up-to-date', 'integer', (o) => o.status?.updatedNumberScheduled ?? 0],
		['Available', 'integer', (o) => o.status?.numberAvailable ?? 0],
		['Node Selector', 'string', (o) => Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(',') || '<none>'],
		age,
	],
	ReplicaSet: [
		['Desired', 'integer', (o) => o.spec?.replicas ?? 1],
		['Current', 'integer', (o) => o.status?.replicas ?? 0],
		['Ready', 'integer', (o) => o.status?.readyReplicas ?? 0],
		age,
	],
	Job: [
		['Completions', 'string', (o) => `${o.status?.succeeded ?? 0}/${o.spec?.completions ?? 1}`],
		['Duration', 'string', (o) => o.status?.startTime ? humanAge(o.status.startTime, o.status.completionTime ? Date.parse(o.status.completionTime) : Date.now()) : ''],
		age,
	],
	Secret: [['Type', 'string', (o) => o.type ?? 'Opaque'], ['Data', 'integer', (o) => Object.keys(o.data ?? {}).length], age],
	ConfigMap: [['Data', 'integer', (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length], age],
	Namespace: [['Status', 'string', (o) => o.status?.phase ?? 'Active'], age],
	Service: [['Type', 'string', (o) => o.spec?.type ?? 'ClusterIP'], ['Cluster-IP', 'string', (o) => o.spec?.clusterIP ?? '<none>'], age],
	postgresql: [
		['Team', 'string', (o) => o.spec?.teamId ?? ''],
		['Version', 'string', (o) => o.spec?.postgresql?.version ?? ''],
		['Pods', 'integer', (o) => o.spec?.numberOfInstances ?? 0],
		['Volume', 'string', (o) => o.spec?.volume?.size ?? ''],
		['CPU-Request', 'string', (o) => o.spec?.resources?.requests?.cpu ?? ''],
		['Memory-Request', 'string', (o) => o.spec?.resources?.requests?.memory ?? ''],
		age,
		['Status', 'string', (o) => o.status?.PostgresClusterStatus ?? ''],
	],
};

/** The row's `object` per `includeObject` (None, Metadata = default, Object). */
function rowObject(o: KubeObject, includeObject: string | null): KubeObject | undefined {
	if (includeObject === 'None') {
		return undefined;
	}
	if (includeObject === 'Object') {
		return o;
	}
	return {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata};
}

/** A Table of `items` (objects of kind `kind`), as the API server answers `kubectl get`. */
export function toTable(kind: string, items: KubeObject[], resourceVersion: string, includeObject: string | null): KubeObject {
	const columns: Column[] = [['Name', 'string', (o) => o.metadata?.name ?? ''], ...(COLUMNS[kind] ?? [age])];
	return {
		kind: 'Table',
		apiVersion: 'meta.k8s.io/v1',
		metadata: {resourceVersion},
		columnDefinitions: columns.map(([name, type], i) => ({
			name, type, format: i === 0 ? 'name' : '', description: name, priority: 0,
		})),
		rows: items.map((o) => {
			const object = rowObject(o, includeObject);
			return {cells: columns.map(([, , cell]) => cell(o)), ...(object ? {object} : {})};
		}),
	};
}
