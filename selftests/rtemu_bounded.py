#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""No tenant can stall the kernel: the worst shapes of a table, built by an
unprivileged user in a user and network namespace of its own, cost work
linear in their size, and no hold of the table's writer lock visits more
than a batch.

Runs as root in the guest with rtemu loaded (rtemu_bounded.sh), which
shortens the soft-lockup, hung-task and RCU-stall thresholds meanwhile and
checks dmesg after. Each shape is built at n and 8n routes by uid 65534 in
`unshare -Urn`; the table counts the entries its writers visit
(stats writer-visits), and the test asserts the 8n run visits at most 9
times what the n run did. Counts, not timings.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

KSRC = os.environ.get('KSRC', '')
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, 'include', 'rtemu.yaml')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# n (RTEMU_BOUNDED_N) and the shapes (RTEMU_BOUNDED_SHAPES) can be chosen,
# for a run by hand at the scale of a real table.
N = int(os.environ.get('RTEMU_BOUNDED_N', '256'))
# Long requests let the writer lock go after this many visits
# (WRITER_BATCH in rust/table/mod.rs); a prefix's paths are visited together.
WRITER_BATCH = 128
ROUTER = '192.0.2.1'


# The child: runs as uid 65534 in its own user and network namespace, with
# the YNL library staged where it can read it. Builds one shape and prints
# what the table counted.
CHILD = r'''
import os, socket, struct, sys, time
staged, shape, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, staged + '/pyynl')
from lib import YnlFamily, NlError
y = YnlFamily(staged + '/rtemu.yaml', '')
fid = y.nlproto.family_id
ops = {o['name']: i for i, o in enumerate(y.yaml['operations']['list'], 1)}
route = {name: a.value for name, a in y.attr_sets['route'].attrs.items()}

def attr(name, payload, flags=0):
    a = struct.pack('=HH', 4 + len(payload), route[name] | flags) + payload
    return a + b'\0' * ((4 - len(a) % 4) % 4)

sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
sk.bind((0, 0))
sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
seq = 0

def send_all(msgs, window=64):
    """Sends each (op, body) with an ack asked, `window` in flight; returns
    the errnos in order."""
    global seq
    errs, pending = [], {}
    it = iter(msgs)
    done = False
    while not done or pending:
        while not done and len(pending) < window:
            try:
                op, body = next(it)
            except StopIteration:
                done = True
                break
            seq += 1
            payload = struct.pack('BBH', ops[op], 1, 0) + body
            sk.send(struct.pack('=LHHLL', 16 + len(payload), fid, 0x5, seq, 0) + payload)
            pending[seq] = None
        if not pending:
            break
        data = sk.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            ln, ty, _, s = struct.unpack_from('=LHHL', data, off)
            if ty == 2 and s in pending:
                errs.append(-struct.unpack_from('=i', data, off + 16)[0])
                del pending[s]
            off += max((ln + 3) & ~3, 16)
    return errs

inet = attr('family', b'\x02')
def ip(a):
    return bytes(int(x) for x in a.split('.'))
def net(i):
    return f'10.{i >> 8 & 255}.{i & 255}.0'
def spread(i):
    """Host addresses spread over 10.0.0.0/8, by the second octet first."""
    return f'10.{i & 255}.{i >> 8 & 255}.{(i >> 16) + 1}'
def host(i):
    return f'10.{i >> 8 & 255}.{i & 255}.1'
CLONING = 1 << 8   # RTF_CLONING

def stats():
    return y.do('stats-get', {})

def add_cloning_parents_with_a_clone():
    errs = send_all(('route-add', inet + attr('dst', ip(net(i))) + attr('prefix-len', b'\x18') +
                     attr('via', ip('ROUTER')) + attr('flags', struct.pack('=I', CLONING)))
                    for i in range(n))
    assert errs == [0] * n, ('adds', sorted(set(errs)))
    errs = send_all(('route-get', inet + attr('addr', ip(host(i))) + attr('report', b''))
                    for i in range(n))
    assert errs == [0] * n, ('clones', sorted(set(errs)))
    s = stats()
    assert s['clones'] == n and s['routes-inet'] == 2 * n, s

def one_parent_with_clones():
    """10.0.0.0/8, cloning, with n clones spread over it."""
    y.do('route-add', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': 'ROUTER',
                       'flags': ['cloning']})
    errs = send_all(('route-get', inet + attr('addr', ip(spread(i))) + attr('report', b''))
                    for i in range(n))
    assert errs == [0] * n, ('clones', sorted(set(errs)))
    assert stats()['clones'] == n

before = stats()
t0 = time.monotonic()
if shape == 'one-parent-removed':
    one_parent_with_clones()
    before = stats()
    t0 = time.monotonic()
    r = y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8})
    assert r['count'] == 1, r
elif shape == 'superseded':
    # A /9 over half the clones of the /8: they go (rt_fixchange), the rest
    # stay; then the /8 and its clones go, for the final check.
    one_parent_with_clones()
    before = stats()
    t0 = time.monotonic()
    y.do('route-add', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 9, 'via': 'ROUTER'})
    took = time.monotonic() - t0
    mid = stats()
    left = sum(1 for i in range(n) if (i & 255) >= 128)
    assert mid['clones'] == left, (mid, left)
    y.do('route-clear', {})
    after = stats()
    print('visits', mid['writer-visits'] - before['writer-visits'], 'runs', 0,
          'batch-max', after['writer-batch-max'], 'seconds', round(took, 3), flush=True)
    raise SystemExit(0)
elif shape == 'remove-while-unloading':
    # Built, then removed while the harness unloads the module.
    add_cloning_parents_with_a_clone()
    print('ready', flush=True)
    while not os.path.exists(sys.argv[4]):
        time.sleep(0.01)
    print('removing', flush=True)
    try:
        r = y.do('route-remove', {'family': 'inet', 'addr': 'ROUTER'})
        print('removed', r['count'], flush=True)
    except Exception as e:  # the family went first
        print('refused', type(e).__name__, e, flush=True)
    raise SystemExit(0)
elif shape == 'remove-by-address':
    add_cloning_parents_with_a_clone()
    before = stats()
    t0 = time.monotonic()
    r = y.do('route-remove', {'family': 'inet', 'addr': 'ROUTER'})
    assert r['count'] == n, r
elif shape == 'clear':
    add_cloning_parents_with_a_clone()
    before = stats()
    t0 = time.monotonic()
    r = y.do('route-clear', {})
    assert r['count'] == 2 * n, r
elif shape == 'expiry':
    # All n routes expire at one time, which must come after the last add:
    # on a busy machine the adds may take longer than any margin guessed,
    # and an add whose expires-at passed is EINVAL. Then everything is
    # cleared and tried again with twice the margin.
    margin = 2 * 10**9 + n * 2 * 10**6
    while True:
        now = time.clock_gettime_ns(time.CLOCK_REALTIME)
        at = struct.pack('=Q', now + margin)
        errs = send_all(('route-add', inet + attr('dst', ip(net(i))) + attr('prefix-len', b'\x18') +
                         attr('via', ip('ROUTER')) + attr('expires-at', at)) for i in range(n))
        late = time.clock_gettime_ns(time.CLOCK_REALTIME) >= now + margin
        if not late or margin >= 64 * 10**9:
            break
        y.do('route-clear', {})
        margin *= 2
    assert errs == [0] * n, ('adds', sorted(set(errs)), 'margin s', margin / 10**9)
    before = stats()
    t0 = time.monotonic()
    while stats()['routes-inet'] != 0:
        time.sleep(0.05)
else:
    raise SystemExit('unknown shape ' + shape)
took = time.monotonic() - t0
after = stats()
assert after['routes-inet'] == 0 and after['clones'] == 0, after
runs = after['lifetime-runs'] - before['lifetime-runs']
print('visits', after['writer-visits'] - before['writer-visits'], 'runs', runs,
      'batch-max', after['writer-batch-max'], 'seconds', round(took, 3), flush=True)
'''.replace('ROUTER', ROUTER)


