#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Malformed netlink, privileges and namespaces (rtemu_security.py), then
# unloading rtemu while readers, writers, listeners, holders and expiry
# timers are active.
. "$(dirname "$0")/lib.sh"

require_rtemu
load_rtemu
"$RTEMU_PY" "$(dirname "$0")/rtemu_security.py"
status=$?

# Unload under load: a background client holds routes, listens, keeps
# adding and looking up, and has routes with pending expiry timers.
"$RTEMU_PY" - "$RTEMU_SPEC" >/tmp/rtemu-busy.log 2>&1 <<'PY' &
import sys, time, os
sys.path.insert(0, os.environ['KSRC'] + '/tools/net/ynl/pyynl')
from lib import YnlFamily, NlError
spec = sys.argv[1]
mon = YnlFamily(spec, '')
mon.ntf_subscribe('monitor')
y = YnlFamily(spec, '')
y.do('route-clear', {})
now = time.clock_gettime_ns(time.CLOCK_REALTIME)
for i in range(20):
    y.do('route-add', {'family': 'inet', 'dst': f'10.{i}.0.0', 'prefix-len': 16,
                       'via': '192.0.2.1', 'expires-at': now + 3600 * 10**9})
for i in range(5):
    y.do('route-hold', {'family': 'inet', 'addr': f'10.{i}.0.1'})
print('busy', flush=True)
i = 0
while True:
    try:
        y.do('route-add', {'family': 'inet', 'dst': f'11.{i // 256 % 256}.{i % 256}.0',
                           'prefix-len': 24, 'via': '192.0.2.1'})
        y.do('route-get', {'family': 'inet', 'addr': '10.1.0.1'})
        i += 1
    except NlError as e:
        print('after unload:', e.error, flush=True)
        break
    except Exception as e:  # the family is gone from the socket
        print('after unload:', type(e).__name__, e, flush=True)
        break
PY
busy=$!
for _ in $(seq 100); do grep -q busy /tmp/rtemu-busy.log && break; sleep 0.2; done
sleep 1
ktap_print_header
ktap_set_plan 2
if rmmod rtemu; then
	ktap_test_pass "rmmod while readers, writers, a listener, holds and timers are active"
else
	ktap_test_fail "rmmod while readers, writers, a listener, holds and timers are active"
	status=1
fi
wait $busy
sed 's/^/# /' /tmp/rtemu-busy.log
# Requests after the unload fail cleanly: the family is gone (ENOENT).
if grep -q "after unload: 2$" /tmp/rtemu-busy.log; then
	ktap_test_pass "requests after unload fail with ENOENT"
else
	ktap_test_fail "requests after unload fail with ENOENT"
	status=1
fi
exit $status
