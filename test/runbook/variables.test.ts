import {spawnSync} from 'node:child_process';
import {describe, expect, test} from 'vitest';
import {BUILTIN_VARS, findReferences, interpolate, redactor, referencedVars, STANDARD_ENV_VARS, unclosedBrace} from '../../source/runbook/variables.js';

describe('interpolate', () => {
	const vars = {NAMESPACE: 'spire', CLIENT: 'spire-server', EMPTY: '', TRICKY: '$(rm -rf /) `id` * $NAMESPACE'};

	test('replaces $NAME and ${NAME}', () => {
		expect(interpolate('kubectl -n $NAMESPACE scale sts/${CLIENT}', vars)).toBe('kubectl -n spire scale sts/spire-server');
		expect(interpolate('${CLIENT}-0.$NAMESPACE.svc', vars)).toBe('spire-server-0.spire.svc');
		expect(interpolate('[$EMPTY]', vars)).toBe('[]');
	});

	test('values are inserted literally: no command substitution, no globbing, no second pass', () => {
		expect(interpolate('value: $TRICKY', vars)).toBe('value: $(rm -rf /) `id` * $NAMESPACE');
	});

	test('$$ is a literal $, also before a name', () => {
		expect(interpolate('costs $$5; $$NAMESPACE stays; $$$NAMESPACE', vars)).toBe('costs $5; $NAMESPACE stays; $spire');
	});

	test('unknown names, lower-case names and partial names are left as written', () => {
		expect(interpolate('$UNKNOWN ${ALSO} $lower ${lower} $NAMESPACEs $ 5$', vars)).toBe('$UNKNOWN ${ALSO} $lower ${lower} $NAMESPACEs $ 5$');
	});

	test('text without $ comes back unchanged', () => {
		const text = 'plain text';
		expect(interpolate(text, vars)).toBe(text);
	});
});

describe('references', () => {
	test('referencedVars lists each upper-case name once, in order', () => {
		expect(referencedVars('$B ${A} $B $$C $lower ${D} $E1_X')).toEqual(['B', 'A', 'D', 'E1_X']);
		expect(referencedVars('no variables')).toEqual([]);
	});

	test('findReferences gives the index and the token as written', () => {
		expect(findReferences('at ${X} and $Y')).toEqual([
			{name: 'X', index: 3, token: '${X}'},
			{name: 'Y', index: 12, token: '$Y'},
		]);
	});

	test('the built-ins and the standard environment variables', () => {
		expect([...BUILTIN_VARS]).toEqual(['RUN_ID', 'RUN_DIR', 'RUNBOOK_DIR', 'KUBE_CONTEXT']);
		expect(STANDARD_ENV_VARS).toContain('KUBECONFIG');
		expect(STANDARD_ENV_VARS).toContain('PGPASSWORD');
		expect(new Set(STANDARD_ENV_VARS).size).toBe(STANDARD_ENV_VARS.length);
	});
});

describe('redactor', () => {
	test('replaces every occurrence of every secret with ***', () => {
		const redact = redactor(['hunter2', 's3cr3t']);
		expect(redact('pass=hunter2 again hunter2, key=s3cr3t')).toBe('pass=*** again ***, key=***');
	});

	test('the longest secret wins where one contains another', () => {
		const redact = redactor(['abc', 'abcdef']);
		expect(redact('abcdef abc')).toBe('*** ***');
		expect(redactor(['abcdef', 'abc'])('xabcdefx')).toBe('x***x');
	});

	test('regular expression characters in secrets are taken literally', () => {
		const redact = redactor(['a.b*c', '(x|y)', '$1\\']);
		expect(redact('a.b*c aXbc (x|y) x y $1\\')).toBe('*** aXbc *** x y ***');
	});

	test('empty secrets are ignored, and no secrets means the text is returned as is', () => {
		expect(redactor(['', 'k'])('kk')).toBe('******');
		const identity = redactor(['']);
		const text = 'nothing secret';
		expect(identity(text)).toBe(text);
		expect(redactor([])('a')).toBe('a');
	});

	test('redacts what a real bash process prints from its environment', () => {
		const secret = 'p@ss w0rd$';
		const result = spawnSync('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', 'echo "connecting with $PGPASSWORD"; echo "$PGPASSWORD" >&2'], {
			env: {PATH: process.env.PATH, PGPASSWORD: secret},
			encoding: 'utf8',
		});
		expect(result.status).toBe(0);
		const redact = redactor([secret]);
		expect(redact(result.stdout)).toBe('connecting with ***\n');
		expect(redact(result.stderr)).toBe('***\n');
	});
});

describe('${NAME:-default} and unclosed ${ in non-run text', () => {
	test('${NAME:-default} is the value, or the default when the variable is unset or empty (bash :-), literally', () => {
		expect(interpolate('ns ${NAMESPACE:-services}', {NAMESPACE: 'spire'})).toBe('ns spire');
		expect(interpolate('ns ${NAMESPACE:-services}', {NAMESPACE: ''})).toBe('ns services');
		expect(interpolate('ns ${NAMESPACE:-services}', {})).toBe('ns services');
		expect(interpolate('${A:-$B} ${C:-}', {B: 'x'})).toBe('$B ');
		expect(interpolate('$${A:-x}', {A: 'y'})).toBe('${A:-x}');
		expect(findReferences('scale ${CLIENT:-spire-server}')).toEqual([{name: 'CLIENT', index: 6, token: '${CLIENT:-spire-server}', default: 'spire-server'}]);
	});

	test('finds an unclosed ${, but not an escaped $${ or a closed one', () => {
		expect(unclosedBrace('Scale ${CLIENT to zero')).toBe(6);
		expect(unclosedBrace('a ${A} then ${B')).toBe(12);
		expect(unclosedBrace('cost $${ is literal')).toBeUndefined();
		expect(unclosedBrace('${A} and ${B:-x}')).toBeUndefined();
		expect(unclosedBrace('ends with $')).toBeUndefined();
	});
});
