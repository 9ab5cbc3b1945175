#!/bin/bash
# One kernel's part of make check: boots the test VM, runs the selftests
# (tools/run-tests.sh) and prints KTAP: the guest's own results followed by
# the host's view of the run (the VM started, finished in time, kept a clean
# console).  Exits non-zero when anything failed.
#   check-vm.sh -k 6.1|6.12|7.2|VERSION [-m MODULE.ko] [TEST...]
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mmf-check-vm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
series=${2:-}

# The guest's results as they come, then the host's view of the run.
# The guest's plan counts its own results; the host adds two after them.
"$top/tools/run-tests.sh" "$@" 2> "$tmp/err" |
	awk '!planned && /^1\.\.[0-9]+$/ { planned = 1; $0 = "1.." substr($0, 4) + 2 }
	     { print; fflush() }' | tee "$tmp/out"
rc=${PIPESTATUS[0]}
# run-vm's own verdict first (the console that follows may be long), then
# the end of the console.
if [ $rc -ne 0 ]; then
	grep '^run-vm:' "$tmp/err" | sed 's/^/# /'
	sed 's/^/# /' "$tmp/err" | tail -n 80
fi

n=$(grep -c '^\(not \)\?ok ' "$tmp/out")
ok() { if [ "$1" = 0 ]; then echo "ok $2 $3"; else echo "not ok $2 $3"; fi; }
[ $rc -ne 2 ]
ok $? $((n + 1)) "$series: the test VM starts"
[ $rc -ne 3 ] && [ $rc -ne 4 ]
ok $? $((n + 2)) "$series: the guest finishes in time, its console free of warnings, bugs and oopses"
[ $rc -eq 0 ] && ! grep -q '^\s*not ok' "$tmp/out"
