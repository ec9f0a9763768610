/**
 * The state log of a run (issue 14): one record per transition, appended and
 * fsynced, so that saving progress costs the size of what changed, not of the
 * whole state. Loading takes a snapshot (store/runs.ts) and replays the records
 * after it.
 *
 * A record is one line: the CRC-32 of the JSON text (8 lowercase hex digits), a
 * space, the JSON text, a newline:
 *
 *     3f2a9c01 {"seq":12,"set":{"updatedAt":"...","currentStepId":"b"},"steps":{"b":{...}}}
 *
 * and holds a DIFF of the state, not a transition's name: `set` (top-level fields
 * that changed, with their new values), `unset` (optional top-level fields that
 * went away), `append` (items added at the end of a top-level array, such as
 * `decisions`) and `steps` (the whole StepState of each step that changed). So
 * any transition, also one added later, is logged without a change here.
 *
 * The state directory is untrusted (it may be shared for handover): every record
 * is checked as strictly as a snapshot is (the fields of state-schema.ts; unknown
 * fields refused), and the state after the replay is checked whole once more.
 * A last line that is cut short or fails its checksum is a write a dying process
 * did not finish: dropped (the transition was never saved, so the runner never went
 * past it). Any other bad line is a damaged state.
 */
import {crc32} from 'node:zlib';
import type {RunState, StepState} from '../engine/state.js';
import {stepsChanged} from '../engine/state.js';
import {runStateSchema, stepStateSchema} from './state-schema.js';

/** One transition's change of the state (see the module comment). */
export interface StateRecord {
	/** Position of the transition in the run's history: the snapshot's `logSeq` plus 1, plus 1... */
	seq: number;
	set?: Record<string, unknown>;
	unset?: string[];
	append?: Record<string, unknown[]>;
	steps?: Record<string, StepState>;
}

/** Fields of a record; anything else makes it a damaged one. */
const RECORD_KEYS = new Set(['seq', 'set', 'unset', 'append', 'steps']);

/** Names that must never become keys of an object built from untrusted JSON. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const shape = runStateSchema.shape as Record<string, {safeParse(value: unknown): {success: boolean; error?: {issues: {message: string}[]}}}>;

/**
 * The record taking `prev` to `next`, or undefined when nothing changed. Costs
 * O(number of top-level fields + steps) comparisons of references (the transitions
 * are pure, engine/transitions.ts: an unchanged part keeps its object) and
 * O(size of what changed) in the record. Steps updated in place (a `steps` record the
 * runner owns) are the ids noted with it, not compared: O(1) each. The caller clears
 * those notes (clearStepsChanged) once the record is saved.
 */
export function diffState(prev: RunState, next: RunState, seq: number): StateRecord | undefined {
	const record: StateRecord = {seq};
	const a = prev as unknown as Record<string, unknown>;
	const b = next as unknown as Record<string, unknown>;
	let changed = false;
	for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
		if (key === 'steps' || a[key] === b[key]) continue;
		changed = true;
		const before = a[key];
		const after = b[key];
		if (after === undefined) {
			(record.unset ??= []).push(key);
		} else if (Array.isArray(before) && Array.isArray(after) && after.length > before.length && before.every((item, i) => item === after[i])) {
			(record.append ??= {})[key] = after.slice(before.length);
		} else {
			(record.set ??= {})[key] = after;
		}
	}
	if (prev.steps !== next.steps) {
		for (const [id, step] of Object.entries(next.steps)) {
			if (prev.steps[id] === step) continue;
			(record.steps ??= {})[id] = step;
			changed = true;
		}
		// Steps never go away in a run; a state where one did is written as a snapshot.
		for (const id of Object.keys(prev.steps)) if (!(id in next.steps)) return {seq, set: {steps: next.steps}};
	}
	// Steps updated in place in a record the runner owns (engine/state.ts ownSteps): O(1) each.
	for (const id of stepsChanged(next.steps) ?? []) {
		(record.steps ??= {})[id] = next.steps[id]!;
		changed = true;
	}
	return changed ? record : undefined;
}

/** One record as a line (checksum, space, JSON, newline). */
export function encodeRecord(record: StateRecord): string {
	const json = JSON.stringify(record);
	return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** What reading a log's text gave. */
export interface ReadLog {
	records: StateRecord[];
	/** Bytes of the complete, valid lines (where the next record must start). */
	validBytes: number;
	/** True when a last line was cut short or failed its checksum and was dropped. */
	tornTail: boolean;
}

/** A log line (not the last one) that is not a valid record: the state is damaged. */
export class StateLogError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StateLogError';
	}
}

