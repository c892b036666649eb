#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The rtemu family resolves by name and matches its YNL spec.
. "$(dirname "$0")/lib.sh"

ktap_print_header
require_rtemu
ktap_set_plan 5
load_rtemu

family=$(nlctrl --output-json --do getfamily --json '{"family-name": "rtemu"}' 2>&1) ||
	ktap_exit_fail_msg "getfamily rtemu failed: $family"


# Each check is one small Python program over the spec and the reply.
# (ktap_test_result would split the program into words.)
check() {
	local desc=$1
	if out=$(py_check "$2" 2>&1); then
		ktap_test_pass "$desc"
	else
		ktap_print_msg "$out"
		ktap_test_fail "$desc"
	fi
}

py_check() {
	"$RTEMU_PY" -c "
import json, sys, yaml
spec = yaml.safe_load(open('$RTEMU_SPEC'))
fam = json.loads(sys.stdin.read())
# indexed-array attributes come as [{index: item}, ...]
items = lambda key: [v for d in fam.get(key, []) for v in d.values()]
$1
" <<<"$family"
}

check "family name and version as in the spec" "
assert fam['family-name'] == spec['name'], fam
assert fam['version'] == spec.get('version', 1), fam"

check "multicast groups monitor and resolve" "
names = sorted(g['name'] for g in items('mcast-groups'))
assert names == sorted(g['name'] for g in spec['mcast-groups']['list']), names"

# nlctrl reports each op's id and flags.
check "every request op of the spec, admin ops flagged" "
ops = {o['id']: o['flags'] for o in items('ops')}
reqs = [o for o in spec['operations']['list'] if 'do' in o or 'dump' in o]
for i, o in enumerate(spec['operations']['list'], 1):
    if o not in reqs:
        continue
    assert i in ops, (o['name'], ops)
    admin = 'uns-admin-perm' in o.get('flags', [])
    assert ('uns-admin-perm' in ops[i]) == admin, (o['name'], ops[i])
assert len(ops) == len(reqs), ops"

# Changes need CAP_NET_ADMIN: genetlink refuses before rtemu sees the request.
out=$(without_net_admin "$RTEMU_PY" "$KSRC/tools/net/ynl/pyynl/cli.py" --no-schema \
	--spec "$RTEMU_SPEC" --do route-clear --json '{}' 2>&1)
if grep -q -i "operation not permitted" <<<"$out"; then
	ktap_test_pass "route-clear without CAP_NET_ADMIN is refused with EPERM"
else
	ktap_print_msg "$out"
	ktap_test_fail "route-clear without CAP_NET_ADMIN is refused with EPERM"
fi

# Reading needs no privilege: the reply carries the table's counters.
out=$(without_net_admin "$RTEMU_PY" "$KSRC/tools/net/ynl/pyynl/cli.py" --no-schema \
	--spec "$RTEMU_SPEC" --do stats-get 2>&1)
st=$?
if [ $st = 0 ] && grep -q "'routes-inet': [0-9]" <<<"$out" && grep -q "'holds': [0-9]" <<<"$out"; then
	ktap_test_pass "stats-get without CAP_NET_ADMIN answers with the counters"
else
	ktap_print_msg "exit $st: $out"
	ktap_test_fail "stats-get without CAP_NET_ADMIN answers with the counters"
fi

unload_rtemu
ktap_finished
