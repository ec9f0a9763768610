/**
 * The format 1.1 additions of issue 11 (items 2-6) at load time: each new shape loads under
 * `version: 1.1`, each is refused under `version: 1` with the key that needs 1.1, and each
 * malformed shape is reported where it is written.
 */
import {describe, expect, test} from 'vitest';
import {parseRunbook, RunbookError} from '../../source/runbook/load.js';

/** The problems of a runbook text as [line, path, message]; [] when it loads. */
function problems(text: string): Array<[number, string, string]> {
	try {
		parseRunbook(text, 'test.yaml');
		return [];
	} catch (error) {
		if (!(error instanceof RunbookError)) throw error;
		return error.problems.map(p => [p.line, p.path, p.message]);
	}
}

/** A runbook of `version` with a REPLICAS param and the given steps (YAML, indented 2); steps start on line 7. */
const book = (steps: string, version = '1.1') => `version: ${version}
title: Test
params:
  REPLICAS:
    default: "2"
steps:
${steps}`;

const SHAPES: Record<string, string> = {
	http: '  - id: h\n    wait: { http: { url: "https://localhost:8443/health", status: 200, contains: ok, insecure: true, headers: { Authorization: "Bearer x" } }, interval: 1s }\n',
	httpJson: '  - id: h\n    wait: { http: { url: "http://localhost/health", jsonpath: .status, equals: healthy } }\n',
	scaleSelector: '  - id: s\n    scale: { kind: StatefulSet, selector: app.kubernetes.io/component=matrix-server, replicas: 0 }\n',
	scaleVar: '  - id: s\n    scale: { kind: Deployment, name: web, replicas: $REPLICAS }\n',
	podsReadyAll: '  - id: p\n    wait: { podsReady: { selector: app=web } }\n',
	podsReadyVar: '  - id: p\n    wait: { podsReady: { selector: app=web, count: "${REPLICAS}" } }\n',
	copyFromPod: '  - id: c\n    copy: { pod: openbao-0, from: /tmp/vault-backup.snap, to: ./vault.snap, direction: fromPod }\n',
	execStdout: '  - id: e\n    exec: { pod: statefulset/postgres, command: [pg_dumpall, -U, postgres], stdout: dump.sql }\n',
	execCapture: '  - id: e\n    exec: { pod: deployment/web, command: [cat, /etc/hostname] }\n    capture: HOST\n',
	checklist: '  - id: m\n    manual: { text: Before the upgrade, items: [Backups taken, Maintenance window announced] }\n',
};

describe('format 1.1 shapes', () => {
	test.each(Object.entries(SHAPES))('%s loads under version 1.1', (_name, steps) => {
		expect(problems(book(steps))).toEqual([]);
	});

	test.each(Object.entries(SHAPES))('%s is refused under version 1, at the key that needs 1.1', (_name, steps) => {
		const found = problems(book(steps, '1'));
		expect(found.length).toBeGreaterThan(0);
		for (const [line, , message] of found) {
			expect([8, 9]).toContain(line);
			expect(message).toMatch(/is new in format 1\.1, and this runbook says version: 1$/);
		}
	});

	test('version 1 runbooks with the version 1 shapes still load', () => {
		const steps = '  - id: s\n    scale: { kind: StatefulSet, name: web, replicas: 0 }\n  - id: p\n    wait: { podsReady: { selector: app=web, count: 1 } }\n  - id: m\n    manual: Check the dashboard\n  - id: c\n    copy: { from: a.sql, pod: db-0, to: /tmp/a.sql }\n';
		expect(problems(book(steps, '1'))).toEqual([]);
	});

	test('an unknown version is refused', () => {
		expect(problems(book(SHAPES.checklist!, '1.2'))).toEqual([[1, 'version', 'expected version: 1 or 1.1']]);
	});
});

