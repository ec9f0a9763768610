/**
 * Kubernetes names and namespaces checked before they go into an API path. A
 * name like `..` or `a/b` changes the URL's path (`DELETE
 * /api/v1/namespaces/default/pods/..` is `DELETE /api/v1/namespaces/default/`
 * once normalised; `-n ..` made `/api/v1/pods/web-0`), so they are refused
 * here, at `validate` for literal values and before a step for substituted ones.
 *
 * Rules, as the API server applies them (k8s.io/apimachinery
 * pkg/util/validation `IsDNS1123Label`, `IsDNS1123Subdomain`, and
 * pkg/api/validation/path `IsValidPathSegmentName`):
 * - a namespace is a DNS-1123 label: at most 63 characters, lower-case letters,
 *   digits and `-`, starting and ending with a letter or digit;
 * - an object name (pods, statefulsets... are DNS-1123 subdomains: at most 253
 *   characters, DNS-1123 labels joined by `.`) must at least be a valid path
 *   segment: not empty, not `.` or `..`, without `/` or `%`; some kinds allow
 *   more than a subdomain (RBAC names with `:`), so only the path rule and the
 *   length are enforced here, the API server checks the rest.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `namespace` is not a valid namespace, or undefined. */
export function namespaceProblem(namespace: string): string | undefined {
	if (namespace === '') return 'a namespace cannot be empty';
	if (namespace.length > 63) return `the namespace ${JSON.stringify(namespace.slice(0, 70))}… is longer than 63 characters`;
	if (!DNS1123_LABEL.test(namespace)) {
		return `${JSON.stringify(namespace)} is not a valid namespace: lower-case letters, digits and '-', starting and ending with a letter or digit (DNS-1123 label)`;
	}
	return undefined;
}

/** Why `name` cannot be an object's name in an API path, or undefined. */
export function objectNameProblem(name: string): string | undefined {
	if (name === '') return 'an object name cannot be empty';
	if (name.length > 253) return `the name ${JSON.stringify(name.slice(0, 70))}… is longer than 253 characters`;
	if (name === '.' || name === '..') return `${JSON.stringify(name)} is not a valid object name`;
	if (/[/%]/.test(name)) return `${JSON.stringify(name)} is not a valid object name: it may not contain '/' or '%'`;
	// eslint-disable-next-line no-control-regex
	if (/[\u0000-\u0020\u007f]/.test(name)) return `${JSON.stringify(name)} is not a valid object name: it may not contain spaces or control characters`;
	return undefined;
}

/** A name or namespace refused by {@link checkNamespace} or {@link checkObjectName}. */
export class KubeNameError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'KubeNameError';
	}
}

/** @throws KubeNameError when `namespace` is not valid ({@link namespaceProblem}). */
export function checkNamespace(namespace: string): string {
	const problem = namespaceProblem(namespace);
	if (problem) throw new KubeNameError(problem);
	return namespace;
}

/** @throws KubeNameError when `name` is not valid ({@link objectNameProblem}). */
export function checkObjectName(name: string): string {
	const problem = objectNameProblem(name);
	if (problem) throw new KubeNameError(problem);
	return name;
}

/** True when `text` holds a variable reference (`$`): it is checked after substitution, before the step. */
export function hasVariable(text: string): boolean {
	return text.includes('$');
}
