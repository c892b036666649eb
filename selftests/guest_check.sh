#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest, User-Mode Linux or the VM alike (scripts/check.sh
# boots it): everything that needs the test kernel, in one boot, as KTAP.
# RTEMU_TESTS, when set, names the test programs to run instead of all of
# them (e.g. "rtemu_nl.sh rtemu_dmesg.sh").
set -u
cd "$(dirname "$0")"

. ./lib.sh
begin_tests_log

run_tests() {
	if [ -n "${RTEMU_TESTS:-}" ]; then
		make --no-print-directory KSRC="$KSRC" TEST_PROGS="$RTEMU_TESTS" run_tests
	else
		make --no-print-directory KSRC="$KSRC" run_tests
	fi
}

# Each test program's wall time, as a diagnostic after its result.
run_tests 2>&1 | {
	last=$SECONDS
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"ok "*" selftests: "* | "not ok "*" selftests: "*)
			test=${line##*: }
			printf '# %s took %d s\n' "${test%% *}" $((SECONDS - last))
			last=$SECONDS
			;;
		esac
	done
}
exit "${PIPESTATUS[0]}"
