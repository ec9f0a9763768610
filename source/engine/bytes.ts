/**
 * The program's one byte formatter: sizes of logs, of files copied to and from a pod, of
 * streams sent to it. Binary units named as IEC 80000-13 names them (KiB, MiB), since
 * every size is counted in powers of 1024.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * A size in bytes for people: `512 B`, `9.5 KiB`, `412 MiB`, `1.0 GiB` (one decimal below
 * 10 of a unit, whole above; 1023.9 MiB reads `1.0 GiB`, not `1024 MiB`).
 */
export function formatBytes(bytes: number): string {
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	if (unit === 0) return `${bytes} B`;
	if (value >= 1023.5 && unit < UNITS.length - 1) return `1.0 ${UNITS[unit + 1]}`;
	return value < 10 ? `${value.toFixed(1)} ${UNITS[unit]}` : `${Math.round(value)} ${UNITS[unit]}`;
}
