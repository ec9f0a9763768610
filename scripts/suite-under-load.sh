#!/usr/bin/env bash
# The suite under load (issue 13): a fresh clone of COMMIT (default HEAD of this checkout), a CPU
# hog (`yes`) pinned to core 0 throughout, `.ci/run` once, then the unit and e2e projects
# PASSES-1 more times; stops at the first failure. Prints one line per run: exit code, seconds,
# load average, vitest's test counts. Logs: $DIR/pass-N[-project].log.
#   bash scripts/suite-under-load.sh [COMMIT] [PASSES=5] [DIR=/tmp/suite-under-load]
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
passes=${2:-5}
dir=${3:-/tmp/suite-under-load}
rm -rf "$dir" && git clone -q "$repo" "$dir/clone" && cd "$dir/clone" && git checkout -q "$commit" || exit 2
taskset -c 0 yes > /dev/null &
hog=$!
trap 'kill $hog' EXIT
echo "suite under load: $(git log --oneline -1 | cut -c1-72), hog on core 0, $(date -u +%T)"
line() { echo "$1: exit $2, $3 s, load $(cut -d' ' -f1-3 /proc/loadavg); $(grep -aE 'Tests ' "$4" | tail -1 | sed 's/\x1b\[[0-9;]*m//g' | xargs)"; }
start=$(date +%s); bash .ci/run > "$dir/pass-1.log" 2>&1; rc=$?
line "pass 1 (.ci/run)" $rc $(( $(date +%s) - start )) "$dir/pass-1.log"
[ $rc -eq 0 ] || exit 1
for ((i = 2; i <= passes; i++)); do
	for project in unit e2e; do
		start=$(date +%s); npx vitest run --project $project > "$dir/pass-$i-$project.log" 2>&1; rc=$?
		line "pass $i $project" $rc $(( $(date +%s) - start )) "$dir/pass-$i-$project.log"
		[ $rc -eq 0 ] || exit 1
	done
done
echo "all $passes passes passed, $(date -u +%T)"
