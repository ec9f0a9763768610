/**
 * The runbook TUI: header, step list, step panel, the pending prompt and the
 * key help, fitted to the terminal. State comes in from the {@link RunHandle}
 * (events) and the {@link TuiOperator} (prompts); decisions go out through
 * `operator.answer` and `handle.stopCommand`.
 */
import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useWindowSize, type Key} from 'ink';
import {ThemeProvider} from '@inkjs/ui';
import type {RunHandle} from '../engine/handle.js';
import {currentStepId, finalSummary, latestAttempt, listRows, orderIndex, panelData, safeStepView, summaryLines} from './app-model.js';
import {tint, uiTheme} from './color.js';
import {GatePanel} from './gate-panel.js';
import {Header, headerRows} from './header.js';
import {helpCloses, HelpView} from './help-view.js';
import {useClock, useRunView} from './hooks.js';
import {KeyHelp, keysNow} from './key-help.js';
import {LogView, logLayout, logViewKey, newLogViewState, type LogViewState} from './log-view.js';
import {readLog, type LogContent} from './log-file.js';
import {allNoticeRows, fitNotices, noticeRowBudget, NOTICE_PREFIX} from './notices.js';
import {NoticesView, noticesKey} from './notices-view.js';
import type {Prompt, PromptAnswer, TuiOperator} from './operator.js';
import {isTextEntry, questionText} from './prompt-keys.js';
import {promptKeyAction, type QuestionKind} from './keymap.js';
import {PromptView, promptRows} from './prompt-view.js';
import {entryFor, entryKey, takesEntry, type Entry} from './prompt-entry.js';
import {StepList} from './step-list.js';
import {layoutStepPanel, statusText, StepPanel} from './step-panel.js';
import {DetailsView, detailRows, detailsKey} from './details-view.js';
import {PlanView, planBodyRows, planMaxTop, planRows} from './plan-view.js';
import {scrollUpdate} from './scroll-keys.js';
import {summaryKey, summaryMaxTop, SummaryView} from './summary-view.js';
import {NO_EARLIER_SESSIONS, summaryLines as runSummaryLines, timeLeftMs, type EarlierSessions, type StepEstimates} from '../engine/run-summary.js';
import {displayLine, displayText} from './format.js';
import type {PanelMode} from './layout.js';
import {visibleControls} from '../security/terminal-text.js';

/** Props of {@link App}. */
export interface AppProps {
	/** The run to show and control. */
	handle: RunHandle;
	/** The operator port the run asks its questions through. */
	operator: TuiOperator;
	/**
	 * Called once the run has ended and its summary is on screen (the app then
	 * exits), with the lines to print after the TUI is gone ({@link finalSummary}).
	 */
	onQuit?: (summary: readonly string[]) => void;
	/** More header rows, such as the Kubernetes target (`context: … · server: … · namespace: …`). */
	headerLines?: readonly string[];
	/**
	 * Notes to show before the run starts, word-wrapped below the panels (a
	 * quarter of the rows at most; `n` shows them all). A key other than `n`, or
	 * the first step starting, puts them away; when some were never shown, a
	 * one-row reminder stays until a key.
	 */
	notices?: readonly string[];
	/** The command that resumes this run, for the end summary (default `runbook resume <run id>`). */
	resumeCommand?: string;
	/** The run's time before this process (read from its journal by the caller): the clock counts the run. */
	earlierSessions?: EarlierSessions;
	/** How long each step took in earlier completed runs of this runbook (read by the caller): the header estimates the time left from them. */
	stepEstimates?: StepEstimates;
}

const NO_ESTIMATES: StepEstimates = {};

