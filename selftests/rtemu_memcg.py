#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Route memory is charged to the memory cgroup of the task that adds routes.

A child process in a cgroup whose memory.max leaves it HEADROOM bytes adds
routes until FAILS adds have failed (RCU frees let some adds in between
succeed, so the failures hit different allocations of an add). Every failure
must be ENOMEM with its extack, the child must live (no OOM kill:
memory.events shows none), exactly the routes whose add succeeded must be in
the table, adds from outside the cgroup must still work, and deleting
everything must give the charges back and let the cgroup go. Run by rtemu_memcg.sh in a network
namespace of its own, with the memory controller enabled at RTEMU_CGROOT.
Prints KTAP.
"""
import ctypes
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
from rtemu_ktap import check, run  # noqa: E402

ENOMEM, EEXIST = 12, 17
CGROUP = os.path.join(os.environ.get('RTEMU_CGROOT', '/sys/fs/cgroup'), f'rtemu-memcg-{os.getpid()}')
# Room the child gets above what it uses when it joins: about a thousand routes.
HEADROOM = 1 << 20
# Adds the child tries at most (10.0.0.0/24 to 10.255.255.0/24).
MAX_ADDS = 1 << 16
# Failed adds after which the child stops.
FAILS = 20
VIA = '192.0.2.1'
LIBC = ctypes.CDLL(None, use_errno=True)
MCL_CURRENT = 1

# What the child reports in the shared memory: a summary (done, adds that
# failed, the first errno other than ENOMEM, the first extack), then a byte
# per add: ADDED or FAILED.
RESULT = struct.Struct('=iii200s')
OUTCOME = mmap.PAGESIZE
ADDED, FAILED = 1, 2
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


def slab_bytes():
    """Slab memory charged to the cgroup: route objects are kmalloc'ed."""
    stat = dict(line.split() for line in cg_read('memory.stat').splitlines())
    return int(stat['slab'])


def child(shared, ready_w, go_r):
    """Adds routes from inside the cgroup until FAILS adds failed; reports
    through `shared` (memory charged to the parent), which needs no new
    memory."""
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
            check(e.error == EEXIST and (e.nl_msg.extack or {}).get('msg'))
        y.do('route-clear', {})
        # Map the shared pages into this process now (page tables are
        # charged too).
        shared[:] = bytes(len(shared))
        # Copy every page still shared with the parent since the fork now:
        # a write to one (a reference count) would otherwise fault in a
        # page charged to the full cgroup, and the OOM killer would come.
        # mlock populates private writable mappings for writing.
        if LIBC.mlockall(MCL_CURRENT) != 0:
            raise OSError(ctypes.get_errno(), 'mlockall')
        os.write(ready_w, b'r')
        check(os.read(go_r, 1) == b'g')
        fails, err, msg = 0, 0, b''
        for i in range(MAX_ADDS):
            try:
                y.do('route-add', add_req(i))
                shared[OUTCOME + i] = ADDED
            except NlError as e:
                shared[OUTCOME + i] = FAILED
                if e.error != ENOMEM and not err:
                    err = e.error
                if not msg:
                    msg = ((e.nl_msg.extack or {}).get('msg') or '').encode()
                fails += 1
                if fails == FAILS:
                    break
        shared[:RESULT.size] = RESULT.pack(1, fails, err, msg[:200])
        os._exit(0)
    except BaseException as e:  # noqa: BLE001 - tell the parent
        shared[:RESULT.size] = RESULT.pack(2, 0, 0, repr(e).encode()[:200])
        os._exit(1)


@test
def add_in_full_cgroup_fails_with_enomem(y):
    os.mkdir(CGROUP)
    shared = mmap.mmap(-1, OUTCOME + MAX_ADDS)
    shared.write(b'\0' * len(shared))  # touched here: charged outside
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child(shared, ready_w, go_r)
    state['pid'] = pid
    check(os.read(ready_r, 1) == b'r', 'the child did not get ready')
    cg_write('cgroup.procs', pid)
    base = int(cg_read('memory.current'))
    cg_write('memory.max', base + HEADROOM)
    os.write(go_w, b'g')
    start = time.monotonic()
    _, status = os.waitpid(pid, 0)
    state['pid'] = None
    seconds = time.monotonic() - start
    done, fails, err, msg = RESULT.unpack(shared[:RESULT.size])
    msg = msg.rstrip(b'\0').decode(errors='replace')
    outcome = shared[OUTCOME:]
    added = [i for i in range(MAX_ADDS) if outcome[i] == ADDED]
    first_fail = outcome.find(FAILED)
    events = memory_events()
    state.update(added=added, slab=slab_bytes())
    print(f'# child: {len(added)} routes in {seconds:.1f} s, the first failure at add {first_fail}, '
          f'{fails} failures, all ENOMEM: {not err} {msg!r}; slab {state["slab"]} '
          f'memory.current {cg_read("memory.current").strip()} (joined at {base}, max {base + HEADROOM}); '
          f'memory.events {events}')
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
          f'child status {status:#x} (signal {os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0}): {msg}')
    check(done == 1, msg)
    check(events['oom'] == 0 and events['oom_kill'] == 0, events)
    check(events['max'] > 0, ('the cgroup never reached memory.max', events))
    check(first_fail > 0, 'not even one route fit')
    check(fails == FAILS, f'only {fails} adds failed')
    check(err == 0, f'errno {err}, wanted ENOMEM')
    check('out of memory' in msg, f'extack {msg!r}')


@test
def exactly_the_added_routes_are_there(y):
    added = state['added']
    got = [(r['dst'], r['prefix-len'], r['via']) for r in y.dump('route-list', {'family': 'inet'})]
    want = [(dst(i), 24, VIA) for i in added]
    check(got == want, (len(got), len(want), sorted(set(got) ^ set(want))[:5]))
    check(y.do('stats-get', {})['routes-inet'] == len(added))
    last = added[-1]
    r = y.do('route-get', {'family': 'inet', 'addr': dst(last)[:-1] + '1'})
    check((r['dst'], r['prefix-len']) == (dst(last), 24), r)


@test
def add_outside_the_cgroup_works(y):
    n = len(state['added'])
    y.do('route-add', add_req(MAX_ADDS - 1))
    y.do('route-add', {'family': 'inet6', 'dst': '2001:db8::', 'prefix-len': 32, 'via': 'fe80::1'})
    check(y.do('stats-get', {})['routes-inet'] == n + 1)
    state['added'].append(MAX_ADDS - 1)


@test
def delete_all_returns_the_charges_and_the_cgroup_goes(y):
    # One by one: each delete republishes part of the trie.
    for i in state['added']:
        y.do('route-remove', {'family': 'inet', 'dst': dst(i), 'prefix-len': 24})
    y.do('route-clear', {})
    check(y.dump('route-list', {}) == [])
    # The routes' memory goes back to the cgroup after RCU grace periods
    # (memory.current would also count the charges cached per CPU).
    deadline = time.monotonic() + 20
    while True:
        slab = slab_bytes()
        if slab <= state['slab'] // 8 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    print(f'# slab {slab} after the deletes (was {state["slab"]})')
    check(slab <= state['slab'] // 8, (slab, state['slab']))
    os.rmdir(CGROUP)


def cleanup():
    if state.get('pid'):
        os.kill(state['pid'], 9)
        os.waitpid(state['pid'], 0)
    if os.path.isdir(CGROUP):
        os.rmdir(CGROUP)


if __name__ == '__main__':
    run(tests, ynl, cleanup=cleanup)
