/**
 * The error of a mistake the operator can fix: a flag, a file, a run id, an answer that
 * is missing or wrong. The command ends with exit 2 and these lines, never a stack trace
 * (cli/exit.ts maps it, in one place). It lives here, in the leaf every layer may import,
 * so that a lower layer can throw it too without importing cli/.
 */
export class UsageError extends Error {
	/** Each problem, said on its own `runbook: PROBLEM` line (`message` joins them with newlines). */
	readonly problems: readonly string[];
	/** What the operator can do next, each on its own line under the problems, indented two spaces (e.g. `pass --confirm-context b`). */
	readonly nextSteps: readonly string[];

	/**
	 * @param message the problem, or several (every missing param at once), without the `runbook: ` prefix;
	 *   none when the operator was told already (a confirmation declined on the screen).
	 * @param nextSteps commands or flags that fix it, one per line, without indentation.
	 */
	constructor(message: string | readonly string[], nextSteps: readonly string[] = []) {
		const problems = typeof message === 'string' ? [message] : [...message];
		super(problems.join('\n'));
		this.name = 'UsageError';
		this.problems = problems;
		this.nextSteps = nextSteps;
	}

	/**
	 * The refusal of lines already formatted as `runbook: PROBLEM` followed by `  NEXT STEP`
	 * lines (engine/preflight.ts preflightRefusal), with `problems` said before it.
	 */
	static fromLines(lines: readonly string[], problems: readonly string[] = []): UsageError {
		const head = lines.filter(line => !line.startsWith('  ')).map(line => line.replace(/^runbook: /, ''));
		return new UsageError(
			[...problems, ...head],
			lines.filter(line => line.startsWith('  ')).map(line => line.slice(2)),
		);
	}

	/** The text the operator reads: `runbook: PROBLEM` lines, then `  NEXT STEP` lines, each ending with a newline. */
	text(): string {
		return [...this.problems.map(problem => `runbook: ${problem}`), ...this.nextSteps.map(step => `  ${step}`)].map(line => `${line}\n`).join('');
	}
}
