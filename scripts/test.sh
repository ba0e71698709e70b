#!/usr/bin/env bash
# `npm test`: the type check, the Debian programs the content checks run
# (scripts/content-programs.sh), and jest. The type check runs beside the other two: it needs
# neither, and on two cores it fills the time jest's workers spend waiting on git, servers and
# child processes (or apt, on a fresh machine). Its errors print after jest's report; either
# failing fails the run. Arguments go to jest (`npm test -- test/synth.test.ts`).
set -uo pipefail
cd "$(dirname "$0")/.."
tsc_log=$(mktemp)
trap 'rm -f "$tsc_log"' EXIT
node node_modules/typescript-7/bin/tsc --noEmit >"$tsc_log" 2>&1 &
tsc_pid=$!
status=0
bash scripts/content-programs.sh && node --experimental-vm-modules node_modules/jest/bin/jest.js "$@" || status=$?
if ! wait "$tsc_pid"; then
  echo "tsc --noEmit found type errors:" >&2
  cat "$tsc_log" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
