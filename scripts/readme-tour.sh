#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the README's two-minute tour exactly as written: the first ```sh block
# under "## Two-minute tour", line by line from the top of the tree, stopping
# at the first command that fails. CI runs this, so the tour cannot rot.
#
#   scripts/readme-tour.sh          run the commands
#   scripts/readme-tour.sh --print  print them only
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

commands=$(python3 - README.md <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = re.search(r"^## Two-minute tour\n(.*?)(?=^## )", text, re.S | re.M)
if not section:
    sys.exit("README.md has no '## Two-minute tour' section")
block = re.search(r"```sh\n(.*?)```", section.group(1), re.S)
if not block:
    sys.exit("the two-minute tour has no sh code block")
print(block.group(1), end="")
PY
)
[ -n "$commands" ] || { echo "readme-tour: the tour's code block is empty" >&2; exit 1; }

if [ "${1:-}" = --print ]; then
	printf '%s\n' "$commands"
	exit 0
fi

while IFS= read -r line; do
	[ -n "${line// }" ] || continue
	printf '[readme-tour] $ %s\n' "$line"
	bash -euo pipefail -c "$line"
done <<<"$commands"