def stage():
    """The YNL library and the spec where uid 65534 can read them."""
    d = tempfile.mkdtemp(prefix='rtemu-bounded-')
    shutil.copytree(os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'),
                    os.path.join(d, 'pyynl'))
    shutil.copy(SPEC, d)
    for base, dirs, files in os.walk(d):
        os.chmod(base, 0o755)
        for f in files:
            os.chmod(os.path.join(base, f), 0o644)
    return d


def run_shape(staged, shape, n):
    cmd = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
           'unshare', '--user', '--map-root-user', '--net',
           '/usr/bin/python3', '-c', CHILD, staged, shape, str(n)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    words = r.stdout.split()
    if r.returncode != 0 or 'visits' not in words:
        raise AssertionError(f'{shape} at {n}: exit {r.returncode}: {out}')
    vals = dict(zip(words[::2], words[1::2]))
    return {k: float(v) for k, v in vals.items()}


def unload_while_removing():
    """rmmod while an unprivileged namespace's long remove runs, and the
    namespace, with its table, goes right after: the module goes once the
    request is done, and the log stays clean (rtemu_bounded.sh)."""
    staged = stage()
    go = os.path.join(staged, 'go')
    cmd = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
           'unshare', '--user', '--map-root-user', '--net',
           '/usr/bin/python3', '-c', CHILD, staged, 'remove-while-unloading', str(8 * N), go]
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in child.stdout:
        lines.append(line.strip())
        if line.startswith('ready'):
            open(go, 'w').close()
        if line.startswith('removing'):
            break
    rmmod = subprocess.run(['rmmod', 'rtemu'], capture_output=True, text=True, timeout=600)
    rest, _ = child.communicate(timeout=600)
    lines += rest.split('\n')
    shutil.rmtree(staged, ignore_errors=True)
    print('TAP version 13')
    print('1..1')
    for line in lines:
        if line:
            print(f'# child: {line}')
    done = any(l == f'removed {8 * N}' for l in lines) or any(l.startswith('refused') for l in lines)
    if rmmod.returncode == 0 and child.returncode == 0 and done:
        print('ok 1 rmmod while a long remove runs and its namespace goes')
        print('# Totals: pass:1 fail:0 xfail:0 xpass:0 skip:0 error:0')
        sys.exit(0)
    print(f'# rmmod: exit {rmmod.returncode} {rmmod.stderr.strip()}; child exit {child.returncode}')
    print('not ok 1 rmmod while a long remove runs and its namespace goes')
    print('# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0')
    sys.exit(1)


