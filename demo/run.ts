/**
 * `npm run demo` (node demo/run.ts [CLI options]): restores a damaged Synapse database
 * with runbooks/synapse-db-restore.yaml, end to end, on a throwaway PostgreSQL.
 *
 * 1. starts PostgreSQL, loads a Synapse-shaped database, takes an encrypted backup
 *    (backups/synapse_db_YYYYMMDD_HHMMSS.sql.gz.gpg) and damages the database;
 * 2. starts a stand-in Synapse (stopped and started by the runbook);
 * 3. runs the CLI on the runbook, stdio inherited; extra arguments (--plain, --yes,
 *    --yes-destructive, --auto) are passed on; the passphrase reaches the CLI through
 *    RUNBOOK_SECRET_BACKUP_PASSPHRASE;
 * 4. compares the restored counts with the backup's (MATCH / MISMATCH), stops everything
 *    and removes the temporary directories, also on Ctrl-C, SIGTERM and errors.
 *
 * Exit code: the CLI's when it fails, 1 on a mismatch, 0 otherwise.
 */
import type {ChildProcess} from 'node:child_process';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {fileURLToPath} from 'node:url';
import {Cleanups, compareCounts, prepareDemo, restoredCounts, runCli, CLI_PATH, type DemoEnvironment} from './setup.ts';

const SIGNAL_CODES: Record<string, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143};

/** Prints a section heading. */
function heading(text: string): void {
	console.log(`\n== ${text}`);
}

/**
 * Runs the demo; `args` go to the CLI as they are.
 * @returns the process exit code.
 */
export async function main(args: string[]): Promise<number> {
	if (!existsSync(CLI_PATH)) {
		console.error(`The CLI is not built (${CLI_PATH} is missing): run npm run demo, which builds first.`);
		return 1;
	}
	const cleanups = new Cleanups();
	const setup = new AbortController();
	let cli: ChildProcess | undefined;
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
		if (code !== 0) return code;
		if (signalled) return SIGNAL_CODES[signalled] ?? 1;
		return comparison.match ? 0 : 1;
	} finally {
		heading('Cleaning up');
		await cleanups.run();
		console.log('Stopped the stand-in Synapse and PostgreSQL, removed the temporary files.');
		for (const signal of signals) process.off(signal, onSignal);
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
