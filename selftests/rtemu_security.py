#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Malformed netlink, privileges and isolation, and unloading under load.

Runs as root in the VM with rtemu loaded (rtemu_security.sh). Prints KTAP;
the malformed-message catalogue reports how many cases it checked.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

KSRC = os.environ['KSRC']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, 'include', 'rtemu.yaml')
PYYNL = os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl')
sys.path.insert(0, PYYNL)
from lib import YnlFamily, NlError  # noqa: E402
from rtemu_ktap import check, run  # noqa: E402

EPERM, ENOENT, EINVAL, ERANGE, EOPNOTSUPP = 1, 2, 22, 34, 95
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLMSG_ERROR = 2

tests = []


def test(fn):
    tests.append(fn)
    return fn


def ynl():
    return YnlFamily(SPEC, '')


def attr(ty, payload, flags=0):
    a = struct.pack('=HH', 4 + len(payload), ty | flags) + payload
    return a + b'\0' * ((4 - len(a) % 4) % 4)


class Raw:
    """A raw generic netlink socket for hand-made messages."""

    def __init__(self, family_id):
        self.fid = family_id
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
        self.sk.bind((0, 0))
        self.sk.settimeout(2)
        self.seq = 0

    def send(self, cmd, body=b'', version=1, flags=NLM_F_REQUEST | NLM_F_ACK,
             length=None, genl=True, mtype=None):
        self.seq += 1
        payload = (struct.pack('BBH', cmd, version, 0) if genl else b'') + body
        n = 16 + len(payload) if length is None else length
        msg = struct.pack('=LHHLL', n, self.fid if mtype is None else mtype, flags,
                          self.seq, 0) + payload
        self.sk.send(msg)
        return self.seq

    def errno(self, seq):
        """The errno of the ack of `seq` (0 for success), or None for none."""
        deadline = time.time() + 2
        while time.time() < deadline:
            try:
                data = self.sk.recv(65536)
            except socket.timeout:
                return None
            off = 0
            while off + 16 <= len(data):
                n, mtype, _, mseq = struct.unpack_from('=LHHL', data, off)
                if mtype == NLMSG_ERROR and mseq == seq:
                    return -struct.unpack_from('=i', data, off + 16)[0]
                off += max((n + 3) & ~3, 16)
        return None


def cmd_of(y, name):
    return [i for i, o in enumerate(y.yaml['operations']['list'], 1) if o['name'] == name][0]


@test
def malformed_messages_fail_with_specific_errnos(y):
    fid = y.nlproto.family_id
    add = cmd_of(y, 'route-add')
    ntf = cmd_of(y, 'add-ntf')
    fam = attr(2, b'\x02\0\0\0'[:1])      # family: inet (u8)
    dst = attr(3, bytes([10, 0, 0, 0]))
    plen = attr(4, b'\x08')
    via = attr(5, bytes([192, 0, 2, 1]))
    good = fam + dst + plen + via
    cases = [
        # (description, expected errno or None for "no answer", send args)
        ('no generic netlink header', EINVAL, dict(cmd=0, genl=False)),
        ('unknown command', EOPNOTSUPP, dict(cmd=200)),
        ('a notification sent as a request', EOPNOTSUPP, dict(cmd=ntf)),
        ('newer family version', EINVAL, dict(cmd=add, body=good, version=9)),
        ('attribute shorter than its header', EINVAL, dict(cmd=add, body=good + b'\x02\0\x05\0')),
        ('attribute longer than the message', EINVAL,
         dict(cmd=add, body=good + struct.pack('=HH', 200, 3) + b'\0' * 4)),
        ('u8 attribute carried in 4 bytes', EINVAL,
         dict(cmd=add, body=attr(2, b'\x02\0\0\0') + dst + plen + via)),
        ('dst longer than 16 bytes', ERANGE, dict(cmd=add, body=fam + attr(3, b'\0' * 17) + plen + via)),
        ('unknown attribute type', EINVAL, dict(cmd=add, body=good + attr(99, b'\0\0\0\0'))),
        ('attribute the op does not take', EINVAL, dict(cmd=add, body=good + attr(22, bytes(4)))),
        ('NLA_F_NESTED on a plain attribute', EINVAL,
         dict(cmd=add, body=fam + attr(3, bytes([10, 0, 0, 0]), 0x8000) + plen + via)),
        ('garbage as a nest', EINVAL, dict(cmd=add, body=good + attr(3, b'\x07\0\x01', 0x8000))),
        ('unknown family value', EINVAL, dict(cmd=add, body=attr(2, b'\x07') + dst + plen + via)),
        ('prefix-len above 128', ERANGE, dict(cmd=add, body=fam + dst + attr(4, b'\xff') + via)),
        ('flags outside the mask', EINVAL, dict(cmd=add, body=good + attr(6, struct.pack('=I', 1 << 30)))),
        ('missing required attribute', EINVAL, dict(cmd=add, body=fam + dst + plen)),
        ('dst of the wrong length for the family', EINVAL,
         dict(cmd=add, body=fam + attr(3, bytes(16)) + plen + via)),
        ('empty route-get', EINVAL, dict(cmd=cmd_of(y, 'route-get'))),
        ('route-release of a handle never taken', ENOENT,
         dict(cmd=cmd_of(y, 'route-release'), body=attr(18, struct.pack('=Q', 12345)))),
        ('header length beyond the buffer', None, dict(cmd=add, body=good, length=4000)),
        ('header length below the header', None, dict(cmd=add, body=good, length=8)),
        ('a message without NLM_F_REQUEST', 0, dict(cmd=add, body=good, flags=NLM_F_ACK)),
    ]
    raw = Raw(fid)
    bad = []
    for desc, want, kw in cases:
        got = raw.errno(raw.send(**kw))
        if got != want:
            bad.append(f'{desc}: errno {got}, wanted {want}')
    # The socket and the family still work after all that.
    raw.sk.close()
    y.do('route-clear', {})
    check(not bad, bad)
    print(f'# malformed-message catalogue: {len(cases)} cases')


