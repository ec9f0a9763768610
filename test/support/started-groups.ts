/**
 * Test support (vitest): the detached process groups a test file starts, killed after
 * each test whatever it left running.
 */
import type {ChildProcess} from 'node:child_process';
import {afterEach} from 'vitest';
import {killGroup} from './processes.js';

/** Registers an afterEach that SIGKILLs the group of every child pushed to the returned list (each a group leader: `detached: true`). */
export function useStartedGroups(): ChildProcess[] {
	const started: ChildProcess[] = [];
	afterEach(() => {
		for (const child of started.splice(0)) if (child.pid !== undefined) killGroup(child.pid);
	});
	return started;
}
