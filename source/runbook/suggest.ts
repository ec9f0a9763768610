/**
 * "Did you mean" suggestions by edit distance (fastest-levenshtein).
 */
import {distance} from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, compared case-insensitively, or undefined when none is
 * close enough: at most max(2, a third of the longer word's length) edits, and fewer edits
 * than the word has characters (so `x` does not suggest `id`).
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
	const lower = word.toLowerCase();
	let best: string | undefined;
	let bestDistance = Number.POSITIVE_INFINITY;
	for (const candidate of candidates) {
		const d = distance(lower, candidate.toLowerCase());
		if (d < bestDistance) {
			best = candidate;
			bestDistance = d;
		}
	}
	if (best === undefined) return undefined;
	const limit = Math.max(2, Math.ceil(Math.max(word.length, best.length) / 3));
	return bestDistance <= limit && bestDistance < word.length ? best : undefined;
}

/** Lists words for a message: `a, b or c`. */
export function listWords(words: readonly string[], conjunction = 'or'): string {
	if (words.length <= 1) return words.join('');
	return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}
