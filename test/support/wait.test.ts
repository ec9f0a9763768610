/**
 * test/support/wait.ts, the one wait of the tests and the cluster support: it returns the
 * first truthy value, takes async checks, counts a throw as not yet, gives up at once on
 * `giveUp`, names what it waited for (with the last error and the detail) on a timeout,
 * and keeps polling on real timers while a test fakes them.
 */
import {afterEach, expect, test, vi} from 'vitest';
import {waitFor, waitForItem, waitForValue, waitUntil} from './wait.js';

afterEach(() => {
	vi.useRealTimers();
});

test('returns the first truthy value of a check, sync or async', async () => {
	let calls = 0;
	expect(await waitFor('the third call', () => (++calls >= 3 ? `call ${calls}` : undefined), {intervalMs: 1})).toBe('call 3');
	let asyncCalls = 0;
	expect(await waitFor('an async answer', async () => (++asyncCalls >= 2 ? {n: asyncCalls} : false), {intervalMs: 1})).toEqual({n: 2});
	expect(await waitForValue('zero', () => 0)).toBe(0);
	const list: string[] = [];
	// Pushed on a later turn of the event loop: waitForItem must look again, not once.
	setImmediate(() => list.push('ready'));
	expect(await waitForItem('ready in the list', list, item => item === 'ready')).toBe('ready');
});

test('a throwing check is not yet; the timeout names what, the last error and the detail', async () => {
	let calls = 0;
	expect(
		await waitFor(
			'a check that threw twice',
			() => {
				if (++calls < 3) throw new Error('not yet');
				return true;
			},
			{intervalMs: 1},
		),
	).toBe(true);
	await expect(
		waitFor(
			'the impossible',
			() => {
				throw new Error('connection refused');
			},
			{timeoutMs: 30, intervalMs: 5, detail: () => 'log tail: nothing'},
		),
	).rejects.toThrow(/^timed out after 30 ms waiting for the impossible\nlast error: connection refused\nlog tail: nothing$/);
	await expect(waitUntil('never', () => false, 30)).rejects.toThrow('timed out after 30 ms waiting for never');
	const list = ['a'];
	await expect(waitForItem('b in the list', list, item => item === 'b', 30)).rejects.toThrow('have: ["a"]');
});

test('giveUp ends the wait at once with its message', async () => {
	let calls = 0;
	await expect(
		waitFor(
			'a server',
			() => {
				calls++;
				return false;
			},
			{timeoutMs: 60_000, giveUp: () => (calls >= 2 ? 'the server exited (1)' : undefined)},
		),
	).rejects.toThrow('the server exited (1) (waiting for a server)');
	expect(calls).toBe(2);
});

test('faked timers and Date neither stop it nor are moved by it', async () => {
	vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'Date', 'performance']});
	const frozen = Date.now();
	let calls = 0;
	expect(await waitFor('the fifth poll', () => ++calls >= 5, {intervalMs: 1})).toBe(true);
	expect(Date.now()).toBe(frozen);
});
