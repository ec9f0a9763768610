/**
 * The App's own state (what the operator has opened, asked, typed and scrolled;
 * the run's state is the handle's and the prompts are the operator's) as one
 * reducer with typed actions, as Shopify cli-kit's `use-select-state.ts` keeps
 * its select input's state. {@link useAppState} also keeps the reduced state in
 * a ref that the key handler reads: several keys of one read (a PgDn pressed
 * three times, `d` then `G`, `s` then `y`) arrive before the next render, and
 * each must see what the one before did.
 */
import {useCallback, useReducer, useRef} from 'react';
import type {LogContent} from './log-file.js';
import type {LogViewState} from './log-view.js';
import type {QuestionKind} from './keymap.js';
import type {Entry} from './prompt-entry.js';

/** A y/N question the app shows in place of the prompt: skip, quit, or stop the running command. */
export interface Question {
	kind: QuestionKind | 'stop';
	text: string;
	onYes: () => void;
	/** The prompt a skip, mark-done or roll-back question is about: once another prompt is current, the question is gone. */
	promptId?: number;
}

/**
 * A full-screen view over the panels, with what it shows and where it is
 * scrolled: the app's key handler moves it (the views have no input hook).
 */
export type Overlay = {kind: 'help'} | {kind: 'notices'; top: number} | {kind: 'log'; path: string; title: string; log: LogContent; state: LogViewState} | {kind: 'details'; stepId: string; top: number};

/** The App's state; replaced by {@link appReducer}, never changed in place. */
export interface AppState {
	/** The step looked at with ↑↓ (undefined: the current step is followed). */
	selected?: string;
	overlay?: Overlay;
	question?: Question;
	/** What is typed or chosen at the prompt (prompt-entry.ts). */
	entry?: Entry;
	/** A one-row message until the next key (`Step x has no log yet`). */
	flash?: string;
	/** The start notes were put away (by a key, or there were none). */
	noticesAcked: boolean;
	/** How far the command and vars are scrolled at a confirm or destructive prompt `promptId`, in rows. */
	commandScroll: {promptId?: number; rows: number};
	/** The first row of the plan on the start screen. */
	planTop: number;
	/** The first row of the summary screen of a completed run. */
	summaryTop: number;
	/** The operator left the summary screen (the app then exits). */
	left: boolean;
}

/** What changes the {@link AppState}. */
export type AppAction =
	| {type: 'select'; stepId?: string}
	| {type: 'open'; overlay: Overlay}
	| {type: 'close'}
	| {type: 'ask'; question: Question}
	| {type: 'answered'}
	| {type: 'entry'; entry: Entry}
	| {type: 'flash'; text?: string}
	| {type: 'ack-notices'}
	/** Scroll the command at prompt `promptId` by `rows` (from where the key before left it), within 0…`max`. */
	| {type: 'scroll-command'; promptId?: number; rows: number; max: number}
	| {type: 'plan-top'; top: number}
	| {type: 'summary-top'; top: number}
	| {type: 'leave'};

/** The state of an App with `notices` start notes (none: nothing to put away). */
export function initialAppState(notices: number): AppState {
	return {noticesAcked: notices === 0, commandScroll: {rows: 0}, planTop: 0, summaryTop: 0, left: false};
}

/** The state after `action`; pure. */
export function appReducer(state: AppState, action: AppAction): AppState {
	switch (action.type) {
		case 'select':
			return {...state, selected: action.stepId};
		case 'open':
			return {...state, overlay: action.overlay};
		case 'close':
			return {...state, overlay: undefined};
		case 'ask':
			return {...state, question: action.question};
		case 'answered':
			return state.question ? {...state, question: undefined} : state;
		case 'entry':
			return {...state, entry: action.entry};
		case 'flash':
			return state.flash === action.text ? state : {...state, flash: action.text};
		case 'ack-notices':
			return state.noticesAcked ? state : {...state, noticesAcked: true};
		case 'scroll-command': {
			const before = state.commandScroll;
			const from = before.promptId === action.promptId ? Math.min(before.rows, action.max) : 0;
			return {...state, commandScroll: {promptId: action.promptId, rows: Math.max(0, Math.min(action.max, from + action.rows))}};
		}
		case 'plan-top':
			return {...state, planTop: action.top};
		case 'summary-top':
			return {...state, summaryTop: action.top};
		case 'leave':
			return {...state, left: true};
	}
}

/** The question still open: one about a prompt that is no longer current (answered elsewhere) is gone. */
export function openQuestion(state: AppState, promptId: number | undefined): Question | undefined {
	const asked = state.question;
	return asked?.promptId !== undefined && asked.promptId !== promptId ? undefined : asked;
}

/** Rows the command at prompt `promptId` is scrolled (a new prompt starts at its top). */
export function commandScroll(state: AppState, promptId: number | undefined): number {
	return state.commandScroll.promptId === promptId ? state.commandScroll.rows : 0;
}

/**
 * `useReducer(appReducer)`, plus `latest`: the state after every action
 * dispatched so far, before React renders it (the same reducer applied to the
 * same actions in the same order, so it is the state the next render shows).
 * Returns `[state to render, dispatch, latest]`.
 */
export function useAppState(notices: number): [AppState, (action: AppAction) => void, {readonly current: AppState}] {
	const [state, dispatch] = useReducer(appReducer, notices, initialAppState);
	const latest = useRef(state);
	const act = useCallback((action: AppAction) => {
		latest.current = appReducer(latest.current, action);
		dispatch(action);
	}, []);
	return [state, act, latest];
}
