/**
 * Plain requests to the API server with the kubeconfig's credentials, through
 * @kubernetes/client-node's own HTTP layer (RequestContext, the KubeConfig's
 * authentication and TLS dispatcher, IsomorphicFetchHttpLibrary): JSON in and
 * out, an AbortSignal on every request, and failures as {@link KubeApiError}
 * carrying the server's one-line message (`statefulsets.apps "x" not found`).
 */
import {HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig} from '@kubernetes/client-node';

/** A failed API request: the HTTP status (0 when the server was not reached) and a one-line message. */
export class KubeApiError extends Error {
	/** HTTP status; 0 when no response came (refused, reset, timed out). */
	readonly status: number;
	/** The Status object's `reason` (`NotFound`, `Conflict`, `Expired`...), when the server sent one. */
	readonly reason: string | undefined;

	/** `message`: one line for the operator. */
	constructor(message: string, status: number, reason?: string) {
		super(message);
		this.name = 'KubeApiError';
		this.status = status;
		this.reason = reason;
	}

	/** True for failures worth retrying while waiting: no response, 429, 5xx. */
	get transient(): boolean {
		return this.status === 0 || this.status === 429 || this.status >= 500;
	}
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
	query?: Query;
	/** A JSON value (sent as JSON) or text (sent as is). */
	body?: unknown;
	/** Content-Type of the body (default `application/json`). */
	contentType?: string;
	signal?: AbortSignal;
}

/** How long a plain (non-watch) request may take before it fails, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The API server as seen through one kubeconfig context. */
export class KubeClient {
	readonly kc: KubeConfig;
	readonly server: string;
	/** Requests sent so far (plain and streaming), for tests and logs. */
	requests = 0;
	readonly #http = new IsomorphicFetchHttpLibrary();
	#dispatcher: ReturnType<RequestContext['getDispatcher']>;
	readonly #timeoutMs: number;

	/** `kc` must have its current context set; `timeoutMs` bounds each plain request. */
	constructor(kc: KubeConfig, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS) {
		this.kc = kc;
		this.server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
		this.#timeoutMs = timeoutMs;
	}

	/**
	 * Sends one request and returns the parsed JSON body (undefined when empty).
	 * @throws KubeApiError for an error status, no response, or a timeout.
	 */
	async request<T = unknown>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
		const timeout = AbortSignal.timeout(this.#timeoutMs);
		const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
		const response = await this.#send(method, path, {...options, signal}, options.signal);
		let text: string;
		try {
			text = await response.body.text();
		} catch (error) {
			throw this.#noResponse(error, signal, options.signal);
		}
		if (response.httpStatusCode >= 400) throw statusError(response.httpStatusCode, text);
		if (text === '') return undefined as T;
		try {
			return JSON.parse(text) as T;
		} catch {
			throw new KubeApiError(`the API server sent a response that is not JSON (${method} ${path})`, response.httpStatusCode);
		}
	}

	/**
	 * Opens a streaming GET (a watch) and returns its body. The request lives
	 * until `signal` aborts or the server ends it.
	 * @throws KubeApiError for an error status (410 Gone included) or no response.
	 */
	async stream(path: string, query: Query, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
		const response = await this.#send(HttpMethod.GET, path, {query, signal}, signal);
		const body = response.body.stream();
		if (response.httpStatusCode !== 200 || !body) {
			const text = await response.body.text().catch(() => '');
			throw statusError(response.httpStatusCode, text);
		}
		return body;
	}

	/** `options.signal` ends the request; `callerSignal` is the caller's part of it (the rest is a timeout). */
	async #send(method: HttpMethod, path: string, options: RequestOptions & {signal: AbortSignal}, callerSignal: AbortSignal | undefined) {
		const context = new RequestContext(this.server + path, method);
		for (const [key, value] of Object.entries(options.query ?? {})) {
			if (value !== undefined) context.setQueryParam(key, String(value));
		}
		context.setHeaderParam('Accept', 'application/json');
		if (options.body !== undefined) {
			context.setHeaderParam('Content-Type', options.contentType ?? 'application/json');
			context.setBody(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
		}
		context.setSignal(options.signal);
		this.requests++;
		try {
			await this.kc.applySecurityAuthentication(context);
			// client-node makes a new connection pool (undici Agent) for every request; keep the
			// first, so requests share connections (one TLS handshake, not one per request).
			const dispatcher = context.getDispatcher();
			if (dispatcher) context.setDispatcher((this.#dispatcher ??= dispatcher));
			return await this.#http.send(context).toPromise();
		} catch (error) {
			throw this.#noResponse(error, options.signal, callerSignal);
		}
	}

	/** An error for a request that got no (whole) response. */
	#noResponse(error: unknown, signal: AbortSignal, callerSignal: AbortSignal | undefined): KubeApiError {
		if (error instanceof KubeApiError) return error;
		if (signal.aborted && !callerSignal?.aborted) {
			const limit = this.#timeoutMs < 1000 ? `${this.#timeoutMs} ms` : `${Math.round(this.#timeoutMs / 1000)}s`;
			return new KubeApiError(`the API server ${this.server} did not answer within ${limit}`, 0, 'Timeout');
		}
		if (callerSignal?.aborted) return new KubeApiError('aborted', 0, 'Aborted');
		return new KubeApiError(`cannot reach the API server ${this.server}: ${describeNetworkError(error)}`, 0);
	}
}

/** A KubeApiError from an error response: the Status message when there is one. */
export function statusError(status: number, text: string): KubeApiError {
	let message = '';
	let reason: string | undefined;
	try {
		const body = JSON.parse(text) as {kind?: string; message?: string; reason?: string};
		if (body && typeof body === 'object') {
			message = typeof body.message === 'string' ? body.message : '';
			reason = typeof body.reason === 'string' ? body.reason : undefined;
		}
	} catch {
		message = text.trim().split('\n')[0].slice(0, 300);
	}
	if (!message) message = `the API server answered HTTP ${status}`;
	return new KubeApiError(message.replace(/\s*\n\s*/g, ' '), status, reason);
}

/** `ECONNREFUSED`, `certificate has expired`...: the most telling part of a fetch failure. */
export function describeNetworkError(error: unknown): string {
	let current: unknown = error;
	let best = error instanceof Error ? error.message : String(error);
	for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
		const code = (current as NodeJS.ErrnoException).code;
		if (code && code !== 'UND_ERR_SOCKET') return current.message.includes(code) ? current.message : `${code} ${current.message}`.trim();
		if (current.message && current.message !== 'fetch failed') best = current.message;
		current = (current as {cause?: unknown}).cause;
	}
	return best;
}
