import {render} from 'ink-testing-library';
import {describe, expect, test} from 'vitest';
import type {StepStatus} from '../../source/engine/state.js';
import {Header} from '../../source/ui/header.js';
import {KeyHelp, keysNow} from '../../source/ui/key-help.js';
import {StepList, STATUS_MARKS} from '../../source/ui/step-list.js';
import {StepPanel} from '../../source/ui/step-panel.js';
import {FakeHandle} from './fake-handle.js';
import {delay} from './harness.js';

describe('StepList', () => {
	test('each status has its own mark, readable without colour; durations are shown', () => {
		const statuses: StepStatus[] = ['pending', 'succeeded', 'failed', 'skipped', 'interrupted'];
		const {lastFrame, unmount} = render(
			<StepList
				steps={statuses.map((status, i) => ({id: `s${i}`, title: `Step ${status}`, status, durationMs: status === 'pending' ? undefined : 12_000}))}
				currentId="s2"
				height={10}
				width={40}
			/>,
		);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines[0]).toMatch(/^ {2}○ 1\. Step pending\s*$/);
		expect(lines[1]).toMatch(/^ {2}✔ 2\. Step succeeded +12s$/);
		expect(lines[2]).toMatch(/^› ✖ 3\. Step failed +12s$/);
		expect(lines[3]).toMatch(/^ {2}↷ 4\. Step skipped/);
		expect(lines[4]).toMatch(/^ {2}⚠ 5\. Step interrupted/);
		expect(new Set(Object.values(STATUS_MARKS)).size).toBe(5);
		unmount();
	});

	test('a running step shows a spinner', async () => {
		const {frames, unmount} = render(<StepList steps={[{id: 'a', title: 'Running one', status: 'running'}]} height={3} width={30} />);
		await delay(200);
		const marks = new Set(frames.map(frame => frame.split('\n')[0].slice(2, 3)));
		expect(marks.size).toBeGreaterThan(1);
		for (const mark of marks) expect(mark).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
		unmount();
	});

	test('a long list is windowed around the selected step with "… N more" rows', () => {
		const steps = Array.from({length: 30}, (_, i) => ({id: `s${i + 1}`, title: `Step ${i + 1}`, status: 'pending' as const}));
		const {lastFrame, unmount} = render(<StepList steps={steps} currentId="s1" selectedId="s15" height={10} width={30} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(10);
		expect(lines[0]).toBe('  … 10 more');
		expect(lines.at(-1)).toBe('  … 12 more');
		expect(lines.some(line => line.startsWith('› ○ 15. Step 15'))).toBe(true);
		unmount();
	});
});

describe('StepPanel', () => {
	const handle = new FakeHandle([
		{
			id: 'dump',
			title: 'Dump the database',
			description: 'Writes the dump next to the run.',
			run: Array.from({length: 12}, (_, i) => `echo ${i}`).join('\n'),
		},
	]);
	handle.vars.dump = {DB: 'spire', PGPASSWORD: '***'};

	test('title, description, command (cut with a count), vars, status, progress and the output tail with stderr marked', () => {
		const tail = Array.from({length: 30}, (_, i) => ({stream: (i % 5 === 4 ? 'stderr' : 'stdout') as 'stdout' | 'stderr', text: `out ${i + 1}`}));
		const {lastFrame, unmount} = render(
			<StepPanel
				view={handle.stepView('dump')}
				stepCount={4}
				status="failed"
				attempt={2}
				exitCode={3}
				error="exit code 3"
				durationMs={65_000}
				progress="attempt 3: exit 1"
				tail={tail}
				totalLines={12_345}
				width={70}
				height={20}
			/>,
		);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(20);
		expect(lines[0]).toBe('1/4 Dump the database [run]');
		expect(lines[1]).toBe('Writes the dump next to the run.');
		expect(lines[2]).toBe('$ echo 0');
		expect(lines).toContain('vars: DB=spire  PGPASSWORD=***');
		expect(lines).toContain('attempt 2 · failed in 1m05s · exit code 3');
		expect(lines).toContain('↻ attempt 3: exit 1');
		expect(lines.find(line => line.startsWith('── output'))).toMatch(/12,345 lines, last \d+ \(! = stderr\)/);
		expect(lines.at(-1)).toBe('! out 30');
		expect(lines.at(-2)).toBe('  out 29');
		expect(lines).toContain('! out 25');
		expect(lines.some(line => /… \d+ more lines/.test(line))).toBe(true);
		unmount();
	});
});

describe('Header and KeyHelp', () => {
	test('the header shows title, run id, elapsed time, mode and extra rows', () => {
		const {lastFrame, unmount} = render(
			<Header title="Restore Postgres" runId="r-1" elapsedMs={125_000} mode="auto" status="in-progress" width={80} extra={['context: kind-test']} />,
		);
		expect(lastFrame()).toMatch(/^Restore Postgres +run r-1 · 02:05 · auto mode\ncontext: kind-test$/);
		unmount();
	});

	test('the key help lists the keys valid now', () => {
		expect(keysNow({busy: true})).toContain('q stop & quit');
		expect(keysNow({overlay: 'log'})).toContain('Esc/l close');
		expect(keysNow({question: true})).toEqual(['y yes', 'n/Enter/Esc no']);
		expect(keysNow({finished: true})).toEqual([]);
		const {lastFrame, unmount} = render(<KeyHelp keys={['a auto', '? help']} width={40} />);
		expect(lastFrame()).toBe('a auto · ? help');
		unmount();
	});
});