/** A y/N question the app shows in place of the prompt: skip, quit, or stop the running command. */
interface Question {
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
type Overlay =
	| {kind: 'help'}
	| {kind: 'notices'; top: number}
	| {kind: 'log'; path: string; title: string; log: LogContent; state: LogViewState}
	| {kind: 'details'; stepId: string; top: number};

/**
 * What the step panel of `stepId` puts first: `decide` while a confirm or
 * destructive prompt waits on it, `failed` when it failed or was interrupted
 * (or its failure prompt is up), else `follow`.
 */
function modeOf(prompt: Prompt | undefined, stepId: string, status: string): PanelMode {
	if ((prompt?.kind === 'confirm' || prompt?.kind === 'destructive') && prompt.step.id === stepId) return 'decide';
	if (((prompt?.kind === 'failure' || prompt?.kind === 'interrupted') && prompt.step.id === stepId) || status === 'failed' || status === 'interrupted') return 'failed';
	return 'follow';
}

/** The whole TUI; see the module comment. Fits `useWindowSize()` (80x24 and up). */
export function App({handle, operator, onQuit, headerLines, notices = [], resumeCommand, earlierSessions = NO_EARLIER_SESSIONS, stepEstimates = NO_ESTIMATES}: AppProps) {
	const {exit} = useApp();
	const {columns, rows} = useWindowSize();
	const view = useRunView(handle);
	const [prompt, setPrompt] = useState<Prompt | undefined>(() => operator.current());
	const [auto, setAuto] = useState(() => operator.isAuto());
	const [autoStopped, setAutoStopped] = useState(() => operator.notice());
	const [selected, setSelected] = useState<string>();
	// A ref, as the entry below: a key in the same read as the one that opened a view (d then G) must reach the view.
	const overlayRef = useRef<Overlay | undefined>(undefined);
	const overlay = overlayRef.current;
	// A ref, as the entry below: a key right after the one that asked (`s` then `y` in one read) must see the question.
	const askedRef = useRef<Question | undefined>(undefined);
	const [flash, setFlash] = useState<string>();
	const [noticesAcked, setNoticesAcked] = useState(notices.length === 0);
	// What is typed or chosen at the prompt: the app's, edited by its one key handler (prompt-entry.ts).
	// A ref, so that keys arriving together (a paste, a fast typist) each see the one before.
	const entryRef = useRef<Entry | undefined>(undefined);
	const [, setVersion] = useState(0);
	const setQuestion = useCallback((next: Question | undefined) => {
		askedRef.current = next;
		setVersion(v => v + 1);
	}, []);
	const setOverlay = useCallback((next: Overlay | undefined) => {
		overlayRef.current = next;
		setVersion(v => v + 1);
	}, []);
	// How far the command and vars are scrolled at a confirm or destructive prompt (PgUp/PgDn).
	const [scrolled, setScroll] = useState<{promptId?: number; rows: number}>({rows: 0});
	const startedAt = useRef(Date.now());
	const earlier = earlierSessions;
	// A completed run's summary stays until a key; other ends (a quit, a signal) leave at once.
	const [left, setLeft] = useState(false);
	const [summaryTop, setSummaryTop] = useState(0);
	// The first row of the plan shown on the start screen.
	const [planTop, setPlanTop] = useState(0);
	const finished = view.finished;
	const finishedAt = useRef<number | undefined>(undefined);
	if (finished && finishedAt.current === undefined) finishedAt.current = Date.now();
	const state = view.state;
	const running = state.order.some(id => state.steps[id]?.status === 'running');
	const now = useClock(!finished, running);
	const elapsed = earlier.ms + (finishedAt.current ?? now) - startedAt.current;
	const stays = finished?.status === 'completed' && !left;
	const theme = useMemo(() => uiTheme(), []);

	useEffect(() => {
		const sync = () => {
			setPrompt(operator.current());
			setAuto(operator.isAuto());
			setAutoStopped(operator.notice());
		};
		sync();
		return operator.subscribe(sync);
	}, [operator]);
	// Derived at render, not reset in an effect (which runs after the frame, so a key typed at
	// once would be undone): a question about a prompt that is gone (answered elsewhere) must not
	// answer the next one, and a new prompt starts scrolled to its top.
	const questionNow = (): Question | undefined => {
		const asked = askedRef.current;
		return asked?.promptId !== undefined && asked.promptId !== prompt?.id ? undefined : asked;
	};
	const question = questionNow();
	const scroll = scrolled.promptId === prompt?.id ? scrolled.rows : 0;
	useEffect(() => {
		if (finished) operator.dispose();
		if (!finished || stays) return;
		const elapsedMs = earlier.ms + (finishedAt.current ?? Date.now()) - startedAt.current;
		onQuit?.(finalSummary({finished, state: view.state, title: handle.runbook.title, elapsedMs, runDir: handle.runDir, resumeCommand}));
		exit();
	}, [finished, stays, earlier, operator, onQuit, exit, view, handle, resumeCommand]);

	const currentId = currentStepId(prompt, view);
	const shownId = selected ?? currentId;
	const busy = handle.isBusy();
	// Keys typed at these prompts are answers: they neither acknowledge the notes nor open them.
	const typing = isTextEntry(prompt) || prompt?.kind === 'confirm';

	const answer = useCallback(
		(value: PromptAnswer) => {
			if (!prompt || operator.current()?.id !== prompt.id) return;
			setQuestion(undefined);
			operator.answer(value);
		},
		[operator, prompt, setQuestion],
	);
	const askQuit = () => {
		if (handle.isBusy()) {
			// If the command ended while the question was up, quitting is what is left to do.
			const onYes = () => (handle.isBusy() ? handle.stopCommand('operator quit') : operator.requestQuit());
			// Asked again while the command is still stopping (SIGTERM sent, grace period running): kill it now.
			const text = handle.canKill ? 'The command is still stopping (SIGTERM sent). Kill it now (SIGKILL)? (y/N)' : 'A command is running. Stop it and quit? (y/N)';
			setQuestion({kind: 'stop', text, onYes});
		} else {
			setQuestion({kind: 'quit', text: 'Quit? Progress is kept. (y/N)', onYes: () => operator.requestQuit()});
		}
	};
	const openLog = () => {
		if (!shownId) return;
		const attempt = latestAttempt(view, shownId);
		if (attempt === 0) return setFlash(`Step ${shownId} has no log yet: it has not run.`);
		const path = view.stepLive(shownId).logPath ?? handle.logPath(shownId, attempt);
		// Read once, when opened (its end when larger than 2 MiB); the view pages through what was read.
		setOverlay({kind: 'log', path, title: `${safeStepView(handle, shownId).title}, attempt ${attempt}`, log: readLog(path), state: newLogViewState()});
	};
	// The keys of an open view: each view says what a key does (a pure function); the app keeps where it is.
	const overlayKey = (open: Overlay, input: string, key: Key) => {
		const height = overlayRows;
		if (open.kind === 'help') {
			if (helpCloses(input, key)) setOverlay(undefined);
		} else if (open.kind === 'notices') {
			const to = noticesKey(open.top, input, key, allNoticeRows(notices, columns).length, height);
			if (to === 'close') setOverlay(undefined);
			else if (to !== undefined) setOverlay({...open, top: to});
		} else if (open.kind === 'details') {
			const data = panelData(view, open.stepId, Date.now());
			const count = detailRows(data.view, {runbook: handle.runbook, stepCount: data.stepCount, status: statusText(data), target: headerLines}, columns).length;
			const to = detailsKey(open.top, input, key, count, height);
			if (to === 'close') setOverlay(undefined);
			else if (to !== undefined) setOverlay({...open, top: to});
		} else {
			const next = logViewKey(open.state, input, key, logLayout(open.log, open.title, open.path, columns, height));
			if (next === 'close') setOverlay(undefined);
			else if (next !== open.state) setOverlay({...open, state: next});
		}
	};

	// One handler for every single key, so that one key makes one decision (a
	// key that closes a question must not also reach the prompt behind it).
	// It is mounted from the first frame to the last; the views over the panels
	// (details, help, notices, log) and the prompts' inputs have no input hook of
	// their own, so no key typed as one opens waits for it to start listening.
	const onKey = (input: string, key: Key) => {
		// Active to the end (the summary screen's keys are its own): an input hook that turns
		// inactive while another mounts can leave the terminal without a reader.
		if (finished) {
			// The summary screen's keys (see summary-view.tsx for why the app takes them).
			const to = stays ? summaryKey(input, key, summaryTop, Math.max(1, mainRows)) : undefined;
			if (to === 'leave') setLeft(true);
			// From the row the key before left (several keys of one read are handled before the next render).
			else if (to !== undefined) setSummaryTop(top => Math.min(summaryKey(input, key, top, Math.max(1, mainRows)) as number, summaryMaxTop(endLines, columns, mainRows)));
			return;
		}
		const ctrlC = key.ctrl && input === 'c';
		const question = questionNow();
		if (question) {
			if (input === 'y' || input === 'Y' || (ctrlC && (question.kind === 'quit' || question.kind === 'stop'))) {
				setQuestion(undefined);
				question.onYes();
			} else if (input === 'n' || input === 'N' || key.return || key.escape || ctrlC) {
				setQuestion(undefined);
			}
			return;
		}
		const open = overlayRef.current;
		if (open) return overlayKey(open, input, key);
		setFlash(undefined);
		if (input === 'n' && !typing && notices.length > 0) {
			setNoticesAcked(true);
			return setOverlay({kind: 'notices', top: 0});
		}
		if (!typing) setNoticesAcked(true);
		// At a confirm or destructive prompt, PgUp/PgDn scroll the command and its values in place.
		if (panelMode === 'decide' && (key.pageUp || key.pageDown)) {
			const page = Math.max(1, mainRows - 6);
			const promptId = prompt?.id;
			// From where the key before left it: several PgDn in one read are handled before the next render.
			return setScroll(before => {
				const from = before.promptId === promptId ? Math.min(before.rows, maxScroll) : 0;
				return {promptId, rows: Math.max(0, Math.min(maxScroll, from + (key.pageDown ? page : -page)))};
			});
		}
		if (input === 'd' && !isTextEntry(prompt) && shownId) return setOverlay({kind: 'details', stepId: shownId, top: 0});
		// The start screen: ↑↓ PgUp PgDn g G scroll the plan (from where the key before left it).
		if (prompt?.kind === 'start') {
			const max = planMaxTop(prompt.plan, columns, mainRows);
			const update = scrollUpdate(input, key, planBodyRows(planRows(prompt.plan, columns).length, mainRows), max);
			if (update) return setPlanTop(top => update(Math.min(top, max)));
		}
		if (prompt) {
			const action = promptKeyAction(prompt, input, key);
			if (action?.question) {
				const {answer: value} = action;
				// Quitting answers whatever prompt is current by then (or the next one).
				const onYes = action.question === 'quit' ? () => operator.requestQuit() : () => answer(value);
				const about = action.question === 'quit' ? undefined : prompt.id;
				return setQuestion({kind: action.question, text: questionText(action.question, prompt), onYes, promptId: about});
			}
			if (action) return answer(action.answer);
			if (takesEntry(prompt)) {
				const before = entryFor(prompt, entryRef.current);
				const {entry, answer: value} = entryKey(prompt, before, input, key);
				if (entry !== entryRef.current) {
					entryRef.current = entry;
					setVersion(v => v + 1);
				}
				if (value !== undefined) return answer(value);
				// A confirm takes y, n and Enter; its other keys (↑↓ to browse the list) go on below.
				if (isTextEntry(prompt) || entry !== before) return;
			}
		}
		const order = state.order;
		if (key.upArrow || key.downArrow) {
			const at = Math.max(0, orderIndex(order, shownId ?? ''));
			const next = order[Math.min(order.length - 1, Math.max(0, at + (key.upArrow ? -1 : 1)))];
			setSelected(next === currentId ? undefined : next);
		} else if (key.escape || input === '.') setSelected(undefined);
		else if (input === 'l') openLog();
		else if (input === 'a') operator.setAuto(!operator.isAuto());
		else if (input === '?') setOverlay({kind: 'help'});
		else if (!prompt && (input === 'q' || ctrlC)) askQuit();
	};
	// A read of several characters (a paste, or keys typed ahead of a slow frame) is one input
	// that matches no key: it is dropped rather than split, so pasted text never answers a prompt.
	useInput(onKey);

	const title = handle.runbook.title;
	const header = headerRows(title, state.runId, columns, headerLines);
	const notice = flash ?? autoStopped ?? (view.notice ? `${view.notice.level}: ${view.notice.message}` : undefined);
	let noteRows: string[] = [];
	if (!notice && !noticesAcked && !finished) {
		const fitted = fitNotices(notices, columns, noticeRowBudget(rows), typing ? 'n shows all, after this answer' : 'n shows all');
		if (!view.lastStartedStepId) noteRows = fitted.rows;
		else if (fitted.hidden > 0) noteRows = [`${NOTICE_PREFIX}${notices.length} notes from the start were not all shown (n shows them)`];
	}
	const summary = finished && !stays ? summaryLines(finished, state.runId, elapsed, resumeCommand) : [];
	const promptArea = finished ? 0 : question ? 1 : prompt ? promptRows(prompt, columns) : 0;
	const footer = 1 + (notice ? 1 : 0) + noteRows.length + summary.length + (overlay ? 0 : promptArea);
	const mainRows = Math.max(1, rows - header - footer);
	// The rows of a view over the panels (no prompt below it; the notes are put away by the key that opened it).
	const overlayRows = Math.max(1, rows - header - 1 - (notice ? 1 : 0) - summary.length);
	const listWidth = Math.min(36, Math.max(16, Math.floor(columns * 0.34)));
	// List, a space, the separator │, a space, the panel.
	const panelWidth = Math.max(10, columns - listWidth - 3);
	// Step mode's gate after a step ended: that step's result and output stay in view above what Enter runs.
	const endedId = view.lastEndedStepId;
	const gateAfter = prompt?.kind === 'gate' && selected === undefined && endedId !== undefined && endedId !== prompt.step.id ? endedId : undefined;
	const shownData = shownId ? panelData(view, shownId, now) : undefined;
	const panelMode = shownData ? modeOf(prompt, shownData.view.id, shownData.status) : 'follow';
	const maxScroll = shownData && panelMode === 'decide' ? layoutStepPanel({...shownData, width: columns, height: mainRows, mode: panelMode, scroll}).maxScroll : 0;

	let endLines: string[] = [];
	if (stays && finished) {
		const lastId = view.lastStartedStepId;
		const tail = lastId ? view.tail(lastId) : undefined;
		endLines = runSummaryLines({
			state,
			runbook: handle.runbook,
			status: finished.status,
			reason: finished.reason,
			totalMs: elapsed,
			sessions: earlier.count + 1,
			runDir: handle.runDir,
			lastOutput: lastId && tail ? {stepId: lastId, lines: tail.lines().map(line => displayLine(line.text)), totalLines: tail.totalLines} : undefined,
			resumeCommand: resumeCommand ?? `runbook resume ${state.runId}`,
			redact: text => handle.redactText(text),
		});
	}
	let main;
	if (stays && finished) {
		main = <SummaryView lines={endLines} width={columns} height={mainRows} top={summaryTop} />;
	} else if (overlay?.kind === 'details') {
		const data = panelData(view, overlay.stepId, now);
		main = (
			<DetailsView
				view={data.view}
				runbook={handle.runbook}
				stepCount={data.stepCount}
				status={statusText(data)}
				target={headerLines}
				width={columns}
				height={mainRows}
				top={overlay.top}
			/>
		);
	} else if (overlay?.kind === 'help') {
		main = <HelpView width={columns} height={mainRows} />;
	} else if (overlay?.kind === 'notices') {
		main = <NoticesView notices={notices} width={columns} height={mainRows} top={overlay.top} />;
	} else if (overlay?.kind === 'log') {
		main = <LogView log={overlay.log} path={overlay.path} title={overlay.title} width={columns} height={mainRows} state={overlay.state} />;
	} else if (prompt?.kind === 'start' && !finished) {
		main = <PlanView lines={prompt.plan} width={columns} height={mainRows} top={planTop} />;
	} else {
		let panel;
		if (gateAfter && prompt?.kind === 'gate') panel = <GatePanel ended={panelData(view, gateAfter, now)} next={prompt.step} width={panelWidth} height={mainRows} />;
		else if (shownData) panel = <StepPanel {...shownData} width={panelMode === 'decide' ? columns : panelWidth} height={mainRows} mode={panelMode} scroll={scroll} />;
		else panel = <Text>No steps.</Text>;
		// At a confirm or destructive prompt the panel takes the whole width: what runs, whole, matters more than the list.
		main = panelMode === 'decide' ? (
			<Box height={mainRows}>{panel}</Box>
		) : (
			<Box height={mainRows}>
				<StepList steps={listRows(handle, state, now)} currentId={currentId} selectedId={shownId} height={mainRows} width={listWidth} />
				<Box marginLeft={1} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} paddingLeft={1} height={mainRows}>
					{panel}
				</Box>
			</Box>
		);
	}

