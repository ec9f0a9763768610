/**
 * A step's bash is clean (issue 15): the built CLI runs a real bash for each step,
 * started from an environment whose HOME has rc and profile files that leave a
 * marker, with SHLVL unset and SHLVL=0 (bash's remote-shell rule reads ~/.bashrc
 * when stdin is a socket and SHLVL is below 2), and with BASH_ENV, ENV and an
 * exported function set. No rc file, profile or BASH_ENV may run, and the step
 * must not see the function. A BASH_ENV the runbook sets itself is sourced, after
 * the start gate.
 */
import {mkdirSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {type Workspace, useWorkspaces} from './helpers.js';

const workspace = useWorkspaces();

/** A HOME whose every bash startup file appends its name to `rc-marks`; returns its path. */
function markingHome(ws: Workspace): string {
	const home = ws.path('home');
	mkdirSync(home);
	for (const name of ['.bashrc', '.bash_profile', '.bash_login', '.profile']) ws.write(`home/${name}`, `echo ${name} >> ${ws.path('rc-marks')}\n`);
	ws.write('bash-env.sh', `echo BASH_ENV >> ${ws.path('rc-marks')}\n`);
	ws.write('env.sh', `echo ENV >> ${ws.path('rc-marks')}\n`);
	return home;
}

const ONE_STEP = `version: 1
title: One step
steps:
  - id: look
    run: |
      echo ran >> marks
      if declare -F operator_fn >/dev/null; then echo "function seen" >> marks; fi
      echo "BASH_ENV=\${BASH_ENV:-unset} ENV=\${ENV:-unset}" >> marks
`;

describe('a step runs in a clean bash', () => {
	for (const shlvl of [undefined, '0']) {
		it(`reads no rc or profile file, BASH_ENV or ENV, and sees no exported function (SHLVL ${shlvl ?? 'unset'})`, async () => {
			const ws = workspace();
			const home = markingHome(ws);
			const file = ws.write('one.yaml', ONE_STEP);
			const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {
				env: {
					HOME: home,
					SHLVL: shlvl,
					BASH_ENV: ws.path('bash-env.sh'),
					ENV: ws.path('env.sh'),
					'BASH_FUNC_operator_fn%%': '() {  echo from the operator\n}',
				},
			});
			expect(result.stderr).toBe('');
			expect(result.code).toBe(0);
			expect(ws.read('rc-marks')).toBe('');
			expect(ws.lines()).toEqual(['ran', 'BASH_ENV=unset ENV=unset']);
		});
	}

	it("sources a BASH_ENV the runbook sets in env:, after the start gate, and keeps it for the script's children", async () => {
		const ws = workspace();
		const home = markingHome(ws);
		ws.write('step-env.sh', 'echo "sourced, stdin $(readlink /proc/$$/fd/0)" >> marks\nfrom_step_env=yes\n');
		const file = ws.write(
			'own.yaml',
			`version: 1
title: Own BASH_ENV
steps:
  - id: look
    env:
      BASH_ENV: ${ws.path('step-env.sh')}
    run: |
      echo "script sees \${from_step_env:-nothing}" >> marks
      bash -c 'echo "child sees \${from_step_env:-nothing}"' >> marks
`,
		);
		const result = await ws.cli(['run', file, '--plain', '--state-dir', ws.stateDir], {env: {HOME: home, SHLVL: undefined}});
		expect(result.stderr).toBe('');
		expect(result.code).toBe(0);
		expect(ws.read('rc-marks')).toBe('');
		// Sourced after the gate: stdin is /dev/null by then. The child bash sources it again.
		expect(ws.lines()).toEqual(['sourced, stdin /dev/null', 'script sees yes', 'sourced, stdin /dev/null', 'child sees yes']);
	});
});