def stage_ynl():
    """Copies of the YNL library and the spec readable by an unprivileged
    user (the venv and the kernel tree live under /root)."""
    d = tempfile.mkdtemp(prefix='rtemu-ynl-')
    shutil.copytree(PYYNL, os.path.join(d, 'pyynl'))
    shutil.copy(SPEC, d)
    os.chmod(d, 0o755)
    for base, dirs, files in os.walk(d):
        for n in dirs:
            os.chmod(os.path.join(base, n), 0o755)
        for n in files:
            os.chmod(os.path.join(base, n), 0o644)
    return d


CHILD = r'''
import sys
sys.path.insert(0, sys.argv[1] + '/pyynl')
from lib import YnlFamily, NlError
y = YnlFamily(sys.argv[1] + '/rtemu.yaml', '')
ops = [
    ('route-add', {'family': 'inet', 'dst': '10.9.0.0', 'prefix-len': 16, 'via': '192.0.2.1'}),
    ('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8}),
    ('route-clear', {}),
    ('route-change', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'new-via': '192.0.2.9'}),
    ('route-hold', {'family': 'inet', 'addr': '10.0.0.1'}),
    ('route-release', {'handle': 1}),
    ('route-get', {'family': 'inet', 'addr': '10.1.2.3', 'report': True}),
    ('route-get', {'family': 'inet', 'addr': '10.0.0.1'}),
    ('stats-get', {}),
]
for op, req in ops:
    try:
        y.do(op, req)
        print(op, 0)
    except NlError as e:
        print(op, e.error)
print('list', len(y.dump('route-list', {})))
'''


def run_child(prefix, staged):
    r = subprocess.run(prefix + ['/usr/bin/python3', '-c', CHILD, staged],
                       capture_output=True, text=True, timeout=300)
    return r.stdout.split('\n'), r.stdout + r.stderr


@test
def a_non_root_user_reads_but_changes_nothing(y):
    y.do('route-clear', {})
    y.do('route-add', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': '192.0.2.1'})
    y.do('route-add', {'family': 'inet', 'dst': '10.1.0.0', 'prefix-len': 16, 'via': '192.0.2.1',
                       'flags': ['cloning']})
    staged = stage_ynl()
    lines, out = run_child(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], staged)
    want = ['route-add 1', 'route-remove 1', 'route-clear 1', 'route-change 1', 'route-hold 1',
            'route-release 1', 'route-get 1', 'route-get 0', 'stats-get 0', 'list 2']
    check(lines[:len(want)] == want, out)
    check(len(y.dump('route-list', {})) == 2, 'nothing changed')


@test
def a_user_namespace_administers_only_its_own_table(y):
    y.do('route-clear', {})
    y.do('route-add', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': '192.0.2.1'})
    y.do('route-add', {'family': 'inet', 'dst': '10.1.0.0', 'prefix-len': 16, 'via': '192.0.2.1',
                       'flags': ['cloning']})
    staged = stage_ynl()
    # Root of a new user namespace, still in the initial network namespace:
    # no CAP_NET_ADMIN over it.
    lines, out = run_child(['unshare', '--user', '--map-root-user'], staged)
    check(lines[0] == 'route-add 1' and lines[2] == 'route-clear 1', out)
    # With a network namespace of its own, it administers that table.
    lines, out = run_child(['unshare', '--user', '--map-root-user', '--net'], staged)
    check(lines[0] == 'route-add 0', out)
    check(lines[1] == 'route-remove 3', ('its table has no 10/8', out))
    check(lines[-2] == 'list 0' or lines[-1] == 'list 0' or 'list 0' in lines, out)
    check(len(y.dump('route-list', {})) == 2, 'the initial table is untouched')


@test
def a_namespace_going_away_frees_its_table(y):
    staged = stage_ynl()
    prog = CHILD.replace("print('list'", "[y.do('route-add', {'family': 'inet', 'dst': f'10.{i}.0.0', "
                         "'prefix-len': 16, 'via': '192.0.2.1'}) for i in range(50)]\nprint('list'")
    r = subprocess.run(['unshare', '--net', '/usr/bin/python3', '-c', prog, staged],
                       capture_output=True, text=True, timeout=300)
    check('list 50' in r.stdout or 'list 51' in r.stdout, r.stdout + r.stderr)
    # The table's entries are freed (kmemleak in rtemu_dmesg.sh would see a
    # leak); the initial namespace is unaffected.
    check(y.do('stats-get', {})['routes-inet'] == 2)


def main():
    run(tests, ynl)


if __name__ == '__main__':
    main()
