#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Several processes add, remove, change, look up (cloning too), hold and
release at random for a fixed time while a listener is flooded; the kernel
log check that runs after this catches any KASAN, lockdep or RCU report.

RTEMU_STRESS_SECONDS (default 30) sets the budget. Prints KTAP.
"""
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


def worker(seed, deadline, out):
    rnd = random.Random(seed)
    y = YnlFamily(SPEC, '')
    holds = []
    ops = errors = 0
    while time.time() < deadline:
        a, b = rnd.randrange(4), rnd.randrange(8)
        dst, plen = f'10.{a}.{b * 32}.0', rnd.choice([16, 24, 27])
        if plen == 16:
            dst = f'10.{a}.0.0'
        elif plen == 24:
            dst = f'10.{a}.{b * 32}.0'
        via = f'192.0.2.{rnd.randrange(1, 4)}'
        op = rnd.randrange(8)
        try:
            if op == 0:
                y.do('route-add', {'family': 'inet', 'dst': dst, 'prefix-len': plen, 'via': via,
                                   'flags': rnd.choice([[], ['cloning'], ['cloning', 'xresolve']])})
            elif op == 1:
                y.do('route-remove', {'family': 'inet', 'dst': dst, 'prefix-len': plen})
            elif op == 2:
                y.do('route-change', {'family': 'inet', 'dst': dst, 'prefix-len': plen,
                                      'new-via': via})
            elif op in (3, 4):
                y.do('route-get', {'family': 'inet', 'addr': f'10.{a}.{b * 32}.{rnd.randrange(256)}',
                                   'report': op == 4})
            elif op == 5:
                holds.append(y.do('route-hold', {'family': 'inet', 'addr': f'10.{a}.{b}.1'})['handle'])
            elif op == 6 and holds:
                y.do('route-release', {'handle': holds.pop(rnd.randrange(len(holds)))})
            elif op == 7:
                y.dump('route-list', {})
        except NlError:
            errors += 1
        ops += 1
    # Leave holds for the socket's close to release.
    y.sock.close()
    out.put((ops, errors))


def main():
    print('TAP version 13')
    print('1..3')
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
    print(f'# stress: {WORKERS} processes, {SECONDS:.0f} s, {total} operations, '
          f'{sum(r[1] for r in results)} refused as expected (EEXIST, ESRCH, ...)')
    ok = len(results) == WORKERS and all(p.exitcode == 0 for p in procs)
    print(('ok' if ok else 'not ok') + ' 1 writers, readers and holders ran to the end')
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
    print(('ok' if overrun else 'not ok') + ' 2 a listener that fell behind sees ENOBUFS')
    y = YnlFamily(SPEC, '')
    routes = y.dump('route-list', {})
    stats = y.do('stats-get', {})
    consistent = stats['routes-inet'] == len(routes) and stats['holds'] == 0
    print(f'# after: {len(routes)} routes, stats {stats}')
    print(('ok' if consistent else 'not ok') + ' 3 dump and stats agree; closed sockets left no hold')
    y.do('route-clear', {})
    sys.exit(0 if ok and overrun and consistent else 1)


if __name__ == '__main__':
    main()
