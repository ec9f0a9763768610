import {spawnSync} from 'node:child_process';
import {describe, expect, test} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';
import {scanShellScript} from '../../source/runbook/shell-vars.js';

/** The problems of a runbook text as [line, col, path, message]; [] when it loads. */
function problems(text: string): Array<[number, number, string, string]> {
	try {
		parseRunbook(text, 'test.yaml');
		return [];
	} catch (error) {
		if (!(error instanceof RunbookError)) throw error;
		return error.problems.map(p => [p.line, p.col, p.path, p.message]);
	}
}

/** The hints of a runbook text's problems. */
function hints(text: string): Array<string | undefined> {
	try {
		parseRunbook(text, 'test.yaml');
		return [];
	} catch (error) {
		return (error as RunbookError).problems.map(p => p.hint);
	}
}

/** A runbook with a MODE param (choices a, b), a NAMESPACE param, and the given steps (YAML, indented 2). */
const book = (steps: string) => `version: 1
title: Test
params:
  MODE:
    choices: [alpha, beta]
  NAMESPACE:
    default: spire
steps:
${steps}`;

/** A runbook whose only step runs `script` (a literal block). */
const script = (body: string) =>
	book(
		`  - id: s\n    run: |\n${body
			.split('\n')
			.map(line => `      ${line}`)
			.join('\n')}\n`,
	);

