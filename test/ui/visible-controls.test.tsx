/**
 * Escape sequences and control bytes in the text the TUI draws inside its frame
 * (issue 9, item 6): step titles in the step list, the step panel's title,
 * description, command and variables, the notes before the run, questions,
 * choices and a failure's error are shown as `\x1b`, `\x07`... the way --plain
 * shows them (security/terminal-text.ts visibleControls). Ink drops escape
 * sequences silently; the operator must see that something was there. Rendered
 * with ink-testing-library (test/ui/harness.tsx); checked on its frames.
 */
import {afterEach, expect, test} from 'vitest';
import {KEY, press, startApp, waitForPrompt, type AppUnderTest} from './harness.js';

const HOSTILE = '\u001B]0;PWNED\u0007\u001B[2J\u009B6n';
const VISIBLE = '\\x1b]0;PWNED\\x07\\x1b[2J\\x9b6n';

let app: AppUnderTest | undefined;
afterEach(() => {
	app?.t.unmount();
	app = undefined;
});

const steps = [
	{id: 'dump', title: `Dump ${HOSTILE}`, description: `Writes ${HOSTILE} dump.sql.`, run: `pg_dump ${HOSTILE} > dump.sql`},
	{id: 'mode', title: 'Mode', ask: {var: 'MODE', prompt: `Which mode ${HOSTILE}?`, choices: [`fast ${HOSTILE}`, 'slow']}},
];

/** The frame with Ink's own colours removed, but every other character as drawn. */
function frame(app: AppUnderTest): string {
	// eslint-disable-next-line no-control-regex
	return (app.t.lastFrame() ?? '').replace(/\u001B\[[0-9;]*m/g, '');
}

test('the step list, the step panel and the gate show a title, description and command with visible controls', async () => {
	app = startApp(steps, {columns: 200, rows: 40});
	const {handle, operator, t} = app;
	handle.vars.dump = {TARGET: `db ${HOSTILE}`};
	const gate = operator.beforeStep(handle.stepView('dump'));
	await waitForPrompt(t, 'Enter run · s skip · q quit');
	const shown = frame(app);
	expect(shown).toMatch(/○ +1\. Dump \\x1b\]0;PWNED/); // the step list
	expect(shown).toContain(`1/2 Dump ${VISIBLE} [run]`); // the panel's title
	expect(shown).toContain(`Writes ${VISIBLE} dump.sql.`);
	expect(shown).toContain(`$ pg_dump ${VISIBLE} > dump.sql`);
	expect(shown).toContain(`Run step 1 "Dump ${VISIBLE}"?`);
	expect(shown).not.toMatch(/[\u0007\u009B]|\u001B\]/);
	await press(t.stdin, KEY.enter);
	expect(await gate).toBe('run');
	handle.start('dump');
	handle.finish('dump', 'failed', {exitCode: 3, error: `exit code 3 ${HOSTILE}`, note: `note ${HOSTILE}`});
	const failed = operator.onFailure(handle.stepView('dump'), {error: `exit code 3 ${HOSTILE}`, exitCode: 3, attempt: 1});
	await waitForPrompt(t, 'failed (attempt 1)');
	expect(frame(app)).toContain(`✖ Step "Dump ${VISIBLE}" failed (attempt 1): exit code 3 ${VISIBLE}`);
	expect(frame(app)).toContain(`exit code 3 ${VISIBLE}`); // the panel's status row
	await press(t.stdin, 's');
	expect(frame(app)).toContain(`Skip step "Dump ${VISIBLE}"? (y/N)`);
	await press(t.stdin, 'y');
	expect(await failed).toBe('skip');
});

test('an ask shows its question and choices with visible controls', async () => {
	app = startApp(steps, {columns: 200, rows: 40});
	const {handle, operator, t} = app;
	const view = handle.stepView('mode');
	const answer = operator.ask(view, view.step.ask!);
	await waitForPrompt(t, 'Which mode');
	expect(frame(app)).toContain(`? Which mode ${VISIBLE}?`);
	expect(frame(app)).toContain(`fast ${VISIBLE}`);
	expect(frame(app)).not.toMatch(/[\u0007\u009B]|\u001B\]/);
	await press(t.stdin, KEY.enter);
	expect(await answer).toEqual({value: `fast ${HOSTILE}`});
});

test('the notes before the run show their control bytes', async () => {
	app = startApp(steps, {columns: 200, rows: 40}, {notices: [`saved variables were not restored: ${HOSTILE}`]});
	await waitForPrompt(app.t, 'saved variables were not restored');
	expect(frame(app)).toContain(`saved variables were not restored: ${VISIBLE}`);
	await press(app.t.stdin, 'n');
	await waitForPrompt(app.t, 'Notes before the run (1)');
	expect(frame(app)).toContain(`saved variables were not restored: ${VISIBLE}`);
});
