#!/usr/bin/env bash
# `npm test`: the type check, the Debian programs the content checks run
# (scripts/content-programs.sh), and jest, all three at once. Neither of the first two holds jest
# up: tsc fills the time jest's workers wait on git, servers and child processes, and on a fresh
# machine apt's download and unpacking (most of a minute) runs while jest does everything else;
# the suites that run apache2, php-fpm or rsyslogd wait for it (test/support/content-programs.ts).
# Type errors and a failed install print after jest's report; any failure fails the run.
# Arguments go to jest (`npm test -- test/synth.test.ts`).
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node node_modules/typescript-7/bin/tsc --noEmit >"$work/tsc.log" 2>&1 &
tsc_pid=$!
export MW_GITOPS_PROGRAMS_STATUS="$work/programs.status" MW_GITOPS_PROGRAMS_LOG="$work/programs.log"
(
  bash scripts/content-programs.sh >"$MW_GITOPS_PROGRAMS_LOG" 2>&1
  echo $? >"$work/programs.tmp"
  mv "$work/programs.tmp" "$MW_GITOPS_PROGRAMS_STATUS"
) &
programs_pid=$!
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js "$@" || status=$?
wait "$programs_pid"
if [ -s "$MW_GITOPS_PROGRAMS_LOG" ]; then cat "$MW_GITOPS_PROGRAMS_LOG" >&2; fi
if [ "$(cat "$MW_GITOPS_PROGRAMS_STATUS")" != 0 ]; then
  echo "scripts/content-programs.sh failed: the content checks' programs are missing (above)" >&2
  [ "$status" -ne 0 ] || status=1
fi
if ! wait "$tsc_pid"; then
  echo "tsc --noEmit found type errors:" >&2
  cat "$work/tsc.log" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
