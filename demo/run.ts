/**
 * `npm run demo` (node demo/run.ts [CLI options]): restores a damaged Synapse database
 * with runbooks/synapse-db-restore.yaml, end to end, on a throwaway PostgreSQL.
 * `--help` (`-h`) prints what it does and its options, and starts nothing.
 *
 * 0. bundles dist/cli.js only when it is older than source/ (scripts/dist.ts), so a
 *    second demo does not build again;
 * 1. starts PostgreSQL, loads a Synapse-shaped database, takes an encrypted backup
 *    (backups/synapse_db_YYYYMMDD_HHMMSS.sql.gz.gpg) and damages the database;
 * 2. starts a stand-in Synapse (stopped and started by the runbook);
 * 3. runs the CLI on the runbook, stdio inherited; extra arguments (--plain, --yes,
 *    --yes-destructive, --auto) are passed on; the passphrase reaches the CLI through
 *    RUNBOOK_SECRET_BACKUP_PASSPHRASE;
 * 4. compares the restored counts with the backup's (MATCH / MISMATCH), stops everything
 *    and removes the temporary directories, also on Ctrl-C, SIGTERM and errors. The
 *    run's state directory (its own temporary directory) is removed only when the run
 *    completed: a run left with `q`, failed or stopped keeps it, and the demo prints
 *    where it is (the CLI has just printed a resume command naming it).
 *
 * Exit code: the CLI's when it fails, 1 on a mismatch, 0 otherwise.
 */
import type {ChildProcess} from 'node:child_process';
import {existsSync, readdirSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {bundleIfStale} from '../scripts/dist.ts';
import {Cleanups, compareCounts, prepareDemo, restoredCounts, runCli, CLI_PATH, type DemoEnvironment} from './setup.ts';

const SIGNAL_CODES: Record<string, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143};

/** What `--help` prints. */
export const HELP = `Usage: npm run demo [-- OPTIONS]    (or: node demo/run.ts [OPTIONS])

Restores a damaged Synapse database with runbooks/synapse-db-restore.yaml, end to end:
starts a throwaway PostgreSQL, loads a Synapse-shaped database, takes an encrypted
backup, damages the database, starts a stand-in Synapse, then runs
\`runbook run runbooks/synapse-db-restore.yaml\` in this terminal. At the end it
compares the restored counts with the backup's and stops everything it started.

Options (passed on to runbook run; all of them: node dist/cli.js run --help):
  --plain             one line per event instead of the TUI (the default without a terminal)
  --auto              run on without waiting for Enter
  --yes               without a terminal: answer yes to confirm questions
  --yes-destructive   without a terminal: run destructive steps without typing the word
  -h, --help          print this help; starts nothing

Without a terminal: npm run demo -- --plain --yes --yes-destructive
A run left with q (or failed) keeps its state directory; the demo prints where.
Needs PostgreSQL's server programs, psql, pg_dump and gpg (see README).
`;

/** Prints a section heading. */
function heading(text: string): void {
	console.log(`\n== ${text}`);
}

/**
 * Runs the demo; `args` go to the CLI as they are.
 * @returns the process exit code.
 */
