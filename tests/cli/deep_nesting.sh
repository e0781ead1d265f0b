#!/usr/bin/env bash
# Runs `topo CMD` on deeply nested files generated in a temp dir, printing for
# each "CMD FILE -> exit N" and the first line of its output. The deep ones
# (10,000 and 100,000 levels of brackets, of objects, and of a JSON file they
# import) must each end in a load error (exit 2) naming the file; ok_200 (200
# levels, evaluated) must load. Used by the deep_nesting_*.case files.
set -uo pipefail
topo="$1"
cmd="$2"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
repeat() { head -c "$2" </dev/zero | tr '\0' "$1"; }
repeat_str() { printf -- "$1%.0s" $(seq "$2"); }  # $1 holds no % or backslash
topology() {  # a valid topology whose topic description evaluates $1 in full
  printf "local topo = import 'topo.libsonnet';\nlocal deep = %s;\n" "$1"
  printf "topo.topology('deep', { topics: { a: topo.topic(description=std.toString(deep)) }, nodes: { s: topo.source('a') } })\n"
}
for n in 10000 100000; do
  { repeat '[' "$n"; repeat ']' "$n"; echo; } >"$dir/brackets_$n.jsonnet"
  { repeat_str '{a:' "$n"; echo -n 1; repeat '}' "$n"; echo; } >"$dir/objects_$n.jsonnet"
  { repeat_str '{"a":' "$n"; echo -n 1; repeat '}' "$n"; echo; } >"$dir/data_$n.json"
  topology "import 'data_$n.json'" >"$dir/imports_$n.jsonnet"
done
topology "$(repeat '[' 200; repeat ']' 200)" >"$dir/ok_200.jsonnet"
files="brackets_10000 brackets_100000 objects_10000 objects_100000 imports_10000 imports_100000"
[ "$cmd" != run ] && files="$files ok_200"
for f in $files; do
  extra=()
  [ "$cmd" = run ] && extra=(--data-dir "$dir/data" --http-port -1)
  out=$("$topo" "$cmd" "$dir/$f.jsonnet" "${extra[@]}" 2>&1)
  echo "$cmd $f.jsonnet -> exit $?"
  head -n 1 <<<"$out"
done
