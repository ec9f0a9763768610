/**
 * The runbook TUI: header, step list, step panel, the pending prompt and the
 * key help, fitted to the terminal. State comes in from the {@link RunHandle}
 * (events) and the {@link TuiOperator} (prompts); what the operator opened,
 * asked and typed is the app's reducer (app-state.ts); keys go through one
 * handler (app-keys.ts) that answers with `operator.answer` and stops with
 * `handle.stopCommand`.
 */
import {memo, useEffect, useMemo, useRef, useState} from 'react';
import {Box, Text, useApp, useInput, useWindowSize} from 'ink';
import {ThemeProvider} from '@inkjs/ui';
import type {RunHandle} from '../engine/handle.js';
import {currentStepId, finalSummary, listClock, listRows, panelData, summaryLines} from './app-model.js';
import {handleKey, type KeyScene} from './app-keys.js';
import {commandScroll, openQuestion, useAppState} from './app-state.js';
import {tint, uiTheme} from './color.js';
import {GatePanel} from './gate-panel.js';
import {Header, headerRows} from './header.js';
import {HelpView} from './help-view.js';
import {useClock, useRunView} from './hooks.js';
import {KeyHelp, keysNow} from './key-help.js';
import {LogView} from './log-view.js';
import {fitNotices, noticeRowBudget, NOTICE_PREFIX} from './notices.js';
import {NoticesView} from './notices-view.js';
import type {TuiOperator} from './operator.js';
import type {Prompt} from './prompt.js';
import {typesAnswers} from './keymap.js';
import {PromptView, promptRows} from './prompt-view.js';
import {entryFor} from './prompt-entry.js';
import {SpinnerFrame, spinnerFrame, StepList} from './step-list.js';
import {layoutStepPanel, statusText, StepPanel} from './step-panel.js';
import {DetailsView} from './details-view.js';
import {PlanView} from './plan-view.js';
import {SummaryView} from './summary-view.js';
import {NO_EARLIER_SESSIONS, summaryLines as runSummaryLines, type EarlierSessions, type StepEstimates} from '../engine/run-summary.js';
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

/** The header drawn again only when what it shows changed (its clock shows whole seconds). */
const MemoHeader = memo(Header);

/** `ms` rounded down to a whole second: the header shows no less, and equal props let it skip a render. */
function wholeSeconds(ms: number): number {
	return Math.floor(ms / 1000) * 1000;
}

