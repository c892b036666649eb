#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# docs/uapi/rtemu.rst is what the kernel's ynl_gen_rst.py makes of
# include/rtemu.yaml today: regenerate it into a temporary directory and diff.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
if out=$("$root/scripts/docs.sh" --check-uapi 2>&1); then
	echo "# ok: docs/uapi/rtemu.rst matches include/rtemu.yaml"
else
	echo "# FAIL: docs/uapi/rtemu.rst drifted from include/rtemu.yaml (run make docs)"
	sed 's/^/#   /' <<<"$out" | head -n 60
	exit 1
fi
