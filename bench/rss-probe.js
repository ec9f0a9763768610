/**
 * Preloaded into the measured node process (`node --import bench/rss-probe.js ...`):
 * when the process exits, writes JSON to the file named by BENCH_RSS_FILE:
 * `{"maxRssKb": <peak resident set size, KB, from process.resourceUsage()>,
 *   "heapUsedMb": <V8 heap in use at exit, MB>, "newSpaceMb": <V8 young
 *   generation size at exit, MB>}`. The CLI ends with `process.exit`, which
 * still emits 'exit'.
 */
import fs from 'node:fs';
import v8 from 'node:v8';

const file = process.env.BENCH_RSS_FILE;
if (file) {
	// Steps must not inherit the probe's settings.
	delete process.env.BENCH_RSS_FILE;
	process.on('exit', () => {
		const MB = 1024 * 1024;
		const newSpace = v8.getHeapSpaceStatistics().find(space => space.space_name === 'new_space');
		const report = {
			maxRssKb: process.resourceUsage().maxRSS,
			heapUsedMb: Math.round(process.memoryUsage().heapUsed / MB),
			newSpaceMb: Math.round((newSpace?.space_size ?? 0) / MB),
		};
		fs.writeFileSync(file, JSON.stringify(report));
	});
}
