# Sourced by tools/check.sh and tools/stress.sh: running totals of KTAP
# results.  Needs $top; sets pass, fail and skip.
pass=0 fail=0 skip=0

# tally NAME FILE: add FILE's KTAP results to the totals and say so.
tally() {
	local p f s
	read -r p f s < <(awk -f "$top/tools/ktap-count.awk" "$2")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "# $1: $p passed, $f failed, $s skipped"
}

# reliability MODE SERIES LOGDIR: each suite in tools/reliability/ (crash,
# low memory, ...) that needs a test VM of its own, in MODE short (make
# check) or long (make stress), on one kernel series; tallied.
reliability() {
	local suite name rc
	for suite in "$top"/tools/reliability/*.sh; do
		[ -e "$suite" ] || continue
		name=$(basename "$suite" .sh)
		echo "# $name ($1) on $2"
		"$suite" "$1" "$2" | tee "$3/rel-$2-$name"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 0 ] || grep -q '^\s*not ok' "$3/rel-$2-$name" ||
			echo "not ok 1 $name exited $rc" >> "$3/rel-$2-$name"
		tally "$name on $2" "$3/rel-$2-$name"
	done
}

# summary: the last line, and the exit status.
summary() {
	if [ "$skip" -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
