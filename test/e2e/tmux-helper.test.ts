/**
 * The terminal the TUI tests rely on (test/support/tmux.ts) does what they assume:
 * the command sees TERM=xterm-256color and no CI, keys arrive, a row wider than the
 * terminal comes back joined (so `tooWide` can fail), `waitFor` fails with the last
 * screen, and `kill` leaves no server behind.
 */
import {existsSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {startTmux} from '../support/tmux.js';
import {tooWide} from './tui.js';

describe('test/support/tmux.ts', () => {
	it('runs the command at 80x24 with TERM=xterm-256color and without CI, even when CI=true here', async () => {
		const saved = process.env.CI;
		process.env.CI = 'true';
		const term = startTmux({
			command: ['sh', '-c', 'echo "term=$TERM ci=${CI-unset} extra=$EXTRA size=$(tput cols)x$(tput lines)"; read line; echo "got: $line"; printf "%090d\\n" 0; sleep 30'],
			env: {EXTRA: 'yes'},
		});
		try {
			if (saved === undefined) delete process.env.CI;
			else process.env.CI = saved;
			await term.waitFor('term=xterm-256color ci=unset extra=yes size=80x24');
			term.type('-hello there');
			term.sendKeys('Enter');
			await term.waitFor('got: -hello there');
			// The 90-column row wrapped in the terminal and comes back as one line.
			const screen = await term.waitFor('0'.repeat(90));
			expect(tooWide([screen], 80)).toEqual([`90: ${'0'.repeat(90)}`]);
			expect(term.capture({joined: false})).not.toContain('0'.repeat(81));
			await expect(term.waitFor('never shown', 200)).rejects.toThrow(/timed out after 200 ms waiting for never shown on the screen\nthe last screen:\n.*term=xterm-256color/);
			expect(term.ended()).toBe(false);
		} finally {
			term.kill();
		}
		const uid = process.getuid?.() ?? 0;
		expect(existsSync(`/tmp/tmux-${uid}/${term.socket}`)).toBe(false);
		expect(() => term.tmux('list-sessions')).toThrow();
	});

	it('keeps the last screen of a command that has ended, and says when it has', async () => {
		// The command ends when the test presses Enter, not after a time: a test that reads the
		// screen first must still find it running however slow the machine is.
		const term = startTmux({command: ['sh', '-c', 'echo bye; read line; exit 7'], width: 100, height: 30});
		try {
			await term.waitFor('bye');
			expect(term.ended()).toBe(false);
			term.sendKeys('Enter');
			await term.waitUntil('the command to end', () => term.ended());
			// The last screen is kept (tmux's "Pane is dead" row, when it comes, scrolls
			// the screen: bye is then in the history).
			expect(term.capture({history: true})).toMatch(/^bye$/m);
			expect(term.tmux('display-message', '-p', '-t', 'main', '#{window_width}x#{window_height}').trim()).toBe('100x30');
		} finally {
			term.kill();
		}
	});
});
