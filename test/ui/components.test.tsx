import {render} from 'ink-testing-library';
import {describe, expect, test, vi} from 'vitest';
import type {StepStatus} from '../../source/engine/state.js';
import {fitTargetLine, Header, headerRows} from '../../source/ui/header.js';
import {KeyHelp, keysNow} from '../../source/ui/key-help.js';
import {SPINNER_FRAMES, SpinnerFrame, spinnerFrame, StepList, STATUS_MARKS} from '../../source/ui/step-list.js';
import {StepPanel} from '../../source/ui/step-panel.js';
import {FakeHandle} from './fake-handle.js';

describe('StepList', () => {
	test('each status has its own mark, readable without colour; durations are shown', () => {
		const statuses: StepStatus[] = ['pending', 'succeeded', 'failed', 'skipped', 'interrupted'];
		const {lastFrame, unmount} = render(<StepList steps={statuses.map((status, i) => ({id: `s${i}`, title: `Step ${status}`, status, durationMs: status === 'pending' ? undefined : 12_000}))} currentId="s2" height={10} width={40} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines[0]).toMatch(/^ {2}○ 1\. Step pending\s*$/);
		expect(lines[1]).toMatch(/^ {2}✔ 2\. Step succeeded +12s$/);
		expect(lines[2]).toMatch(/^› ✖ 3\. Step failed +12s$/);
		expect(lines[3]).toMatch(/^ {2}↷ 4\. Step skipped/);
		expect(lines[4]).toMatch(/^ {2}⚠ 5\. Step interrupted/);
		expect(new Set(Object.values(STATUS_MARKS)).size).toBe(5);
		unmount();
	});

	test('a running step shows a spinner that turns with the frame it is given, with no timer of its own', () => {
		// Fake timers: a spinner with its own interval would draw frames as the test moves the time.
		vi.useFakeTimers();
		try {
			const step = {id: 'a', title: 'Running one', status: 'running' as const};
			const list = (frame: number) => (
				<SpinnerFrame.Provider value={frame}>
					<StepList steps={[step]} height={3} width={30} />
				</SpinnerFrame.Provider>
			);
			const {frames, lastFrame, rerender, unmount} = render(list(0));
			const mark = () => (lastFrame() ?? '').split('\n')[0].slice(2, 3);
			const first = mark();
			const drawn = frames.length;
			vi.advanceTimersByTime(2000);
			expect(frames.length).toBe(drawn);
			rerender(list(1));
			expect(mark()).not.toBe(first);
			for (const frame of [first, mark()]) expect(frame).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
			// Any integer is a frame (the clock's count): no row goes blank.
			rerender(list(spinnerFrame(Date.parse('2026-12-07T01:00:00.250Z'))));
			expect(SPINNER_FRAMES).toContain(mark());
			unmount();
		} finally {
			vi.useRealTimers();
		}
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

	test('title, description, command (cut with a count of rows), vars, status, progress and the output tail with stderr marked', () => {
		const tail = Array.from({length: 30}, (_, i) => ({stream: (i % 5 === 4 ? 'stderr' : 'stdout') as 'stdout' | 'stderr', text: `out ${i + 1}`}));
		const {lastFrame, unmount} = render(<StepPanel view={handle.stepView('dump')} stepCount={4} status="failed" attempt={2} outcome={{kind: 'exit-code', exitCode: 3}} durationMs={65_000} progress="attempt 3: exit 1" tail={tail} totalLines={12_345} width={70} height={20} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(20);
		expect(lines[0]).toBe('1/4 Dump the database [run]');
		expect(lines[1]).toBe('Writes the dump next to the run.');
		expect(lines[2]).toBe('$ echo 0');
		expect(lines).toContain('attempt 2 · failed in 1m05s · exit code 3');
		expect(lines).toContain('↻ attempt 3: exit 1');
		expect(lines.find(line => line.startsWith('── output'))).toMatch(/12,345 lines, last \d+ \(! = stderr\)/);
		expect(lines.at(-1)).toBe('! out 30');
		expect(lines.at(-2)).toBe('  out 29');
		expect(lines).toContain('! out 25');
		// The vars come after the command: they are in the rows the window hides (d shows them).
		expect(lines.some(line => /^↓ \d+ more rows: d shows the whole step$/.test(line))).toBe(true);
		unmount();
	});
});

describe('Header and KeyHelp', () => {
	test('the header shows title, run id, elapsed time, mode and extra rows', () => {
		const {lastFrame, unmount} = render(<Header title="Restore Postgres" runId="r-1" elapsedMs={125_000} mode="auto" status="in-progress" width={80} extra={['context: kind-test']} />);
		expect(lastFrame()).toMatch(/^Restore Postgres +run r-1 · 02:05 · auto mode\ncontext: kind-test$/);
		unmount();
	});

	test('a long title keeps the first row (with the clock and mode); the run id moves whole to the second row', () => {
		const title = 'Restore the Synapse database from a backup (drop & recreate)';
		const runId = 'synapse-db-restore-20261120-234606-e49b';
		const {lastFrame, unmount} = render(<Header title={title} runId={runId} elapsedMs={8_000} mode="auto" status="in-progress" width={80} />);
		const lines = (lastFrame() ?? '').split('\n');
		expect(lines).toHaveLength(2);
		expect(lines[0]).toMatch(/^Restore the Synapse database from a backup \(drop & recreate\) +00:08 · auto mode$/);
		expect(lines[0].length).toBeLessThanOrEqual(80);
		expect(lines[1]).toBe(`run ${runId}`);
		expect(headerRows(title, runId, 80)).toBe(2);
		// A title that leaves room keeps everything on one row.
		expect(headerRows('Four kinds of steps', 'four-20261120-234606-e49b', 80)).toBe(1);
		expect(headerRows(title, runId, 80, ['context: x'])).toBe(3);
		unmount();
	});

	test('the Kubernetes target row fits 80 columns by cutting the server URL in its middle; context and namespace stay whole', () => {
		const line = 'context: prod-eu1 · server: https://api.very-long-cluster-name.region-1.example.internal.corp:6443 · namespace: spire-system';
		expect(line.length).toBeGreaterThan(80);
		const {lastFrame, unmount} = render(<Header title="Restore Postgres" runId="r-1" elapsedMs={0} mode="step" status="in-progress" width={80} extra={[line]} />);
		const row = (lastFrame() ?? '').split('\n')[1];
		expect(row).toHaveLength(80);
		expect(row).toMatch(/^context: prod-eu1 · server: https:\/\/api\.\S*…\S*:6443 · namespace: spire-system$/);
		// Long context and namespace names: the URL gives way down to 10 columns (scheme and port).
		const crowded = fitTargetLine('context: kind-spire-prod-cluster · server: https://api.example.internal.corp:6443 · namespace: spire-system', 80);
		expect(crowded).toBe('context: kind-spire-prod-cluster · server: https…:6443 · namespace: spire-system');
		// A short target is shown as given; other rows are cut at their end.
		expect(fitTargetLine('context: kind · server: https://127.0.0.1:6443 · namespace: default', 80)).toBe('context: kind · server: https://127.0.0.1:6443 · namespace: default');
		expect(fitTargetLine('x'.repeat(100), 80)).toBe(`${'x'.repeat(79)}…`);
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
