/**
 * The App's one key handler. One handler for every key, so that one key makes
 * one decision (a key that closes a question must not also reach the prompt
 * behind it). It is mounted from the first frame to the last; the views over
 * the panels (details, help, notices, log) and the prompts' inputs have no input
 * hook of their own, so no key typed as one opens waits for it to start
 * listening. What a key means comes from the key table (keymap.ts) and the
 * views' pure key functions; this module only applies it.
 */
import type {Key} from 'ink';
import type {RunHandle} from '../engine/handle.js';
import {latestAttempt, orderIndex, panelData, safeStepView} from './app-model.js';
import {openQuestion, type AppAction, type AppState, type Overlay} from './app-state.js';
import {detailRows, detailsKey} from './details-view.js';
import {helpCloses} from './help-view.js';
import {appKey, promptKeyAction, questionKey, typesAnswers} from './keymap.js';
import {readLog} from './log-file.js';
import {logLayout, logViewKey, newLogViewState} from './log-view.js';
import {allNoticeRows} from './notices.js';
import {noticesKey} from './notices-view.js';
import type {TuiOperator} from './operator.js';
import {planBodyRows, planMaxTop, planRows} from './plan-view.js';
import type {Prompt, PromptAnswer} from './prompt.js';
import {entryFor, entryKey, takesEntry} from './prompt-entry.js';
import {QUIT_QUESTION, questionText} from './prompt-keys.js';
import type {RunView} from './run-view.js';
import {scrollUpdate} from './scroll-keys.js';
import {statusText} from './step-panel.js';
import {summaryKey, summaryMaxTop} from './summary-view.js';

/** What the handler reads besides the App's state: the run, the prompt and the frame's sizes, all as of the last render. */
export interface KeyScene {
	handle: RunHandle;
	operator: TuiOperator;
	view: RunView;
	prompt: Prompt | undefined;
	notices: readonly string[];
	headerLines?: readonly string[];
	/** The step the run is on (currentStepId). */
	currentId: string | undefined;
	columns: number;
	/** Rows of the panels (and of the summary screen). */
	mainRows: number;
	/** Rows of a view over the panels. */
	overlayRows: number;
	/** A confirm or destructive prompt waits on the step shown: PgUp/PgDn scroll its command. */
	deciding: boolean;
	/** How far that command can scroll, rows. */
	maxScroll: number;
	/** The run has ended. */
	finished: boolean;
	/** The summary screen of a completed run is up, with its lines. */
	summary?: readonly string[];
}

/** The step shown: the one looked at with ↑↓, else the current one. */
export function shownStep(state: AppState, scene: KeyScene): string | undefined {
	return state.selected ?? scene.currentId;
}

/** Answers the prompt of the scene, unless another one is current by now (keys after an answer in the same read). */
function answer(scene: KeyScene, act: (action: AppAction) => void, value: PromptAnswer): void {
	const {prompt, operator} = scene;
	if (!prompt || operator.current()?.id !== prompt.id) return;
	act({type: 'answered'});
	operator.answer(value);
}

/** `q` or Ctrl-C with no prompt: asks to quit, or to stop the running command (again while it stops: to kill it). */
function askQuit(scene: KeyScene, act: (action: AppAction) => void): void {
	const {handle, operator} = scene;
	if (handle.isBusy()) {
		// If the command ended while the question was up, quitting is what is left to do.
		const onYes = () => (handle.isBusy() ? handle.stopCommand('operator quit') : operator.requestQuit());
		// Asked again while the command is still stopping (SIGTERM sent, grace period running): kill it now.
		const text = handle.canKill ? 'The command is still stopping (SIGTERM sent). Kill it now (SIGKILL)? (y/N)' : 'A command is running. Stop it and quit? (y/N)';
		act({type: 'ask', question: {kind: 'stop', text, onYes}});
	} else {
		act({type: 'ask', question: {kind: 'quit', text: QUIT_QUESTION, onYes: () => operator.requestQuit()}});
	}
}

/** `l`: the log of the shown step, read once when opened (its end when larger than 2 MiB); the view pages through what was read. */
function openLog(scene: KeyScene, act: (action: AppAction) => void, shownId: string | undefined) {
	if (!shownId) return;
	const {view, handle} = scene;
	const attempt = latestAttempt(view, shownId);
	if (attempt === 0) return act({type: 'flash', text: `Step ${shownId} has no log yet: it has not run.`});
	const path = view.stepLive(shownId).logPath ?? handle.logPath(shownId, attempt);
	act({type: 'open', overlay: {kind: 'log', path, title: `${safeStepView(handle, shownId).title}, attempt ${attempt}`, log: readLog(handle, shownId, attempt), state: newLogViewState()}});
}

