#!/usr/bin/env bash
# Runs one CLI case file against the topo binary.
#
# A .case file is shell-like:  a `# args:` line with the topo arguments, an
# `# exit:` line with the expected exit code, and `# expect:` lines, each a
# fixed string that must appear in the combined output (stdout + stderr).
# Paths in args are relative to the repository root.
set -uo pipefail
topo="$1"
case_file="$2"
args=$(sed -n 's/^# args: //p' "$case_file")
want_exit=$(sed -n 's/^# exit: //p' "$case_file")
out=$(eval "\"$topo\" $args" 2>&1)
got_exit=$?
fail=0
if [ "$got_exit" != "$want_exit" ]; then
  echo "exit code: want $want_exit, got $got_exit"
  fail=1
fi
while IFS= read -r want; do
  [ -z "$want" ] && continue
  if ! grep -qF -- "$want" <<<"$out"; then
    echo "missing from output: $want"
    fail=1
  fi
done < <(sed -n 's/^# expect: //p' "$case_file")
if [ "$fail" -ne 0 ]; then
  echo "---- output of: topo $args"
  echo "$out"
fi
exit $fail