/** Why a checksummed line's JSON is not a valid record, or undefined. */
function recordProblem(data: unknown): string | undefined {
	if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not an object';
	const r = data as Record<string, unknown>;
	for (const key of Object.keys(r)) if (!RECORD_KEYS.has(key)) return `unknown field ${JSON.stringify(key.slice(0, 40))}`;
	if (!Number.isSafeInteger(r.seq) || (r.seq as number) < 1) return 'seq is not a whole number >= 1';
	const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
	const fieldProblem = (key: string): string | undefined => (FORBIDDEN_KEYS.has(key) || !Object.hasOwn(shape, key) ? `unknown state field ${JSON.stringify(key.slice(0, 40))}` : undefined);
	if (r.set !== undefined) {
		if (!isObject(r.set)) return 'set is not an object';
		for (const [key, value] of Object.entries(r.set)) {
			const problem = fieldProblem(key);
			if (problem) return `set: ${problem}`;
			// `steps` whole is a valid (rare) change; checked by its schema like any field.
			const checked = shape[key].safeParse(value);
			if (!checked.success) return `set.${key}: ${checked.error?.issues[0]?.message ?? 'invalid'}`;
		}
	}
	if (r.unset !== undefined) {
		if (!Array.isArray(r.unset)) return 'unset is not a list';
		for (const key of r.unset) {
			if (typeof key !== 'string') return 'unset: not a field name';
			const problem = fieldProblem(key);
			if (problem) return `unset: ${problem}`;
			if (!shape[key].safeParse(undefined).success) return `unset: ${key} may not be left out`;
		}
	}
	if (r.append !== undefined) {
		if (!isObject(r.append)) return 'append is not an object';
		for (const [key, items] of Object.entries(r.append)) {
			const problem = fieldProblem(key);
			if (problem) return `append: ${problem}`;
			if (!Array.isArray(items)) return `append.${key} is not a list`;
			const checked = shape[key].safeParse(items);
			if (!checked.success) return `append.${key}: ${checked.error?.issues[0]?.message ?? 'invalid'}`;
		}
	}
	if (r.steps !== undefined) {
		if (!isObject(r.steps)) return 'steps is not an object';
		for (const [id, step] of Object.entries(r.steps)) {
			if (FORBIDDEN_KEYS.has(id)) return `steps: forbidden step id ${JSON.stringify(id)}`;
			const checked = stepStateSchema.safeParse(step);
			if (!checked.success) return `steps.${id.slice(0, 80)}: ${checked.error.issues[0]?.message ?? 'invalid'}`;
			if ((step as StepState).id !== id) return `steps.${id.slice(0, 80)}: its id is another`;
		}
	}
	return undefined;
}

/**
 * Parses a log's text. A last line without its newline, or whose checksum or JSON
 * fails, is dropped (`tornTail`); a bad line before it throws.
 * @param name the file's name, for the error message.
 * @throws StateLogError naming the line and the problem.
 */
export function parseLog(text: string, name: string): ReadLog {
	const records: StateRecord[] = [];
	let offset = 0;
	let line = 0;
	while (offset < text.length) {
		line++;
		const end = text.indexOf('\n', offset);
		const last = end === -1 || end === text.length - 1;
		const body = end === -1 ? text.slice(offset) : text.slice(offset, end);
		const match = /^([0-9a-f]{8}) (.*)$/s.exec(body);
		let problem: string | undefined;
		let data: unknown;
		if (end === -1) problem = 'cut short';
		else if (!match) problem = 'not a record line';
		else if (crc32(match[2]).toString(16).padStart(8, '0') !== match[1]) problem = 'checksum mismatch';
		else {
			try {
				data = JSON.parse(match[2]);
			} catch {
				problem = 'not JSON';
			}
		}
		if (problem && last) return {records, validBytes: Buffer.byteLength(text.slice(0, offset)), tornTail: true};
		if (!problem) problem = recordProblem(data);
		if (problem) throw new StateLogError(`${name} line ${line}: ${problem}`);
		records.push(data as StateRecord);
		offset = end + 1;
	}
	return {records, validBytes: Buffer.byteLength(text), tornTail: false};
}

/**
 * A working copy of a loaded state that records can be applied to, each in
 * O(size of the record): `steps` is copied once here, not per record.
 */
export function replayable(state: RunState): RunState {
	const copy: Record<string, unknown> = {...state, steps: {...state.steps}};
	for (const [key, value] of Object.entries(copy)) if (Array.isArray(value)) copy[key] = [...(value as unknown[])];
	return copy as unknown as RunState;
}

/** Applies a checked record (from {@link parseLog}) to a working copy from {@link replayable}, in place. */
export function applyRecord(state: RunState, record: StateRecord): void {
	const s = state as unknown as Record<string, unknown>;
	for (const [key, value] of Object.entries(record.set ?? {})) s[key] = key === 'steps' ? {...(value as object)} : value;
	for (const key of record.unset ?? []) delete s[key];
	for (const [key, items] of Object.entries(record.append ?? {})) {
		// Arrays of the working copy are its own (replayable() copied them, JSON.parse made the rest).
		const list = s[key];
		if (Array.isArray(list)) for (const item of items) list.push(item);
		else s[key] = [...items];
	}
	for (const [id, step] of Object.entries(record.steps ?? {})) state.steps[id] = step;
}