export async function main(args: string[]): Promise<number> {
	if (args.includes('--help') || args.includes('-h')) {
		process.stdout.write(HELP);
		return 0;
	}
	try {
		if (bundleIfStale()) console.log(`Built ${CLI_PATH} (source/ had changed).`);
	} catch (error) {
		console.error(`The demo could not build the CLI: ${(error as Error).message}`);
		return 1;
	}
	if (!existsSync(CLI_PATH)) {
		console.error(`The CLI is not built (${CLI_PATH} is missing): run npm run build.`);
		return 1;
	}
	const cleanups = new Cleanups();
	const setup = new AbortController();
	let cli: ChildProcess | undefined;
	/** The run's state directory, outside the demo's work directory: kept unless the run completed. */
	let stateDir: string | undefined;
	let completed = false;
	let signalled: NodeJS.Signals | undefined;
	const onSignal = (signal: NodeJS.Signals) => {
		if (cli && cli.exitCode === null && cli.signalCode === null) {
			// Ctrl-C reaches the CLI too (same process group): it saves its state and exits,
			// and then the demo cleans up. A SIGTERM or SIGHUP sent to the demo alone is passed on.
			if (signal !== 'SIGINT') cli.kill(signal);
			return;
		}
		if (signalled) {
			console.error(`${signal} again: exiting now. Left-overs may remain in ${tmpdir()} (runbook-pg-*, runbook-demo-*).`);
			process.exit(SIGNAL_CODES[signal] ?? 1);
		}
		signalled = signal;
		console.error(`\n${signal}: stopping the demo and cleaning up (again to exit at once)...`);
		setup.abort(new Error(`stopped by ${signal}`));
	};
	const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
	for (const signal of signals) process.on(signal, onSignal);
	try {
		heading('Setting up');
		let demo: DemoEnvironment;
		try {
			demo = await prepareDemo({cleanups, signal: setup.signal, log: line => console.log(line)});
		} catch (error) {
			if (signalled) return SIGNAL_CODES[signalled] ?? 1;
			console.error(`The demo could not be set up: ${(error as Error).message}`);
			return 1;
		}

		// Its own directory, so that cleaning up the demo's work directory does not take it.
		stateDir = await mkdtemp(join(tmpdir(), 'runbook-demo-state-'));
		demo = {...demo, stateDir};

		heading('Running the runbook');
		const shown = Object.entries(demo.params).map(([name, value]) => `-p ${name}='${value}'`);
		console.log(['runbook run runbooks/synapse-db-restore.yaml', ...shown, `--state-dir ${demo.stateDir}`, ...args].join(' \\\n  '));
		let code: number;
		try {
			code = await runCli(demo, args, child => {
				cli = child;
			});
		} catch (error) {
			console.error(`Could not start the CLI: ${(error as Error).message}`);
			return 1;
		}

		heading('Result');
		console.log(`The CLI exited with code ${code}.`);
		const comparison = compareCounts(demo.before, await restoredCounts(demo.server));
		for (const line of comparison.lines) console.log(line);
		completed = code === 0;
		if (code !== 0) return code;
		if (signalled) return SIGNAL_CODES[signalled] ?? 1;
		return comparison.match ? 0 : 1;
	} finally {
		heading('Cleaning up');
		await cleanups.run();
		console.log('Stopped the stand-in Synapse and PostgreSQL, removed the temporary files.');
		if (stateDir && (completed || isEmptyDir(stateDir))) {
			await rm(stateDir, {recursive: true, force: true});
		} else if (stateDir) {
			console.log(`Kept the run's state directory (the run did not complete): ${stateDir}`);
			for (const runId of runIds(stateDir)) console.log(`  its report (journal, steps, logs): node ${CLI_PATH} report ${runId} --state-dir ${stateDir}`);
			console.log('  The throwaway PostgreSQL and stand-in Synapse are stopped, so resuming this run cannot finish');
			console.log(`  the restore; start a new demo with npm run demo. Remove it with: rm -r ${stateDir}`);
		}
		for (const signal of signals) process.off(signal, onSignal);
	}
}

/** The ids of the runs saved in the state directory `dir` (its runs/ folder). */
function runIds(dir: string): string[] {
	try {
		return readdirSync(join(dir, 'runs'));
	} catch {
		return [];
	}
}

/** True when `dir` holds nothing (or is gone). */
function isEmptyDir(dir: string): boolean {
	try {
		return readdirSync(dir).length === 0;
	} catch {
		return true;
	}
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main(process.argv.slice(2)).then(
		code => process.exit(code),
		(error: unknown) => {
			console.error(`The demo failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
			process.exit(1);
		},
	);
}