/** The keys of an open view: each view says what a key does (a pure function); the app keeps where it is. */
function overlayKey(scene: KeyScene, act: (action: AppAction) => void, open: Overlay, input: string, key: Key) {
	const {columns, overlayRows: height} = scene;
	let next: Overlay | 'close' | undefined;
	if (open.kind === 'help') {
		next = helpCloses(input, key) ? 'close' : undefined;
	} else if (open.kind === 'notices') {
		const to = noticesKey(open.top, input, key, allNoticeRows(scene.notices, columns).length, height);
		next = to === 'close' || to === undefined ? to : {...open, top: to};
	} else if (open.kind === 'details') {
		const data = panelData(scene.view, open.stepId, Date.now());
		const count = detailRows(data.view, {runbook: scene.handle.runbook, stepCount: data.stepCount, status: statusText(data), target: scene.headerLines}, columns).length;
		const to = detailsKey(open.top, input, key, count, height);
		next = to === 'close' || to === undefined ? to : {...open, top: to};
	} else {
		const to = logViewKey(open.state, input, key, logLayout(open.log, open.title, open.path, columns, height));
		next = to === 'close' ? to : to === open.state ? undefined : {...open, state: to};
	}
	if (next === 'close') act({type: 'close'});
	else if (next) act({type: 'open', overlay: next});
}

/**
 * Handles one key (`input`/`key` as Ink's `useInput` gives them) against the
 * state after the keys before it (`latest`). A read of several characters (a
 * paste, or keys typed ahead of a slow frame) is one input that matches no key:
 * it is dropped rather than split, so pasted text never answers a prompt.
 */
export function handleKey(scene: KeyScene, latest: {readonly current: AppState}, act: (action: AppAction) => void, input: string, key: Key) {
	const state = latest.current;
	const {prompt, operator, mainRows} = scene;
	if (scene.finished) {
		// The summary screen's keys (see summary-view.tsx for why the app takes them).
		if (!scene.summary) return;
		const to = summaryKey(input, key, state.summaryTop, Math.max(1, mainRows));
		if (to === 'leave') act({type: 'leave'});
		else if (to !== undefined) act({type: 'summary-top', top: Math.min(to, summaryMaxTop(scene.summary, scene.columns, mainRows))});
		return;
	}
	const question = openQuestion(state, prompt?.id);
	if (question) {
		const said = questionKey(input, key, question.kind === 'quit' || question.kind === 'stop');
		if (said) act({type: 'answered'});
		if (said === 'yes') question.onYes();
		return;
	}
	if (state.overlay) return overlayKey(scene, act, state.overlay, input, key);
	act({type: 'flash', text: undefined});
	// Keys typed at these prompts are answers: they neither acknowledge the notes nor open them.
	const typing = typesAnswers(prompt);
	const id = appKey(input, key);
	if (id === 'notes' && !typing && scene.notices.length > 0) {
		act({type: 'ack-notices'});
		return act({type: 'open', overlay: {kind: 'notices', top: 0}});
	}
	if (!typing) act({type: 'ack-notices'});
	// At a confirm or destructive prompt, PgUp/PgDn scroll the command and its values in place.
	if (id === 'scroll' && scene.deciding) {
		const page = Math.max(1, mainRows - 6);
		return act({type: 'scroll-command', promptId: prompt?.id, rows: key.pageDown ? page : -page, max: scene.maxScroll});
	}
	const shownId = shownStep(state, scene);
	if (id === 'details' && !takesEntry(prompt) && shownId) return act({type: 'open', overlay: {kind: 'details', stepId: shownId, top: 0}});
	// The start screen: ↑↓ PgUp PgDn g G scroll the plan (from where the key before left it).
	if (prompt?.kind === 'start') {
		const max = planMaxTop(prompt.plan, scene.columns, mainRows);
		const update = scrollUpdate(input, key, planBodyRows(planRows(prompt.plan, scene.columns).length, mainRows), max);
		if (update) return act({type: 'plan-top', top: update(Math.min(state.planTop, max))});
	}
	if (prompt) {
		const action = promptKeyAction(prompt, input, key);
		if (action?.question) {
			const {answer: value} = action;
			// Quitting answers whatever prompt is current by then (or the next one).
			const onYes = action.question === 'quit' ? () => operator.requestQuit() : () => answer(scene, act, value);
			const about = action.question === 'quit' ? undefined : prompt.id;
			return act({type: 'ask', question: {kind: action.question, text: questionText(action.question, prompt), onYes, promptId: about}});
		}
		if (action) return answer(scene, act, action.answer);
		if (takesEntry(prompt)) {
			const before = entryFor(prompt, state.entry);
			const {entry, answer: value} = entryKey(prompt, before, input, key);
			if (entry !== state.entry) act({type: 'entry', entry});
			if (value !== undefined) answer(scene, act, value);
			// Typed text and choice lists take every other key.
			return;
		}
	}
	const order = scene.view.state.order;
	if (id === 'steps') {
		const at = Math.max(0, orderIndex(order, shownId ?? ''));
		const next = order[Math.min(order.length - 1, Math.max(0, at + (key.upArrow ? -1 : 1)))];
		act({type: 'select', stepId: next === scene.currentId ? undefined : next});
	} else if (id === 'follow') act({type: 'select', stepId: undefined});
	else if (id === 'log') openLog(scene, act, shownId);
	else if (id === 'auto') operator.setAuto(!operator.isAuto());
	else if (id === 'help') act({type: 'open', overlay: {kind: 'help'}});
	else if (id === 'quit' && !prompt) askQuit(scene, act);
}
