/**
 * The few validation rules of the API server the test cluster enforces (422 Invalid with
 * `details.causes`, as k8s.io/apimachinery field errors): object names are DNS-1123
 * subdomains (pkg/api/validation NameIsDNSSubdomain), workloads need a `spec.selector`
 * that matches their template's labels, pods need containers, Secret data must be base64.
 */
import type {KubeObject, ResourceType} from './resources.js';
import {labelSelectorObject} from './selectors.js';
import {StoreError} from './store.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A 422 Invalid error carrying field causes. */
export class InvalidError extends StoreError {
	causes: Array<{reason: string; message: string; field: string}>;
	constructor(type: ResourceType, name: string, causes: Array<{field: string; message: string}>) {
		super(422, 'Invalid', `${type.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`);
		this.causes = causes.map((c) => ({reason: 'FieldValueInvalid', message: c.message, field: c.field}));
	}
}

/** Throws InvalidError when `obj` breaks a rule above. */
export function validate(type: ResourceType, obj: KubeObject): void {
	const name: string = obj.metadata?.name ?? '';
	const causes: Array<{field: string; message: string}> = [];
	if (name && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
		causes.push({field: 'metadata.name', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`});
	}
	if (['StatefulSet', 'Deployment', 'DaemonSet', 'ReplicaSet'].includes(type.kind)) {
		const selector = obj.spec?.selector;
		if (!selector) {
			causes.push({field: 'spec.selector', message: 'Required value'});
		} else if (!labelSelectorObject(selector)({metadata: {labels: obj.spec?.template?.metadata?.labels ?? {}}})) {
			causes.push({field: 'spec.template.metadata.labels', message: 'Invalid value: `selector` does not match template `labels`'});
		}
		if (obj.spec?.replicas !== undefined && (!Number.isInteger(obj.spec.replicas) || obj.spec.replicas < 0)) {
			causes.push({field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(obj.spec.replicas)}: must be greater than or equal to 0`});
		}
	}
	if (type.kind === 'Pod' && !(obj.spec?.containers?.length > 0)) {
		causes.push({field: 'spec.containers', message: 'Required value'});
	}
	if (type.kind === 'Secret') {
		for (const [k, v] of Object.entries(obj.data ?? {})) {
			if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
				causes.push({field: `data[${k}]`, message: 'Invalid value: illegal base64 data'});
			}
		}
	}
	if (causes.length > 0) {
		throw new InvalidError(type, name, causes);
	}
}
