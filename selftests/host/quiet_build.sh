#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Long steps are quiet (run_logged in scripts/lib.sh): the whole output goes
# to the log, the terminal gets one line with the step's progress, redrawn
# in place on a terminal; a failure shows the log's last 40 lines and its
# path and keeps the step's exit status; RTEMU_VERBOSE=1 and V=1 show
# everything.
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export RTEMU_CACHE=$dir
unset V RTEMU_VERBOSE

# A step that prints 200 lines, the 200th its last, and says how far it got.
print_lines() { for i in $(seq 200); do echo "line $i"; done; }
step() {
	print_lines
	exit "${1:-0}"
}
count_progress() { printf '%d lines' "$(grep -c '^line ' "$1")"; }
# On a terminal: a step that ends only once its line was drawn with all 200
# lines counted (the progress function leaves a mark beside the step's log,
# each run its own), however busy the machine.
mark_progress() {
	[ "$(grep -c '^line ' "$1")" != 200 ] || touch "${1%.log}.drawn"
	count_progress "$1"
}
until_drawn() {
	print_lines
	until [ -e "$1" ]; do sleep 0.1; done
}
# The inner shells source these from a file: script(1) starts its command
# with the user's $SHELL, and dash drops exported bash functions.
steps=$dir/steps.sh
{
	printf '. %q\n' "$root/scripts/lib.sh"
	declare -f print_lines step count_progress mark_progress until_drawn
} >"$steps"

out=$(bash -c '. "$1"; run_logged "quiet step" "$2" count_progress step 0' _ "$steps" "$dir/ok.log" 2>&1)
st=$?
[ $st = 0 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q 'quiet step: done in' <<<"$out" &&
	[ "$(wc -l <"$dir/ok.log")" = 200 ] &&
	ok "a step that succeeds: one line on the terminal, its 200 lines in the log" ||
	fail "a step that succeeds: exit $st, printed: $out"

out=$(bash -c '. "$1"; run_logged "failing step" "$2" - step 7' _ "$steps" "$dir/fail.log" 2>&1)
st=$?
[ $st = 7 ] && grep -qx 'line 200' <<<"$out" && grep -qx 'line 161' <<<"$out" && ! grep -qx 'line 160' <<<"$out" &&
	grep -q "failed; the whole output is in $dir/fail.log" <<<"$out" &&
	ok "a step that fails: its exit status (7), the log's last 40 lines and its path" ||
	fail "a step that fails: exit $st, printed: $out"

# The step's own TERM and INT traps go when it ends; the caller's come back.
# A shell started with SIGINT ignored (a background job of a script, as CI
# may start this) cannot trap it, so the caller gets the default action.
out=$(env --default-signal=INT bash -c '. "$1"; trap "echo caller" INT; run_logged "trapped step" "$2" - true 2>/dev/null; trap -p INT' _ "$steps" "$dir/trap.log")
grep -q "echo caller" <<<"$out" && ok "the caller's INT trap is back after a step" || fail "the caller's INT trap after a step: '$out'"

for verbose in RTEMU_VERBOSE=1 V=1; do
	out=$(env "$verbose" bash -c '. "$1"; run_logged "loud step" "$2" - step 0' _ "$steps" "$dir/loud.log" 2>&1)
	st=$?
	[ $st = 0 ] && grep -qx 'line 1' <<<"$out" && grep -qx 'line 200' <<<"$out" &&
		ok "$verbose shows the whole output" || fail "$verbose: exit $st, printed: $out"
	# Without the caller's pipefail too, the step's status and not tee's.
	env "$verbose" bash -c '. "$1"; run_logged "loud step" "$2" - step 7' _ "$steps" "$dir/loud.log" >/dev/null 2>&1
	st=$?
	[ $st = 7 ] && ok "$verbose keeps a failing step's status (7)" || fail "$verbose: a failing step gave $st"
done

# On a terminal the line is redrawn in place, with the progress the step
# reports.
if command -v script >/dev/null; then
	out=$(script -qec "bash -c '. \"$steps\"; run_logged tty-step \"$dir/tty.log\" mark_progress until_drawn \"$dir/tty.drawn\"'" /dev/null)
	grep -q $'\r\033\\[K\\[[0-9:]*\\] tty-step: 200 lines, [0-9]s' <<<"$out" && grep -q 'tty-step: done in' <<<"$out" &&
		ok "on a terminal: the line redrawn in place with the progress" ||
		fail "on a terminal: $(od -c <<<"$out" | head -n 8)"
	# A line wider than the terminal would wrap, and only its last row be
	# redrawn: each drawing fits.
	out=$(script -qec "stty cols 50; bash -c '. \"$steps\"; run_logged \"a step whose label is longer than fifty columns\" \"$dir/wide.log\" mark_progress until_drawn \"$dir/wide.drawn\"'" /dev/null)
	widest=$(sed 's/\r\x1b\[K/\n/g' <<<"$out" | grep -v ': done in' | awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }')
	[ "$widest" -gt 0 ] && [ "$widest" -le 49 ] &&
		ok "on a 50-column terminal each drawing fits ($widest columns)" ||
		fail "on a 50-column terminal a drawing took $widest columns: $(od -c <<<"$out" | head -n 12)"
else
	fail "script(1) is missing (util-linux)"
fi
[ $fails -eq 0 ]
