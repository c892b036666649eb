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
ktap_set_plan 4
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

# A dump in progress holds a reference on the module: rmmod is refused until
# the dump ends (delete_module fails with EWOULDBLOCK; kmod's rmmod says the
# module is in use), then succeeds.
load_rtemu
rm -f /tmp/rtemu-dump.go
"$RTEMU_PY" - "$RTEMU_SPEC" >/tmp/rtemu-dump.log 2>&1 <<'PY' &
import os, socket, struct, sys, time
sys.path.insert(0, os.environ['KSRC'] + '/tools/net/ynl/pyynl')
from lib import YnlFamily
y = YnlFamily(sys.argv[1], '')
y.do('route-clear', {})
for i in range(1000):
    y.do('route-add', {'family': 'inet', 'dst': f'10.{i // 256}.{i % 256}.0',
                       'prefix-len': 24, 'via': '192.0.2.1'})
NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR = 0x1, 0x300, 3, 2
sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
sk.bind((0, 0))
cmd = [i for i, o in enumerate(y.yaml['operations']['list'], 1) if o['name'] == 'route-list'][0]
sk.send(struct.pack('=LHHLL', 20, y.nlproto.family_id, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) +
        struct.pack('BBH', cmd, 1, 0))
def routes(data):
    n, off, done = 0, 0, False
    while off + 16 <= len(data):
        ln, ty = struct.unpack_from('=LH', data, off)
        done |= ty in (NLMSG_DONE, NLMSG_ERROR)
        n += ty not in (NLMSG_DONE, NLMSG_ERROR)
        off += (ln + 3) & ~3
    return n, done
got, done = routes(sk.recv(1 << 20))
print('dumping', got, 'done' if done else 'unfinished', flush=True)
while not os.path.exists('/tmp/rtemu-dump.go'):
    time.sleep(0.1)
while not done:
    n, done = routes(sk.recv(1 << 20))
    got += n
print('dumped', got, flush=True)
sk.close()
PY
dumper=$!
for _ in $(seq 1500); do grep -q dumping /tmp/rtemu-dump.log && break; sleep 0.2; done
refused=$("$RTEMU_PY" -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(176, b"rtemu", os.O_NONBLOCK)  # __NR_delete_module on x86-64
print(0 if r == 0 else ctypes.get_errno())')
touch /tmp/rtemu-dump.go
wait $dumper
sed 's/^/# /' /tmp/rtemu-dump.log
if grep -q "dumping .* unfinished" /tmp/rtemu-dump.log && [ "$refused" = 11 ]; then
	ktap_test_pass "rmmod during an unfinished dump is refused (EWOULDBLOCK)"
else
	ktap_test_fail "rmmod during an unfinished dump is refused (EWOULDBLOCK), got errno $refused"
	status=1
fi
if grep -q "dumped 1000$" /tmp/rtemu-dump.log && rmmod rtemu; then
	ktap_test_pass "the dump completes, then rmmod succeeds"
else
	ktap_test_fail "the dump completes, then rmmod succeeds"
	status=1
fi
exit $status