describe('steps and actions', () => {
	test('run options on a wait step are reported at each option key', () => {
		const text = book('  - id: w\n    wait: { command: { run: "true" } }\n    cwd: /tmp\n    okExitCodes: [1]\n');
		expect(problems(text)).toEqual([
			[11, 5, 'steps[0].cwd', '"cwd" applies only to run steps, and this step\'s action is "wait"'],
			[12, 5, 'steps[0].okExitCodes', '"okExitCodes" applies only to run steps, and this step\'s action is "wait"'],
		]);
	});

	test('sensitive on an exec step is accepted (its output is kept off the screen and the log as on run); on other actions it is refused', () => {
		const text = book('  - id: e\n    exec: { pod: db-0, command: [cat, /etc/secret] }\n    sensitive: true\n');
		expect(problems(text).filter(p => p[2] === 'steps[0].sensitive')).toEqual([]);
		const scale = book('  - id: s\n    scale: { kind: StatefulSet, name: db, replicas: 0 }\n    sensitive: true\n');
		expect(problems(scale)).toContainEqual([11, 5, 'steps[0].sensitive', '"sensitive" applies only to run steps, and this step\'s action is "scale"']);
	});

	test('a wait without a kind, three actions, and an unknown key that stands for the action', () => {
		expect(problems(book('  - id: w\n    wait: {}\n'))).toEqual([[10, 11, 'steps[0].wait', 'a wait needs one kind']]);
		expect(problems(book('  - id: x\n    run: echo\n    manual: m\n    ask: { var: A, prompt: p }\n'))).toEqual([
			[11, 5, 'steps[0].manual', 'a step has exactly one action, and this one already has "run" (line 10)'],
			[12, 5, 'steps[0].ask', 'a step has exactly one action, and this one already has "run" (line 10)'],
		]);
		// `command` is not close to any key: the hint lists the actions, and no "needs one action" on top.
		expect(problems(book('  - id: x\n    command: echo\n'))).toEqual([[10, 5, 'steps[0].command', 'unknown key']]);
		expect(hints(book('  - id: x\n    command: echo\n'))[0]).toMatch(/^a step's action is one of run, manual, ask, wait/);
		// A wait kind written as a step key.
		expect(hints(book('  - id: x\n    podReady: { selector: app=web, count: 1 }\n'))).toEqual(['"podsReady" is a wait kind: write wait: { podsReady: ... }']);
	});

	test('apply needs a file or a manifest, delete a name or a selector, jsonpath equals or in', () => {
		const text = book(`  - id: a
    apply: { file: x.yaml, manifest: "kind: Pod" }
  - id: b
    apply: {}
  - id: c
    delete: { kind: Pod }
  - id: d
    wait:
      deleted: { kind: Pod, name: p, selector: app=x }
  - id: e
    wait:
      jsonpath: { kind: Pod, name: p, path: .status.phase }
`);
		expect(problems(text)).toEqual([
			[10, 28, 'steps[0].apply.manifest', 'expected exactly one of file, manifest'],
			[12, 12, 'steps[1].apply', 'expected exactly one of file, manifest'],
			[14, 13, 'steps[2].delete', 'expected a name or a selector'],
			[17, 38, 'steps[3].wait.deleted.selector', 'expected a name or a selector, not both'],
			[20, 17, 'steps[4].wait.jsonpath', 'expected exactly one of equals, in'],
		]);
	});

	test('restart kind, patch type: a misspelt value suggests the valid one', () => {
		const text = book('  - id: r\n    restart: { kind: deployment, name: web }\n');
		expect(problems(text)).toEqual([[10, 22, 'steps[0].restart.kind', 'expected one of Deployment, StatefulSet or DaemonSet']]);
		expect(hints(text)).toEqual(['did you mean "Deployment"?']);
	});
});

describe('variables in text fields', () => {
	test('params, built-ins, earlier asks and captures, and $$ are fine', () => {
		const text = book(`  - id: ask-it
    ask: { var: ANSWER, prompt: "Namespace $NAMESPACE, run $RUN_ID in $RUN_DIR from $RUNBOOK_DIR?" }
  - id: cap
    run: echo x
    capture: OUT
  - id: show
    manual: "\${ANSWER} and $OUT; costs $$5 and $$HOME is literal; $lower is not a variable"
`);
		expect(problems(text)).toEqual([]);
	});

	test('an unknown variable is reported at the reference, with a suggestion when one is close', () => {
		const text = book('  - id: m\n    title: In $NAMESPCE\n    manual: |\n      Line one\n      Then ${NOPE} here\n');
		expect(problems(text)).toEqual([
			[10, 15, 'steps[0].title', 'unknown variable $NAMESPCE'],
			[13, 12, 'steps[0].manual', 'unknown variable $NOPE'],
		]);
		expect(hints(text)[0]).toBe('did you mean $NAMESPACE?');
	});

	test('a capture used by its own step is not known yet', () => {
		const text = book('  - id: c\n    confirm: Use $OUT?\n    run: echo\n    capture: OUT\n');
		expect(problems(text)).toEqual([[10, 18, 'steps[0].confirm', '$OUT is set by this step, so it has no value yet here']]);
	});

	test('env values, Kubernetes defaults, exec commands and patch bodies are checked too', () => {
		const text = `version: 1
title: T
kubernetes: { namespace: $NS }
steps:
  - id: r
    run: echo "$X"
    env: { X: "$MISSING" }
  - id: e
    exec: { pod: p, command: [sh, -c, "echo $GONE"] }
  - id: p
    patch: { kind: Pod, name: p, type: merge, patch: { metadata: { labels: { a: $LABEL } } } }
`;
		expect(problems(text)).toEqual([
			[3, 26, 'kubernetes.namespace', 'unknown variable $NS'],
			[7, 16, 'steps[0].env.X', 'unknown variable $MISSING'],
			[9, 45, 'steps[1].exec.command[2]', 'unknown variable $GONE'],
			[11, 81, 'steps[2].patch.patch.metadata.labels.a', 'unknown variable $LABEL'],
		]);
	});
});

describe('when', () => {
	test('when.var must be known at that step', () => {
		const text = book(`  - id: early
    when: { var: LATER, equals: x }
    run: echo
  - id: late
    ask: { var: LATER, prompt: p }
  - id: unknown
    when: { var: NEVER, notEquals: x }
    run: echo
`);
		expect(problems(text)).toEqual([
			[10, 18, 'steps[0].when.var', 'LATER is set by step "late" (line 13), which comes after this step'],
			[15, 18, 'steps[2].when.var', 'unknown variable NEVER'],
		]);
	});

	test('values are checked against the choices of a param and of an earlier ask', () => {
		const text = book(`  - id: pick
    ask: { var: COLOUR, prompt: Which?, choices: [red, green], default: blue }
  - id: a
    when: { var: MODE, in: [alpha, gamma] }
    run: echo
  - id: b
    when: { var: COLOUR, notEquals: gren }
    run: echo
  - id: c
    when: { var: MODE, equals: alpha }
    run: echo
`);
		expect(problems(text)).toEqual([
			[10, 73, 'steps[0].ask.default', 'default "blue" is not one of the choices of COLOUR: "red" or "green"'],
			[12, 36, 'steps[1].when.in[1]', 'value "gamma" is not one of the choices of MODE: "alpha" or "beta"'],
			[15, 37, 'steps[2].when.notEquals', 'notEquals "gren" is not one of the choices of COLOUR: "red" or "green"'],
		]);
	});

	test('a param default outside its choices', () => {
		const text = 'version: 1\ntitle: T\nparams:\n  M:\n    choices: [1, 2]\n    default: 3\nsteps:\n  - id: a\n    run: echo\n';
		expect(problems(text)).toEqual([[6, 14, 'params.M.default', 'default "3" is not one of the choices of M: "1" or "2"']]);
	});
});

describe('variables in run scripts', () => {
	test('what a script may use without declaring it', () => {
		const text = script(`# $IN_A_COMMENT is ignored
A=1; export B=2; C+=x; D[0]=y
local E F=3
declare -a G
read -r H I <<< "1 2"
read -rp "Prompt: " J
for K in 1 2; do echo "$K"; done
mapfile -t L < /dev/null
printf -v M '%s' x
echo "$A $B $C $D $E $F $G $H $I $J $L $M"
echo "$HOME $PATH $USER $KUBECONFIG $PGPASSWORD $RUN_DIR $NAMESPACE $MODE"
echo '$SINGLE_QUOTED' "it's fine" \\$ESCAPED
echo "\${OPTIONAL:-default} \${OTHER-x} \${SET:=y} \${PLUS:+z}"
echo "$1 $@ $? $$ $! $# $lower \${lower}"
jq '.x | $foo' <<< '{}'
echo "$(echo '$IN_SUBST_QUOTES')"
cat <<'EOF'
$QUOTED_HEREDOC
EOF
cat <<-"END"
	$ALSO_QUOTED
	END`);
		expect(problems(text)).toEqual([]);
	});

	test('the step env declares names for its script', () => {
		expect(problems(book('  - id: s\n    run: echo "$TOKEN"\n    env: { TOKEN: abc }\n'))).toEqual([]);
		expect(problems(book('  - id: s\n    run: echo "$TOKEN"\n'))).toEqual([[10, 16, 'steps[0].run', 'unknown variable $TOKEN']]);
	});

	test('unknown names in double quotes, unquoted here-documents, ${#X} and wait commands', () => {
		const text = book(`  - id: s
    run: |
      echo "$ONE" \${TWO}
      cat <<EOF
      it's $THREE
      EOF
      echo "\${#FOUR}"
  - id: w
    wait:
      command: { run: 'test -f "$FIVE"' }
`);
		expect(problems(text)).toEqual([
			[11, 13, 'steps[0].run', 'unknown variable $ONE'],
			[11, 19, 'steps[0].run', 'unknown variable $TWO'],
			[13, 12, 'steps[0].run', 'unknown variable $THREE'],
			[15, 13, 'steps[0].run', 'unknown variable $FOUR'],
			[18, 33, 'steps[1].wait.command.run', 'unknown variable $FIVE'],
		]);
	});

	test('a capture of a later step, in a script', () => {
		const text = book('  - id: use\n    run: echo "$DUMP"\n  - id: find\n    run: ls\n    capture: DUMP\n');
		expect(problems(text)).toEqual([[10, 16, 'steps[0].run', '$DUMP is set by step "find" (line 13), which comes after this step']]);
	});

	/**
	 * The scanner must agree with bash itself: a script it accepts runs under `bash -euo pipefail`
	 * without "unbound variable", a script it rejects stops with it.
	 */
	const cases: Array<[string, boolean]> = [
		['echo "$FOO"', false],
		['X=1; echo "$X"', true],
		["echo '$FOO'", true],
		['echo "${FOO:-x}" "${FOO-y}"', true],
		["cat <<'EOF'\n$FOO\nEOF", true],
		['cat <<EOF\n$FOO\nEOF', false],
		['for F in a b; do echo "$F"; done', true],
		['read -r A B <<< "1 2"; echo "$A$B"', true],
		['# $FOO\necho hi', true],
		[`echo "$(echo '$FOO')"`, true],
		['echo \\$FOO', true],
		['f() { local Z=3; echo "$Z"; }; f', true],
		['echo "${#FOO}"', false],
		['echo "$HOME" "$NAMESPACE"', true],
		['echo "$(echo "$FOO")"', false],
		['echo "it\'s $FOO"', false],
	];
	test.each(cases)('bash agrees on %j', (body, accepted) => {
		const names = scanShellScript(body)
			.references.filter(r => /^[A-Z_][A-Z0-9_]*$/.test(r.name) && !r.optional)
			.map(r => r.name);
		const loads = problems(script(body)).length === 0;
		expect(loads).toBe(accepted);
		const bash = spawnSync('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', body], {
			env: {PATH: process.env.PATH, HOME: '/tmp', NAMESPACE: 'spire'},
			encoding: 'utf8',
		});
		// Inside $( ) the subshell fails but `echo` goes on: judge by bash's own message.
		expect(/unbound variable/.test(bash.stderr)).toBe(!accepted);
		if (accepted) expect(bash.status).toBe(0);
		else expect(names).toContain('FOO');
	});
});

