# Counts the leaf results of a nested KTAP stream: "PASS FAIL SKIP".
# A result line indented under a parent counts; a parent counts itself only
# when nothing was nested under it, or when it failed with no failing child
# (a test program that crashed or hung after its last result).
function leaf(line) {
	if (line ~ /# *SKIP/)
		skip++
	else if (line ~ /^[ \t]*not ok /)
		fail++
	else
		pass++
}
/^[ \t]+(not )?ok [0-9]+/ {
	nested++
	if ($0 ~ /^[ \t]+not ok / && $0 !~ /# *SKIP/)
		nested_fail++
	leaf($0)
	next
}
/^(not )?ok [0-9]+/ {
	if (!nested)
		leaf($0)
	else if ($0 ~ /^not ok / && !nested_fail)
		fail++
	nested = nested_fail = 0
}
END { printf "%d %d %d\n", pass, fail, skip }