/** The time left as header.tsx's `leftLabel` shows it (ms, whole seconds), so the memoised header redraws only when its text changes. */
function shownLeft(ms: number): number {
	return ms < 1000 ? 0 : Math.round(ms / 1000) * 1000;
}

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
	// What the operator opened, asked, typed and scrolled (app-state.ts); `latest` is what the key handler reads.
	const [ui, act, latest] = useAppState(notices.length);
	const startedAt = useRef(Date.now());
	const earlier = earlierSessions;
	const finished = view.finished;
	const finishedAt = useRef<number | undefined>(undefined);
	if (finished && finishedAt.current === undefined) finishedAt.current = Date.now();
	const state = view.state;
	// From the view's events, not a scan of every step: a frame's cost must not grow with the runbook (issue 14).
	const running = view.running;
	const now = useClock(!finished, running);
	const elapsed = earlier.ms + (finishedAt.current ?? now) - startedAt.current;
	// A completed run's summary stays until a key; other ends (a quit, a signal) leave at once.
	const stays = finished?.status === 'completed' && !ui.left;
	const theme = useMemo(() => uiTheme(), []);
	// The list's rows change with the state (a new object at each transition, not at output), and
	// with the time only when a running step's whole seconds do: the same rows object otherwise, so
	// the memoised list is not rendered again by an output tail or a clock tick (issue 15).
	const listNow = listClock(view, now);
	const stepRows = useMemo(() => listRows(handle, state, listNow), [handle, state, listNow]);

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
	const question = openQuestion(ui, prompt?.id);
	const scroll = commandScroll(ui, prompt?.id);
	const overlay = ui.overlay;
	useEffect(() => {
		if (finished) operator.dispose();
		if (!finished || stays) return;
		const elapsedMs = earlier.ms + (finishedAt.current ?? Date.now()) - startedAt.current;
		onQuit?.(finalSummary({finished, state: view.state, title: handle.runbook.title, elapsedMs, runDir: handle.runDir, resumeCommand}));
		exit();
	}, [finished, stays, earlier, operator, onQuit, exit, view, handle, resumeCommand]);

	const currentId = currentStepId(prompt, view);
	const shownId = ui.selected ?? currentId;
	const busy = handle.isBusy();
	// Keys typed at these prompts are answers: the note rows say `n` shows them after this answer.
	const typing = typesAnswers(prompt);

	const title = handle.runbook.title;
	const header = headerRows(title, state.runId, columns, headerLines);
	const flash = ui.flash;
	const notice = flash ?? autoStopped ?? (view.notice ? `${view.notice.level}: ${view.notice.message}` : undefined);
	let noteRows: string[] = [];
	if (!notice && !ui.noticesAcked && !finished) {
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
	const gateAfter = prompt?.kind === 'gate' && ui.selected === undefined && endedId !== undefined && endedId !== prompt.step.id ? endedId : undefined;
	const shownData = shownId ? panelData(view, shownId, now) : undefined;
	const panelMode = shownData ? modeOf(prompt, shownData.view.id, shownData.status) : 'follow';
	const maxScroll = shownData && panelMode === 'decide' ? layoutStepPanel({...shownData, width: columns, height: mainRows, mode: panelMode, scroll}).maxScroll : 0;

	// Kept from the events by the view: a frame does not add up every step's estimate.
	const left = view.timeLeftMs(stepEstimates, now);

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
	const scene: KeyScene = {
		handle,
		operator,
		view,
		prompt,
		notices,
		headerLines,
		currentId,
		columns,
		mainRows,
		overlayRows,
		deciding: panelMode === 'decide',
		maxScroll,
		finished: Boolean(finished),
		summary: stays ? endLines : undefined,
	};
	// Active to the end (the summary screen's keys are the app's too): an input hook that turns
	// inactive while another mounts can leave the terminal without a reader.
	useInput((input, key) => handleKey(scene, latest, act, input, key));

	let main;
	if (stays && finished) {
		main = <SummaryView lines={endLines} width={columns} height={mainRows} top={ui.summaryTop} />;
	} else if (overlay?.kind === 'details') {
		const data = panelData(view, overlay.stepId, now);
		main = <DetailsView view={data.view} runbook={handle.runbook} stepCount={data.stepCount} status={statusText(data)} target={headerLines} width={columns} height={mainRows} top={overlay.top} />;
	} else if (overlay?.kind === 'help') {
		main = <HelpView width={columns} height={mainRows} />;
	} else if (overlay?.kind === 'notices') {
		main = <NoticesView notices={notices} width={columns} height={mainRows} top={overlay.top} />;
	} else if (overlay?.kind === 'log') {
		main = <LogView log={overlay.log} path={overlay.path} title={overlay.title} width={columns} height={mainRows} state={overlay.state} />;
	} else if (prompt?.kind === 'start' && !finished) {
		main = <PlanView lines={prompt.plan} width={columns} height={mainRows} top={ui.planTop} />;
	} else {
		let panel;
		if (gateAfter && prompt?.kind === 'gate') panel = <GatePanel ended={panelData(view, gateAfter, now)} next={prompt.step} width={panelWidth} height={mainRows} />;
		else if (shownData) panel = <StepPanel {...shownData} width={panelMode === 'decide' ? columns : panelWidth} height={mainRows} mode={panelMode} scroll={scroll} />;
		else panel = <Text>No steps.</Text>;
		// At a confirm or destructive prompt the panel takes the whole width: what runs, whole, matters more than the list.
		main =
			panelMode === 'decide' ? (
				<Box height={mainRows}>{panel}</Box>
			) : (
				<Box height={mainRows}>
					<SpinnerFrame.Provider value={running ? spinnerFrame(now) : 0}>
						<StepList steps={stepRows} currentId={currentId} selectedId={shownId} height={mainRows} width={listWidth} />
					</SpinnerFrame.Provider>
					<Box marginLeft={1} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} paddingLeft={1} height={mainRows}>
						{panel}
					</Box>
				</Box>
			);
	}

	return (
		<ThemeProvider theme={theme}>
			<Box flexDirection="column" width={columns} height={rows} overflow="hidden">
				<MemoHeader title={title} runId={state.runId} elapsedMs={wholeSeconds(elapsed)} leftMs={left === undefined ? undefined : shownLeft(left)} mode={auto ? 'auto' : 'step'} status={state.status} width={columns} extra={headerLines} />
				{main}
				{!overlay && question && (
					<Text bold wrap="truncate-end">
						{displayText(question.text)}
					</Text>
				)}
				{!overlay && !question && prompt && !finished && (
					<Box height={promptArea} flexDirection="column" overflow="hidden">
						<PromptView key={prompt.id} prompt={prompt} width={columns} isActive={!question && !overlay} entry={entryFor(prompt, ui.entry)} auto={auto} />
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
				<KeyHelp keys={stays ? ['q/Enter/Esc leave', '↑↓ PgUp/PgDn scroll'] : keysNow({overlay: overlay?.kind, question: Boolean(question), prompt, busy, finished: Boolean(finished), auto, browsing: ui.selected !== undefined, scrolls: maxScroll > 0})} width={columns} />
			</Box>
		</ThemeProvider>
	);
}
