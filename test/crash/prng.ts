/**
 * A small seeded pseudo-random generator for the crash harness, so that a trial's
 * kill moments and choices can be drawn again from the same seed.
 */

/** A source of numbers in [0, 1), drawn from a seed. */
export interface Random {
	/** The next number in [0, 1). */
	next(): number;
	/** A whole number in [min, max] (both included). */
	int(min: number, max: number): number;
	/** True with probability `p` (0..1). */
	chance(p: number): boolean;
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): fast, and good
 * enough for spreading kill moments; not for anything secret.
 * @param seed any 32-bit integer (other numbers are truncated to 32 bits).
 */
export function seededRandom(seed: number): Random {
	let a = seed >>> 0;
	const next = (): number => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (min, max) => min + Math.floor(next() * (max - min + 1)),
		chance: p => next() < p,
	};
}

/** The seed of trial `index` of a series started with `seed` (each trial can be drawn again alone). */
export function trialSeed(seed: number, index: number): number {
	return (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca77)) >>> 0;
}