def main():
    if sys.argv[1:] == ['--unload-while-removing']:
        unload_while_removing()
    staged = stage()
    shapes = os.environ.get('RTEMU_BOUNDED_SHAPES',
                            'remove-by-address clear expiry one-parent-removed superseded').split()
    print('TAP version 13')
    print(f'1..{len(shapes)}')
    failed = 0
    for i, shape in enumerate(shapes, 1):
        try:
            small = run_shape(staged, shape, N)
            large = run_shape(staged, shape, 8 * N)
            print(f'# {shape}: n={N}: {small}; 8n={8 * N}: {large}')
            # The lifetime work may run more than once for the same routes;
            # what one run visits is what must stay linear.
            per = 'runs' if shape == 'expiry' else None
            vs = small['visits'] / max(small['runs'], 1) if per else small['visits']
            vl = large['visits'] / max(large['runs'], 1) if per else large['visits']
            problems = []
            if not vs > 0:
                problems.append('the n run counted no visits')
            elif vl > 9 * vs:
                problems.append(f'8n visited {vl / vs:.1f} times what n did (at most 9)')
            # A hold visits at most a batch, and the last prefix's paths.
            for run in (small, large):
                if run['batch-max'] > WRITER_BATCH + 8:
                    problems.append(f'a hold visited {run["batch-max"]:.0f} entries')
            if problems:
                raise AssertionError('; '.join(problems))
            print(f'ok {i} {shape}: visits grow linearly, no hold above a batch')
        except Exception as e:  # noqa: BLE001 - report any failure as KTAP
            failed += 1
            for line in str(e).splitlines():
                print(f'# {line}')
            print(f'not ok {i} {shape}')
    shutil.rmtree(staged, ignore_errors=True)
    print(f'# Totals: pass:{len(shapes) - failed} fail:{failed} xfail:0 xpass:0 skip:0 error:0')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
