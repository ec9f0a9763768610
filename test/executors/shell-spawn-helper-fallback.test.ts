/**
 * The spawn helper (source/executors/spawn-helper.ts) cannot open this process's
 * descriptors (`/proc/<pid>/fd/<fd>`: EACCES for a non-dumpable process, ENOENT
 * for one that is gone): it starts nothing and says so, and the step's bash is
 * started by this process instead; later steps do not ask the helper again. Its
 * own file: the helper is one per process and is not used after this.
 */
import {readdirSync} from 'node:fs';
import {afterEach, beforeAll, beforeEach, describe, expect, test, vi} from 'vitest';
import {createShellExecutor} from '../../source/executors/shell.js';
import {readySpawnHelper, spawnHelperPid} from '../../source/executors/spawn-helper.js';
import {stepLogFiles} from '../../source/store/step-logs.js';
import {run, tempDir} from './shell-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({dir, cleanup} = tempDir()));
afterEach(() => cleanup());

beforeAll(async () => {
	createShellExecutor(stepLogFiles);
	await vi.waitFor(() => expect(spawnHelperPid()).toBeDefined(), {timeout: 60_000, interval: 20});
}, 70_000);

describe.runIf(process.platform === 'linux')('a spawn helper that cannot open our descriptors', () => {
	test('the step runs all the same, started by this process, and the helper is not asked again', async () => {
		const helper = readySpawnHelper()!;
		const start = helper.start.bind(helper);
		// A descriptor number far above any open in this process: the helper's open of it fails (ENOENT).
		const closed = Math.max(...readdirSync('/proc/self/fd').map(Number)) + 10_000;
		const spy = vi.spyOn(helper, 'start').mockImplementation(request => start({...request, stdio: [closed, request.stdio[1], request.stdio[2]]}));
		try {
			const first = await run(dir, `echo "ppid $PPID"`);
			expect(spy).toHaveBeenCalledOnce();
			expect(first.result).toMatchObject({exitCode: 0, aborted: false});
			expect(first.result.error).toBeUndefined();
			expect(first.stdout).toEqual([`ppid ${process.pid}`]);
			expect(readySpawnHelper()).toBeUndefined();
			const second = await run(dir, 'echo "ppid $PPID"');
			expect(spy).toHaveBeenCalledOnce();
			expect(second.stdout).toEqual([`ppid ${process.pid}`]);
		} finally {
			spy.mockRestore();
		}
	});
});
