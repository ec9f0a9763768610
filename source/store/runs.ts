/**
 * Saved runs on disk, one folder per run:
 *
 *     <state dir>/runs/<run id>/state.json   the run state (conf, atomic writes with fsync)
 *     <state dir>/runs/<run id>/logs/        full output of every attempt: <step id>.<n>.log
 *
 * The state dir is `--state-dir`, else `RUNBOOK_STATE_DIR`, else
 * `$XDG_STATE_HOME/runbook-tui` (default `~/.local/state/runbook-tui`): progress is
 * state, not configuration, in the XDG base-directory sense.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import Conf from 'conf';
import type {StateStore} from '../engine/ports.js';
import type {RunState} from '../engine/state.js';
import {checkRunState} from './state-schema.js';

/** A state file that cannot be read or does not hold a valid run state. */
export class StateError extends Error {
	/** Path of the offending file. */
	readonly file: string;
	constructor(file: string, message: string) {
		super(message);
		this.name = 'StateError';
		this.file = file;
	}
}

/**
 * Where runs are kept: `flag` (`--state-dir`), else `RUNBOOK_STATE_DIR`, else the
 * XDG state directory. Returns an absolute path.
 */
export function resolveStateDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
	if (flag) return path.resolve(flag);
	if (env.RUNBOOK_STATE_DIR) return path.resolve(env.RUNBOOK_STATE_DIR);
	const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
	return path.join(base, 'runbook-tui');
}

/** Saves a run's state through conf (temp file, fsync, rename). */
export class ConfStateStore implements StateStore {
	private readonly conf: Conf<RunState>;
	/** Absolute path of the state file. */
	readonly path: string;

	constructor(runDir: string) {
		this.conf = new Conf<RunState>({
			cwd: runDir,
			configName: 'state',
			projectName: 'runbook-tui',
			accessPropertiesByDotNotation: false,
			clearInvalidConfig: false,
			watch: false,
		});
		this.path = this.conf.path;
	}

	/** @inheritdoc */
	save(state: RunState): void {
		this.conf.store = state;
	}
}

/** One line of `runbook runs`. */
export interface RunSummary {
	runId: string;
	title: string;
	status: RunState['status'] | 'damaged';
	runbookPath: string;
	startedBy: string;
	createdAt: string;
	updatedAt: string;
	/** Steps done (succeeded or skipped) and in all. */
	done: number;
	total: number;
	currentStepId?: string;
	/** Set when the state file could not be read. */
	problem?: string;
}

/** The runs kept in one state directory. */
export class RunsRepository {
	/** Absolute path of the state directory. */
	readonly stateDir: string;

	constructor(stateDir: string) {
		this.stateDir = stateDir;
	}

	/** Folder of a run. */
	runDir(runId: string): string {
		return path.join(this.stateDir, 'runs', runId);
	}

	/** A new run id: `<runbook file name>-<YYYYMMDD-HHMMSS>-<4 hex>`, e.g. `synapse-db-restore-20261120-231500-3fa2`. */
	newRunId(runbookPath: string, at: Date): string {
		const base = path.basename(runbookPath).replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9-]+/g, '-').toLowerCase() || 'run';
		const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
		return `${base}-${stamp}-${randomBytes(2).toString('hex')}`;
	}

	/** The store that saves a run's state (creates the run's folder). */
	open(runId: string): ConfStateStore {
		fs.mkdirSync(path.join(this.runDir(runId), 'logs'), {recursive: true});
		return new ConfStateStore(this.runDir(runId));
	}

	/**
	 * Reads and checks a run's state.
	 * @throws StateError when the run does not exist or its file is damaged.
	 */
	load(runId: string): RunState {
		const file = path.join(this.runDir(runId), 'state.json');
		let text: string;
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch {
			throw new StateError(file, `no run ${runId} in ${this.stateDir} (see \`runbook runs\`)`);
		}
		let data: unknown;
		try {
			data = JSON.parse(text);
		} catch (error) {
			throw new StateError(file, `the state file of run ${runId} is damaged (not JSON: ${(error as Error).message}): ${file}`);
		}
		const checked = checkRunState(data);
		if (!checked.ok) throw new StateError(file, `the state file of run ${runId} is damaged (${checked.problem}): ${file}`);
		return checked.state;
	}

	/** Every run, newest first; damaged ones are listed with their problem. */
	list(): RunSummary[] {
		const dir = path.join(this.stateDir, 'runs');
		let ids: string[];
		try {
			ids = fs.readdirSync(dir);
		} catch {
			return [];
		}
		const summaries: RunSummary[] = [];
		for (const runId of ids) {
			try {
				const state = this.load(runId);
				const done = state.order.filter(id => ['succeeded', 'skipped'].includes(state.steps[id]?.status)).length;
				summaries.push({
					runId,
					title: state.title,
					status: state.status,
					runbookPath: state.runbookPath,
					startedBy: state.startedBy,
					createdAt: state.createdAt,
					updatedAt: state.updatedAt,
					done,
					total: state.order.length,
					// A completed run is on no step (its state keeps the last one it ran).
					...(state.currentStepId && state.status !== 'completed' ? {currentStepId: state.currentStepId} : {}),
				});
			} catch (error) {
				summaries.push({runId, title: '?', status: 'damaged', runbookPath: '?', startedBy: '?', createdAt: '', updatedAt: '', done: 0, total: 0, problem: (error as Error).message});
			}
		}
		return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
	}

	/** Runs of the runbook at `runbookPath` (absolute) that did not complete, newest first. */
	unfinished(runbookPath?: string): RunSummary[] {
		return this.list().filter(
			run => run.status !== 'completed' && run.status !== 'damaged' && (runbookPath === undefined || run.runbookPath === runbookPath),
		);
	}
}
