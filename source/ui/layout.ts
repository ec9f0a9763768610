/**
 * Layout arithmetic for the TUI, kept pure so it is easy to test: which rows of
 * a long list fit, and how the step panel shares its rows.
 */

/** A window of a list: items `start` (inclusive) to `end` (exclusive), and how many are hidden. */
export interface ListWindow {
	start: number;
	end: number;
	/** Items hidden above the window (a "… N more" row is shown for them when > 0). */
	above: number;
	/** Items hidden below the window. */
	below: number;
}

/**
 * The part of a list of `total` items to show in `height` rows so that item
 * `focus` is visible, counting one row for each "… N more" marker. The result
 * never needs more than `height` rows (at least one item is always shown).
 */
export function windowList(total: number, focus: number, height: number): ListWindow {
	const rows = Math.max(1, Math.floor(height));
	const at = Math.min(Math.max(0, focus), Math.max(0, total - 1));
	if (total <= rows) return {start: 0, end: total, above: 0, below: 0};
	if (rows < 3) {
		// No room for markers: only the focused item (and the next one if it fits).
		const end = Math.min(total, at + rows);
		return {start: at, end, above: at, below: total - end};
	}
	let start: number;
	let end: number;
	if (at < rows - 1) {
		start = 0;
		end = rows - 1;
	} else if (at >= total - (rows - 1)) {
		start = total - (rows - 1);
		end = total;
	} else {
		const size = rows - 2;
		start = at - Math.floor(size / 2);
		end = start + size;
	}
	return {start, end, above: start, below: total - end};
}

/**
 * What the step panel puts first: `follow` (a step running or looked at), `decide`
 * (a confirm or destructive prompt waits on this step: what runs and with which
 * values comes first, whole), `failed` (the description, where authors write what
 * to do when the step fails, comes whole after the last output lines).
 */
export type PanelMode = 'follow' | 'decide' | 'failed';

/** What the step panel would like to show, in rows (wrapped at the panel's width). */
export interface PanelWants {
	/** Rows of the title (1, or 2 when it wraps). */
	title: number;
	/** Rows of the status (1, or 2 when it wraps). */
	status: number;
	description: number;
	/** Rows of the command and its variables together (the "block"). */
	block: number;
	progress: number;
	/** Output rows available (0 hides the output section). */
	output: number;
}

/** Rows of the step panel given to each part (see {@link panelRows}). */
export interface PanelRows {
	title: number;
	status: number;
	description: number;
	/** Rows for the command and its variables; when less than wanted, the panel shows a window with "more" rows. */
	block: number;
	progress: number;
	/** Rows for output, not counting the output heading row. */
	output: number;
	/** 1 when the output heading row is shown. */
	outputHeading: number;
}

/**
 * Shares `height` rows of the step panel. Always one title and one status row
 * (a second when they wrap and there is room). Then by `mode`:
 * `follow`: progress, the output heading and 3 output rows, 2 description rows,
 * the block (at most half of the rest when there is output, unless the output
 * needs less), the rest of the output, the rest of the description;
 * `decide`: the whole block, 2 description rows, progress, output, the rest of
 * the description; `failed`: as `follow` but the whole description before the block.
 * The sum of the result never exceeds `max(2, height)` (parts shrink to 0 first).
 */
