#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Route memory is charged to the memory cgroup of the task that adds routes.

A child process in a cgroup whose memory.max leaves it HEADROOM bytes adds
routes until an add fails. That add must fail with ENOMEM (and its extack),
the child must live (no OOM kill: memory.events shows none), the routes
added before must all be there and nothing of the failed one, adds from
outside the cgroup must still work, and deleting everything must give the
charges back and let the cgroup go. Run by rtemu_memcg.sh in a network
namespace of its own, with the memory controller enabled at RTEMU_CGROOT.
Prints KTAP.
"""
import mmap
import os
import struct
import sys
import time

KSRC = os.environ['KSRC']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, 'include', 'rtemu.yaml')
SCHEMA = os.path.join(KSRC, 'Documentation', 'netlink', 'genetlink.yaml')
sys.path.insert(0, os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'))
from lib import YnlFamily, NlError  # noqa: E402
from rtemu_ktap import run  # noqa: E402

ENOMEM, EEXIST = 12, 17
CGROUP = os.path.join(os.environ.get('RTEMU_CGROOT', '/sys/fs/cgroup'), f'rtemu-memcg-{os.getpid()}')
# Room the child gets above what it uses when it joins: about a thousand routes.
HEADROOM = 1 << 20
# Adds the child tries at most (10.0.0.0/24 to 10.255.255.0/24).
MAX_ADDS = 1 << 16
VIA = '192.0.2.1'

# What the child found: result layout in the shared page.
RESULT = struct.Struct('=iii200s')
state = {}
tests = []


def test(fn):
    tests.append(fn)
    return fn


def ynl():
    return YnlFamily(SPEC, SCHEMA)


def dst(i):
    return f'10.{i >> 8}.{i & 255}.0'


def add_req(i):
    return {'family': 'inet', 'dst': dst(i), 'prefix-len': 24, 'via': VIA}


def cg_read(name):
    with open(os.path.join(CGROUP, name)) as f:
        return f.read()


def cg_write(name, value):
    with open(os.path.join(CGROUP, name), 'w') as f:
        f.write(str(value))


def memory_events():
    return {k: int(v) for k, v in (line.split() for line in cg_read('memory.events').splitlines())}


def child(shared, ready_w, go_r):
    """Adds routes from inside the cgroup until one fails; reports through
    `shared` (a page charged to the parent), which needs no new memory."""
    try:
        y = ynl()
        # Warm up outside the cgroup: the loop's code paths, the error path
        # and the heap they need, so that the loop itself allocates nothing
        # new in this process once the kernel has used the cgroup up.
        for i in range(MAX_ADDS - 64, MAX_ADDS):
            y.do('route-add', add_req(i))
        try:
            y.do('route-add', add_req(MAX_ADDS - 1))
        except NlError as e:
            assert e.error == EEXIST
        y.do('route-clear', {})
        os.write(ready_w, b'r')
        assert os.read(go_r, 1) == b'g'
        added, err, msg = 0, 0, b''
        for i in range(MAX_ADDS):
            try:
                y.do('route-add', add_req(i))
            except NlError as e:
                err = e.error
                msg = ((e.nl_msg.extack or {}).get('msg') or '').encode()
                break
            added += 1
        shared[:RESULT.size] = RESULT.pack(1, added, err, msg[:200])
        os._exit(0)
    except BaseException as e:  # noqa: BLE001 - tell the parent
        shared[:RESULT.size] = RESULT.pack(2, 0, 0, repr(e).encode()[:200])
        os._exit(1)


@test
def add_in_full_cgroup_fails_with_enomem(y):
    os.mkdir(CGROUP)
    shared = mmap.mmap(-1, mmap.PAGESIZE)
    shared.write(b'\0' * mmap.PAGESIZE)  # touched here: charged outside
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child(shared, ready_w, go_r)
    state['pid'] = pid
    assert os.read(ready_r, 1) == b'r', 'the child did not get ready'
    cg_write('cgroup.procs', pid)
    base = int(cg_read('memory.current'))
    cg_write('memory.max', base + HEADROOM)
    os.write(go_w, b'g')
    start = time.monotonic()
    _, status = os.waitpid(pid, 0)
    state['pid'] = None
    seconds = time.monotonic() - start
    ok, added, err, msg = RESULT.unpack(shared[:RESULT.size])
    msg = msg.rstrip(b'\0').decode(errors='replace')
    events = memory_events()
    state.update(added=added, current=int(cg_read('memory.current')))
    print(f'# child: {added} routes in {seconds:.1f} s, then errno {err} {msg!r}; '
          f'memory.current {state["current"]} (joined at {base}, max {base + HEADROOM}); '
          f'memory.events {events}')
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, \
        f'child status {status:#x} (signal {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0}): {msg}'
    assert ok == 1, msg
    assert events['oom'] == 0 and events['oom_kill'] == 0, events
    assert events['max'] > 0, ('the cgroup never reached memory.max', events)
    assert added > 0, 'not even one route fit'
    assert err == ENOMEM, f'errno {err}, wanted ENOMEM'
    assert 'out of memory' in msg, f'extack {msg!r}'


@test
def routes_added_before_are_intact(y):
    n = state['added']
    got = [(r['dst'], r['prefix-len'], r['via']) for r in y.dump('route-list', {'family': 'inet'})]
    assert got == [(dst(i), 24, VIA) for i in range(n)], (len(got), n, got[-3:])
    assert y.do('stats-get', {})['routes-inet'] == n
    r = y.do('route-get', {'family': 'inet', 'addr': dst(n - 1)[:-1] + '1'})
    assert (r['dst'], r['prefix-len']) == (dst(n - 1), 24), r


@test
def add_outside_the_cgroup_works(y):
    n = state['added']
    y.do('route-add', add_req(n))
    y.do('route-add', {'family': 'inet6', 'dst': '2001:db8::', 'prefix-len': 32, 'via': 'fe80::1'})
    assert y.do('stats-get', {})['routes-inet'] == n + 1


@test
def delete_all_returns_the_charges_and_the_cgroup_goes(y):
    n = state['added']
    # One by one: each delete republishes, as a real table would.
    for i in range(0, n + 1):
        y.do('route-remove', {'family': 'inet', 'dst': dst(i), 'prefix-len': 24})
    y.do('route-clear', {})
    assert y.dump('route-list', {}) == []
    # The routes' memory goes back to the cgroup after RCU grace periods.
    deadline = time.monotonic() + 20
    while True:
        current = int(cg_read('memory.current'))
        if current <= state['current'] // 4 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print(f'# memory.current {current} after the deletes (was {state["current"]})')
    assert current <= state['current'] // 4, (current, state['current'])
    os.rmdir(CGROUP)


def cleanup():
    if state.get('pid'):
        os.kill(state['pid'], 9)
        os.waitpid(state['pid'], 0)
    if os.path.isdir(CGROUP):
        os.rmdir(CGROUP)


if __name__ == '__main__':
    run(tests, ynl, cleanup=cleanup)
