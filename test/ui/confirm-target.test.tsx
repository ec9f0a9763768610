/**
 * The typed confirmation of a changed Kubernetes target (ui/confirm-target.tsx), rendered
 * with ink-testing-library: the word typed, or pasted with its newline, then Enter.
 */
import {render} from 'ink-testing-library';
import {expect, test, vi} from 'vitest';
import {ConfirmTarget} from '../../source/ui/confirm-target.js';
import {waitForFrame} from './harness.js';

for (const [what, typed] of [
	['typed', 'prod-eu'],
	['pasted with its newline', 'prod-eu\r'],
] as const) {
	test(`the word ${what}, then Enter, goes on; another word does not`, async () => {
		const onDone = vi.fn();
		const view = render(<ConfirmTarget changes={['context: staging → prod-eu']} word="prod-eu" onDone={onDone} />);
		try {
			await waitForFrame(view, 'Type prod-eu to continue');
			view.stdin.write('prod-e');
			view.stdin.write('\r');
			await waitForFrame(view, 'That is not "prod-eu".');
			expect(onDone).not.toHaveBeenCalled();
			view.stdin.write(typed);
			await waitForFrame(view, frame => frame.includes('prod-eu to continue (Esc quits): prod-eu'));
			view.stdin.write('\r');
			await vi.waitFor(() => expect(onDone).toHaveBeenCalledWith(true), {timeout: 10_000});
		} finally {
			view.unmount();
		}
	});
}