describe('malformed format 1.1 shapes', () => {
	test('http: jsonpath without equals, a bad status, an unknown key, a bad header name', () => {
		expect(problems(book('  - id: h\n    wait: { http: { url: "http://x", jsonpath: .status } }\n'))).toEqual([[8, 'steps[0].wait.http.jsonpath', 'expected jsonpath and equals together; equals is missing']]);
		expect(problems(book('  - id: h\n    wait: { http: { url: "http://x", status: 42 } }\n'))[0]?.[1]).toBe('steps[0].wait.http.status');
		expect(problems(book('  - id: h\n    wait: { http: { url: "http://x", method: POST } }\n'))[0]?.[1]).toBe('steps[0].wait.http.method');
		expect(problems(book('  - id: h\n    wait: { http: { url: "http://x", headers: { "bad header": x } } }\n'))[0]?.[2]).toMatch(/HTTP header name/);
		expect(problems(book('  - id: h\n    wait: { http: { status: 200 } }\n'))[0]?.[1]).toBe('steps[0].wait.http.url');
	});

	test('interval belongs to an http wait', () => {
		expect(problems(book('  - id: w\n    wait: { podsReady: { selector: app=web }, interval: 1s }\n'))).toEqual([[8, 'steps[0].wait.interval', 'interval applies to an http wait, and this wait is "podsReady"']]);
	});

	test('scale: neither name nor selector, both, a negative or non-variable count', () => {
		expect(problems(book('  - id: s\n    scale: { kind: StatefulSet, replicas: 0 }\n'))).toEqual([[8, 'steps[0].scale', 'expected a name or a selector']]);
		expect(problems(book('  - id: s\n    scale: { kind: StatefulSet, name: a, selector: app=a, replicas: 0 }\n'))).toEqual([[8, 'steps[0].scale.selector', 'expected a name or a selector, not both']]);
		expect(problems(book('  - id: s\n    scale: { kind: StatefulSet, name: a, replicas: -1 }\n'))[0]?.[1]).toBe('steps[0].scale.replicas');
		expect(problems(book('  - id: s\n    scale: { kind: StatefulSet, name: a, replicas: two }\n'))[0]?.[1]).toBe('steps[0].scale.replicas');
		expect(problems(book('  - id: p\n    wait: { podsReady: { selector: app=web, count: "3 pods" } }\n'))[0]?.[1]).toBe('steps[0].wait.podsReady.count');
	});

	test('a count from an undefined variable is reported', () => {
		expect(problems(book('  - id: s\n    scale: { kind: StatefulSet, name: a, replicas: $NOPE }\n')).map(p => p[1])).toContain('steps[0].scale.replicas');
	});

	test('copy: an unknown direction; exec: an unknown workload kind, stdout empty', () => {
		expect(problems(book('  - id: c\n    copy: { pod: a, from: /x, to: ./x, direction: up }\n'))[0]?.[1]).toBe('steps[0].copy.direction');
		expect(problems(book('  - id: e\n    exec: { pod: daemonset/agent, command: [ls] }\n'))).toEqual([[8, 'steps[0].exec.pod', 'expected a pod name, statefulset/NAME or deployment/NAME, not daemonset/…']]);
		expect(problems(book('  - id: e\n    exec: { pod: statefulset/a%b, command: [ls] }\n'))[0]?.[1]).toBe('steps[0].exec.pod');
		expect(problems(book('  - id: e\n    exec: { pod: db-0, command: [ls], stdout: "" }\n'))[0]?.[1]).toBe('steps[0].exec.stdout');
	});

	test("capture and exec.stdout together are refused: both take the command's stdout", () => {
		expect(problems(book('  - id: e\n    exec: { pod: db-0, command: [ls], stdout: out.txt }\n    capture: OUT\n'))).toEqual([[9, 'steps[0].capture', "capture and exec.stdout both take the command's stdout; a step has one or the other"]]);
	});

	test('capture is allowed on exec but other run options are not', () => {
		expect(problems(book('  - id: e\n    exec: { pod: db-0, command: [ls] }\n    capture: OUT\n    cwd: /tmp\n'))).toEqual([[10, 'steps[0].cwd', '"cwd" applies only to run steps, and this step\'s action is "exec"']]);
		expect(problems(book('  - id: e\n    apply: { file: a.yaml }\n    capture: OUT\n'))).toEqual([[9, 'steps[0].capture', '"capture" applies only to run steps, and this step\'s action is "apply"']]);
	});

	test('checklist: no items, an empty item, an unknown key', () => {
		expect(problems(book('  - id: m\n    manual: { text: x, items: [] }\n'))).toEqual([[8, 'steps[0].manual.items', 'expected at least one item']]);
		expect(problems(book('  - id: m\n    manual: { items: [""] }\n'))[0]?.[1]).toBe('steps[0].manual.items[0]');
		expect(problems(book('  - id: m\n    manual: { items: [a], checked: true }\n'))[0]?.[1]).toBe('steps[0].manual.checked');
	});
});
