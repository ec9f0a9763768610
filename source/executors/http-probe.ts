/**
 * One check of `wait.http` (format 1.1): a GET with undici's fetch (the
 * library behind Node's own `fetch`, as a dependency so that `insecure` can
 * hand it an Agent that skips TLS verification; no shell, no curl). The
 * answer holds when its status is `status` (default any 2xx), its body
 * contains `contains`, and the JSON body's `jsonpath` value is `equals`.
 *
 * Hostile answers: at most {@link BODY_LIMIT_BYTES} of the body are read (the
 * rest is cancelled), and the excerpt shown is terminal-safe and at most
 * {@link EXCERPT_CHARS} characters. Header values may hold secrets: they are
 * sent and never written anywhere (errors name the URL and the cause only).
 */
import {Agent, fetch} from 'undici';
import type {HttpProbe, HttpProbeResult} from '../engine/ports.js';
import {terminalSafe} from '../security/terminal-text.js';
import {displayPath, formatJsonPathValues, readJsonPath} from './kubernetes/jsonpath.js';

/** Bytes of a body read for `contains` and `jsonpath` (1 MiB); a longer body is judged on its start. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Characters of the body shown in the panel. */
export const EXCERPT_CHARS = 120;
/** Longest one request may take, in ms, before it counts as a failed check. */
export const REQUEST_TIMEOUT_MS = 10_000;

let insecureAgent: Agent | undefined;

/**
 * Runs one check. Never throws: a refused connection, a timeout or a bad URL
 * is a check that does not hold (`error` set, the wait goes on), except a URL
 * that cannot be parsed or is not http(s), which is `final` (it never will).
 */
export async function probeHttp(probe: HttpProbe, signal: AbortSignal): Promise<HttpProbeResult> {
	let url: URL;
	try {
		url = new URL(probe.url);
	} catch {
		return {holds: false, final: true, message: 'not a valid URL (expected http://… or https://…)'};
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') return {holds: false, final: true, message: `${url.protocol} URLs are not supported: expected http:// or https://`};
	const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
	let response: Awaited<ReturnType<typeof fetch>>;
	try {
		response = await fetch(url, {
			method: 'GET',
			headers: probe.headers ?? {},
			redirect: 'follow',
			signal: AbortSignal.any([signal, timeout]),
			...(probe.insecure ? {dispatcher: (insecureAgent ??= new Agent({connect: {rejectUnauthorized: false}}))} : {}),
		});
	} catch (error) {
		if (signal.aborted) return {holds: false, message: 'stopped'};
		if (timeout.aborted) return {holds: false, message: `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`};
		return {holds: false, message: describeFetchError(error)};
	}
	const body = await readBounded(response.body, BODY_LIMIT_BYTES).catch(() => Buffer.alloc(0));
	const text = body.toString('utf8');
	const excerpt = excerptOf(text);
	const status = response.status;
	const statusOk = probe.status === undefined ? status >= 200 && status <= 299 : status === probe.status;
	if (!statusOk) return {holds: false, status, excerpt, message: `status ${status}, expected ${probe.status ?? 'any 2xx'}`};
	if (probe.contains !== undefined && !text.includes(probe.contains)) return {holds: false, status, excerpt, message: `status ${status}; the body does not contain ${JSON.stringify(probe.contains)}`};
	if (probe.jsonpath !== undefined) {
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {
			return {holds: false, status, excerpt, message: `status ${status}; the body is not JSON`};
		}
		let found: string;
		try {
			found = formatJsonPathValues(readJsonPath(json, probe.jsonpath));
		} catch (error) {
			return {holds: false, final: true, status, excerpt, message: (error as Error).message};
		}
		if (found !== probe.equals) return {holds: false, status, excerpt, message: `status ${status}; ${displayPath(probe.jsonpath)} is ${terminalSafe(found).slice(0, EXCERPT_CHARS)}, expected ${probe.equals}`};
	}
	return {holds: true, status, excerpt, message: `status ${status}`};
}

/** Up to `limit` bytes of a body; the rest is cancelled, not read. */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Buffer> {
	if (!body) return Buffer.alloc(0);
	const chunks: Buffer[] = [];
	let size = 0;
	const reader = body.getReader();
	try {
		while (size < limit) {
			const {done, value} = await reader.read();
			if (done) break;
			chunks.push(Buffer.from(value));
			size += value.byteLength;
		}
	} finally {
		await reader.cancel().catch(() => {});
	}
	return Buffer.concat(chunks).subarray(0, limit);
}

/** The start of a body on one line: escapes removed, controls visible, whitespace collapsed, at most {@link EXCERPT_CHARS} characters. */
export function excerptOf(text: string): string {
	const line = terminalSafe(text.slice(0, EXCERPT_CHARS * 8))
		.replace(/\s+/g, ' ')
		.trim();
	return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1)}…` : line;
}

/** A fetch failure in a few words, from its cause's code (`connection refused`), never with the request's headers. */
function describeFetchError(error: unknown): string {
	const cause = (error as {cause?: {code?: string; message?: string}}).cause;
	const code = cause?.code ?? '';
	const known: Record<string, string> = {
		ECONNREFUSED: 'connection refused',
		ECONNRESET: 'connection reset',
		ENOTFOUND: 'host not found',
		EAI_AGAIN: 'host name lookup failed (try again)',
		EHOSTUNREACH: 'host unreachable',
		ETIMEDOUT: 'connection timed out',
		DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed (insecure: true skips the check)",
		SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate chain is self-signed (insecure: true skips the check)",
		UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified (insecure: true skips the check)",
		CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
		ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate is for another host name",
	};
	if (known[code]) return known[code]!;
	return terminalSafe(`request failed${code ? ` (${code})` : ''}`);
}