	return (
		<ThemeProvider theme={theme}>
			<Box flexDirection="column" width={columns} height={rows} overflow="hidden">
				<Header title={title} runId={state.runId} elapsedMs={elapsed} leftMs={timeLeftMs(stepEstimates, state, now)} mode={auto ? 'auto' : 'step'} status={state.status} width={columns} extra={headerLines} />
				{main}
				{!overlay && question && (
					<Text bold wrap="truncate-end">
						{displayText(question.text)}
					</Text>
				)}
				{!overlay && !question && prompt && !finished && (
					<Box height={promptArea} flexDirection="column" overflow="hidden">
						<PromptView key={prompt.id} prompt={prompt} width={columns} isActive={!question && !overlay} entry={entryFor(prompt, entryRef.current)} auto={auto} />
					</Box>
				)}
				{notice && (
					<Text color={view.notice?.level === 'error' && !flash ? tint('red') : undefined} wrap="truncate-end">
						{displayText(notice)}
					</Text>
				)}
				{noteRows.map((line, i) => (
					<Text key={i} wrap="truncate-end">
						{line}
					</Text>
				))}
				{summary.map(line => (
					<Text key={line} bold wrap="truncate-end">
						{/* The reason holds runbook and state text (an error): controls made visible. */}
						{visibleControls(line)}
					</Text>
				))}
				<KeyHelp
					keys={stays ? ['q/Enter/Esc leave', '↑↓ PgUp/PgDn scroll'] : keysNow({overlay: overlay?.kind, question: Boolean(question), prompt, busy, finished: Boolean(finished), auto, browsing: selected !== undefined, scrolls: maxScroll > 0})}
					width={columns}
				/>
			</Box>
		</ThemeProvider>
	);
}
