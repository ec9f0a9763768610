/**
 * The app's React hooks around time and the run: a throttled re-render on run
 * events, and a clock that ticks faster while a step runs.
 */
import {useEffect, useRef, useState} from 'react';
import type {RunHandle} from '../engine/handle.js';
import {RunView} from './run-view.js';

/**
 * Fewest milliseconds between two re-renders caused by run events: at most 4 a
 * second, whatever the run does (thousands of trivial steps, a step printing
 * gigabytes). Each render is a whole Ink frame (React, Yoga layout, the frame's
 * text): at 10 a second they took a fifth of a TUI run's CPU (issue 14), CPU the
 * run's commands did not get on a loaded machine. Keys render at once.
 */
export const RENDER_INTERVAL_MS = 250;

/**
 * Clock tick while a step runs, ms: its `running for` label (whole seconds) and
 * the spinner follow within a third of a second. Longer than
 * {@link RENDER_INTERVAL_MS}: while run events keep coming, their renders
 * re-arm the clock before it fires, so the two never add up to more frames.
 */
export const TICK_RUNNING_MS = 300;

/** Clock tick otherwise, ms (the header's elapsed time). */
export const TICK_IDLE_MS = 1000;

/** Re-renders at most every {@link RENDER_INTERVAL_MS} on run events; at once when the run ends. */
export function useRunView(handle: RunHandle): RunView {
	const ref = useRef<RunView | undefined>(undefined);
	ref.current ??= new RunView(handle);
	const view = ref.current;
	const [, setTick] = useState(0);
	useEffect(() => {
		let timer: NodeJS.Timeout | undefined;
		let last = 0;
		const render = () => {
			timer = undefined;
			last = Date.now();
			setTick(t => t + 1);
		};
		const off = view.onEvent(event => {
			if (event.type === 'run-finished') {
				clearTimeout(timer);
				render();
			} else {
				timer ??= setTimeout(render, Math.max(0, last + RENDER_INTERVAL_MS - Date.now()));
			}
		});
		setTick(t => t + 1);
		return () => {
			off();
			clearTimeout(timer);
			view.dispose();
		};
	}, [view]);
	return view;
}

/**
 * `Date.now()` of this render. While `active`, the component re-renders at most
 * {@link TICK_RUNNING_MS} after its last render when `running`, else at most
 * {@link TICK_IDLE_MS} after it. The time is read at every render (a render
 * caused by an event is never up to a tick late: a step that just started reads
 * 0s, not a negative time).
 */
export function useClock(active: boolean, running: boolean): number {
	const [, setTick] = useState(0);
	// Re-armed after every render, not a fixed interval: a render caused by run events is a
	// tick too, so a stream of fast steps (re-rendered on events) is not drawn again by the
	// clock in between (issue 14: the TUI in auto mode at N trivial steps).
	useEffect(() => {
		if (!active) return;
		const timer = setTimeout(() => setTick(t => t + 1), running ? TICK_RUNNING_MS : TICK_IDLE_MS);
		return () => clearTimeout(timer);
	});
	return Date.now();
}
