# SPDX-License-Identifier: GPL-2.0
# Sourced by the host tests: the tree's root ($root), the project's shell
# library, and "# ok:" / "# FAIL:" lines, the failures counted in $fails.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
. "$root/scripts/lib.sh"
fails=0
ok() { echo "# ok: $*"; }
fail() { echo "# FAIL: $*"; fails=$((fails + 1)); }
