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

/** Rows of the step panel given to each part (see {@link panelRows}). */
export interface PanelRows {
	description: number;
	command: number;
	vars: number;
	progress: number;
	/** Rows for output lines, not counting the output heading row. */
	output: number;
	/** 1 when the output heading row is shown. */
	outputHeading: number;
}

/** What the step panel would like to show, in rows. */
export interface PanelWants {
	description: number;
	command: number;
	vars: number;
	progress: number;
	/** Output lines available (0 hides the output section). */
	output: number;
}

/**
 * Shares `height` rows of the step panel: the title and status rows (2) come
 * first, then progress, at least 3 output rows when there is output, the vars
 * row, up to 2 description rows and the command (at most half of the rest when
 * there is output, unless the output needs less); the output takes what is left.
 * The sum of the result plus 2 never exceeds `height` (parts shrink to 0 first).
 */
export function panelRows(height: number, wants: PanelWants): PanelRows {
	let left = Math.max(0, height - 2);
	const take = (want: number): number => {
		const got = Math.max(0, Math.min(want, left));
		left -= got;
		return got;
	};
	const progress = take(wants.progress > 0 ? 1 : 0);
	const outputHeading = take(wants.output > 0 ? 1 : 0);
	const outputMin = take(outputHeading ? Math.min(wants.output, 3) : 0);
	const vars = take(wants.vars > 0 ? 1 : 0);
	const description = take(Math.min(wants.description, 2));
	// With output to show, a long script gets at most half of what is left, or more
	// when the output needs fewer rows than the other half (no empty rows below a cut script).
	const outputRest = outputHeading ? wants.output - outputMin : 0;
	const command = take(outputHeading ? Math.min(wants.command, Math.max(1, Math.ceil(left / 2), left - outputRest)) : wants.command);
	const output = outputMin + take(outputHeading ? wants.output - outputMin : 0);
	return {description, command, vars, progress, output, outputHeading};
}

/** What the gate panel (the step that just ended, then the next one) would like to show, in rows. */
export interface GatePanelWants {
	/** Rows of the ended step's status (1, or 2 when it wraps). */
	status: number;
	/** Output lines of the ended step available. */
	output: number;
	/** Description lines of the next step. */
	nextDescription: number;
	/** Command lines of the next step. */
	nextCommand: number;
	/** 1 when the next step has variables to show. */
	nextVars: number;
}

/** Rows of the gate panel given to each part (see {@link gatePanelRows}). */
export interface GatePanelRows {
	/** Rows for the ended step's output lines (below its output heading row). */
	output: number;
	nextDescription: number;
	nextCommand: number;
	nextVars: number;
}

/**
 * Shares `height` rows of the gate panel. Fixed rows come first: the ended
 * step's title, its status (`wants.status` rows) and output heading, and the
 * next step's heading.
 * Then at least 2 output rows (fewer when it printed fewer), the next step's
 * whole command (what Enter runs: it is cut only when it does not fit even so),
 * its vars row, up to 2 description rows; the output takes what is left.
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
	const nextCommand = take(wants.nextCommand);
	const nextVars = take(wants.nextVars > 0 ? 1 : 0);
	const nextDescription = take(Math.min(wants.nextDescription, 2));
	const output = outputMin + take(wants.output - outputMin);
	return {output, nextDescription, nextCommand, nextVars};
}
