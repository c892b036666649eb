#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Several processes add, remove, change, look up (cloning too), hold and
release at random for a fixed time while a listener is flooded; each
refusal must be one its operation can get here. The kernel log check that
runs after this catches any KASAN, lockdep or RCU report.

RTEMU_STRESS_SECONDS (default 30) sets the budget. Prints KTAP.
"""
import collections
import errno
import multiprocessing
import os
import random
import socket
import sys
import time

KSRC = os.environ['KSRC']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, 'include', 'rtemu.yaml')
sys.path.insert(0, os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'))
from lib import YnlFamily, NlError  # noqa: E402

SECONDS = float(os.environ.get('RTEMU_STRESS_SECONDS', '30'))
WORKERS = 4

# The refusals each operation can get under this stress, with the extack
# text that tells each from the same errno for another reason (a malformed
# request is EINVAL too). Nothing else may fail: not route-release (each
# handle is this socket's and released once), not route-list, and not with
# ENOSPC for a full table: the stress makes at most 4 * (1 + 8 + 8) * 3 = 204
# paths and 4 * 8 * 256 = 8,192 clones, and rtemu_stress.sh loads the module
# with max_routes at its default, 1,048,576.
REFUSALS = {
    'route-add': {errno.EEXIST: 'the route exists'},
    'route-remove': {errno.ESRCH: 'no such route'},
    'route-change': {errno.ESRCH: 'no such route',
                     errno.EINVAL: 'the prefix has several paths'},
    'route-get': {errno.ENETUNREACH: 'no route to addr'},
    'route-hold': {errno.ENETUNREACH: 'no route to addr'},
}
# max_holds at its default: a worker holding that many gets ENOSPC.
MAX_HOLDS = 1024
# Unexpected errors each worker reports in full.
UNEXPECTED_SHOWN = 5


def refusal_expected(op, e, held):
    """Whether `op` may fail with NlError `e` here, `held` being the
    worker's holds when it sent `op`."""
    text = REFUSALS.get(op, {}).get(e.error)
    if op == 'route-hold' and e.error == errno.ENOSPC and held >= MAX_HOLDS:
        text = 'max_holds'
    return text is not None and text in (e.nl_msg.extack or {}).get('msg', '')


def request(rnd, holds):
    """A random request, (operation, attributes); None for a release with
    nothing held."""
    a, b = rnd.randrange(4), rnd.randrange(8)
    dst, plen = f'10.{a}.{b * 32}.0', rnd.choice([16, 24, 27])
    if plen == 16:
        dst = f'10.{a}.0.0'
    elif plen == 24:
        dst = f'10.{a}.{b * 32}.0'
    via = f'192.0.2.{rnd.randrange(1, 4)}'
    op = rnd.randrange(8)
    if op == 0:
        return 'route-add', {'family': 'inet', 'dst': dst, 'prefix-len': plen, 'via': via,
                             'flags': rnd.choice([[], ['cloning'], ['cloning', 'xresolve']])}
    if op == 1:
        return 'route-remove', {'family': 'inet', 'dst': dst, 'prefix-len': plen}
    if op == 2:
        return 'route-change', {'family': 'inet', 'dst': dst, 'prefix-len': plen, 'new-via': via}
    if op in (3, 4):
        return 'route-get', {'family': 'inet', 'addr': f'10.{a}.{b * 32}.{rnd.randrange(256)}',
                             'report': op == 4}
    if op == 5:
        return 'route-hold', {'family': 'inet', 'addr': f'10.{a}.{b}.1'}
    if op == 6:
        if not holds:
            return None
        return 'route-release', {'handle': holds.pop(rnd.randrange(len(holds)))}
    return 'route-list', {}


def worker(seed, deadline, out):
    rnd = random.Random(seed)
    y = YnlFamily(SPEC, '')
    holds = []
    ops = 0
    refused = collections.Counter()
    # The first few unexpected errors, and how many there were: the queue
    # carries little, so the worker never waits on it to exit.
    unexpected, unexpected_count = [], 0
    while time.time() < deadline:
        req = request(rnd, holds)
        ops += 1
        if req is None:
            continue
        op, attrs = req
        held = len(holds)
        try:
            if op == 'route-list':
                y.dump(op, attrs)
            else:
                reply = y.do(op, attrs)
                if op == 'route-hold':
                    holds.append(reply['handle'])
        except NlError as e:
            if refusal_expected(op, e, held):
                refused[f'{op} {errno.errorcode[e.error]}'] += 1
            else:
                unexpected_count += 1
                if len(unexpected) < UNEXPECTED_SHOWN:
                    unexpected.append(f'{op} {attrs}: {e}')
    # Leave holds for the socket's close to release.
    y.sock.close()
    out.put((ops, refused, unexpected, unexpected_count))


def main():
    print('TAP version 13')
    print('1..4')
    # A listener that does not read: its small buffer overflows.
    mon = YnlFamily(SPEC, '')
    mon.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    mon.ntf_subscribe('monitor')
    deadline = time.time() + SECONDS
    out = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(i, deadline, out)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(SECONDS + 300)
    results = [out.get(timeout=5) for _ in procs if not out.empty()]
    total = sum(r[0] for r in results)
    refused = sum((r[1] for r in results), collections.Counter())
    unexpected = [u for r in results for u in r[2]]
    unexpected_count = sum(r[3] for r in results)
    print(f'# stress: {WORKERS} processes, {SECONDS:.0f} s, {total} operations, '
          f'{refused.total()} refused as expected: '
          + ', '.join(f'{k} {n}' for k, n in sorted(refused.items())))
    ok = len(results) == WORKERS and all(p.exitcode == 0 for p in procs)
    print(('ok' if ok else 'not ok') + ' 1 writers, readers and holders ran to the end')
    for u in unexpected:
        print(f'# unexpected: {u}')
    if unexpected_count > len(unexpected):
        print(f'# ... {unexpected_count} unexpected errors in all')
    expected = unexpected_count == 0
    print(('ok' if expected else 'not ok')
          + ' 2 every refusal was one its operation can get under the stress')
    overrun = False
    try:
        mon.sock.setblocking(False)
        while True:
            if not mon.sock.recv(65536):
                break
    except BlockingIOError:
        pass
    except OSError as e:
        overrun = e.errno == errno.ENOBUFS
    print(('ok' if overrun else 'not ok') + ' 3 a listener that fell behind sees ENOBUFS')
    y = YnlFamily(SPEC, '')
    routes = y.dump('route-list', {})
    stats = y.do('stats-get', {})
    consistent = stats['routes-inet'] == len(routes) and stats['holds'] == 0
    print(f'# after: {len(routes)} routes, stats {stats}')
    print(('ok' if consistent else 'not ok') + ' 4 dump and stats agree; closed sockets left no hold')
    y.do('route-clear', {})
    sys.exit(0 if ok and expected and overrun and consistent else 1)


if __name__ == '__main__':
    main()