describe('${NAME:-default} in non-run text', () => {
	test('needs no declaration (the default stands in), as ${NAME:-default} in a script; $NAME alone still does', () => {
		expect(problems(book('  - id: s\n    title: Scale ${CLIENT:-spire-server}\n    manual: Scale ${CLIENT:-spire-server} in $NAMESPACE.\n'))).toEqual([]);
		expect(problems(book('  - id: s\n    manual: Scale $CLIENT.\n'))).toEqual([[10, 19, 'steps[0].manual', 'unknown variable $CLIENT']]);
	});
});

describe('selector where it is not used (issue 10, item 5)', () => {
	test('wait.jsonpath, wait.condition, patch, wait.rollout and restart act on one named object: a selector there is a problem, not ignored', () => {
		const text = book(`  - id: j
    wait: { jsonpath: { kind: Pod, name: p, selector: app=web, path: '{.status.phase}', equals: Running } }
  - id: c
    wait: { condition: { kind: Pod, name: p, selector: app=web, type: Ready } }
  - id: p
    patch: { kind: Deployment, name: web, selector: app=web, type: merge, patch: { spec: { paused: true } } }
  - id: r
    wait: { rollout: { kind: Deployment, name: web, selector: app=web } }
  - id: s
    restart: { kind: Deployment, name: web, selector: app=web }
  - id: x
    exec: { pod: web-0, selector: app=web, command: [hostname] }
`);
		expect(problems(text).map(([line, , path, message]) => [line, path, message])).toEqual([
			[10, 'steps[0].wait.jsonpath.selector', 'selector does not apply to wait.jsonpath: it acts on the one object named by name'],
			[12, 'steps[1].wait.condition.selector', 'selector does not apply to wait.condition: it acts on the one object named by name'],
			[14, 'steps[2].patch.selector', 'selector does not apply to patch: it acts on the one object named by name'],
			[16, 'steps[3].wait.rollout.selector', 'selector does not apply to wait.rollout: it acts on the one object named by name'],
			[18, 'steps[4].restart.selector', 'selector does not apply to restart: it acts on the one object named by name'],
			[20, 'steps[5].exec.selector', 'unknown key'],
		]);
		expect(hints(text)[0]).toBe('remove selector and give name; to act on every object matching labels use delete, scale, or wait deleted, exists or podsReady, which take a selector');
	});

	test('the kinds that use a selector still take one', () => {
		expect(
			problems(
				book(`  - id: d
    delete: { kind: Pod, selector: app=web }
  - id: w
    wait: { deleted: { kind: Pod, selector: app=web } }
  - id: e
    wait: { exists: { kind: Pod, selector: app=web } }
`),
			),
		).toEqual([]);
	});
});