export function panelRows(height: number, wants: PanelWants, mode: PanelMode = 'follow'): PanelRows {
	let left = Math.max(0, height - 2);
	const take = (want: number): number => {
		const got = Math.max(0, Math.min(want, left));
		left -= got;
		return got;
	};
	const title = 1 + take(Math.min(wants.title, 2) - 1);
	const status = 1 + take(Math.min(wants.status, 2) - 1);
	if (mode === 'decide') {
		const block = take(wants.block);
		const description = take(Math.min(wants.description, 2));
		const progress = take(wants.progress > 0 ? 1 : 0);
		const outputHeading = take(wants.output > 0 ? 1 : 0);
		const output = take(outputHeading ? wants.output : 0);
		return {title, status, block, progress, outputHeading, output, description: description + take(wants.description - description)};
	}
	const progress = take(wants.progress > 0 ? 1 : 0);
	const outputHeading = take(wants.output > 0 ? 1 : 0);
	const outputMin = take(outputHeading ? Math.min(wants.output, 3) : 0);
	const description = take(mode === 'failed' ? wants.description : Math.min(wants.description, 2));
	// With output to show, a long script gets at most half of what is left, or more
	// when the output needs fewer rows than the other half (no empty rows below a cut script).
	const outputRest = outputHeading ? wants.output - outputMin : 0;
	const block = take(outputHeading ? Math.min(wants.block, Math.max(1, Math.ceil(left / 2), left - outputRest)) : wants.block);
	const output = outputMin + take(outputRest);
	return {title, status, block, progress, outputHeading, output, description: description + take(wants.description - description)};
}

/** A window of rows scrolled to `start`, with the rows hidden above and below (see {@link scrollWindow}). */
export interface ScrollWindow extends ListWindow {
	/** The largest useful scroll offset (0 when everything fits). */
	maxOffset: number;
}

/**
 * The part of `total` rows shown in `height` rows when scrolled to `offset`
 * (clamped), counting one row for each "more above" / "more below" marker (none
 * when `height` < 3). The result never needs more than `height` rows.
 */
export function scrollWindow(total: number, height: number, offset: number): ScrollWindow {
	const rows = Math.max(0, Math.floor(height));
	if (total <= rows) return {start: 0, end: total, above: 0, below: 0, maxOffset: 0};
	if (rows < 3) {
		const maxOffset = total - rows;
		const start = Math.max(0, Math.min(maxOffset, offset));
		return {start, end: start + rows, above: start, below: total - start - rows, maxOffset};
	}
	// The last window has a marker above and none below.
	const maxOffset = total - (rows - 1);
	const start = Math.max(0, Math.min(maxOffset, offset));
	let content = rows - (start > 0 ? 1 : 0);
	if (start + content < total) content -= 1;
	const end = Math.min(total, start + content);
	return {start, end, above: start, below: total - end, maxOffset};
}

/** What the gate panel (the step that just ended, then the next one) would like to show, in rows. */
export interface GatePanelWants {
	/** Rows of the ended step's status (1, or 2 when it wraps). */
	status: number;
	/** Output lines of the ended step available. */
	output: number;
	/** Description lines of the next step. */
	nextDescription: number;
	/** Rows of the next step's command and variables (wrapped). */
	nextBlock: number;
}

/** Rows of the gate panel given to each part (see {@link gatePanelRows}). */
export interface GatePanelRows {
	/** Rows for the ended step's output lines (below its output heading row). */
	output: number;
	nextDescription: number;
	nextBlock: number;
}

/**
 * Shares `height` rows of the gate panel. Fixed rows come first: the ended
 * step's title, its status (`wants.status` rows) and output heading, and the
 * next step's heading.
 * Then at least 2 output rows (fewer when it printed fewer), the next step's
 * whole command and variables (what Enter runs: cut only when they do not fit
 * even so), up to 2 description rows; the output takes what is left.
 * The sum of the result plus the fixed rows never exceeds `height` (parts shrink to 0 first).
 */
export function gatePanelRows(height: number, wants: GatePanelWants): GatePanelRows {
	let left = Math.max(0, height - 3 - Math.max(1, wants.status));
	const take = (want: number): number => {
		const got = Math.max(0, Math.min(want, left));
		left -= got;
		return got;
	};
	const outputMin = take(Math.min(wants.output, 2));
	const nextBlock = take(wants.nextBlock);
	const nextDescription = take(Math.min(wants.nextDescription, 2));
	const output = outputMin + take(wants.output - outputMin);
	return {output, nextDescription, nextBlock};
}
