#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The rtemu family through the kernel's own YNL library and our spec only.

One process drives every operation, error and event, so a VM boot covers
many cases. Needs root, rtemu loaded, KSRC pointing at the kernel tree.
Prints KTAP.
"""
import os
import subprocess
import sys
import time

KSRC = os.environ['KSRC']
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, 'include', 'rtemu.yaml')
SCHEMA = os.path.join(KSRC, 'Documentation', 'netlink', 'genetlink.yaml')
sys.path.insert(0, os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'))
from lib import YnlFamily, NlError  # noqa: E402
from rtemu_ktap import check, run  # noqa: E402

EPERM, ENOENT, ESRCH, EEXIST, EINVAL, ENOSPC, ERANGE = 1, 2, 3, 17, 22, 28, 34
ENETUNREACH, EOVERFLOW, EADDRINUSE, EADDRNOTAVAIL = 101, 75, 98, 99
NS = 1_000_000_000

tests = []


def test(fn):
    tests.append(fn)
    return fn


def ynl():
    """A socket of the family. The first checks the spec against the
    genetlink schema; the others skip that check, which under TCG costs
    more than most tests."""
    global schema_checked
    schema = '' if schema_checked else SCHEMA
    schema_checked = True
    return YnlFamily(SPEC, schema)


schema_checked = False


def expect_err(errno, text, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except NlError as e:
        check(e.error == errno, f'errno {e.error}, wanted {errno}: {e}')
        extack = e.nl_msg.extack or {}
        msg = extack.get('msg', '')
        check(text in msg, f'extack {msg!r} lacks {text!r}')
        return e
    raise AssertionError(f'no error, wanted errno {errno}')


def add(y, dst, plen, via, **kw):
    fam = 'inet6' if ':' in dst else 'inet'
    req = {'family': fam, 'dst': dst, 'prefix-len': plen, 'via': via}
    req.update(kw)
    return y.do('route-add', req)


def routes(y, family=None):
    req = {'family': family} if family else {}
    return y.dump('route-list', req)


def get(y, addr, **kw):
    fam = 'inet6' if ':' in addr else 'inet'
    return y.do('route-get', dict({'family': fam, 'addr': addr}, **kw))


def flags(r):
    return set(r['flags']) if isinstance(r['flags'], (list, set)) else r['flags']


def clear(y):
    y.do('route-clear', {})


def listener(*groups):
    """A socket subscribed to `groups`, opened before it sends anything."""
    mon = ynl()
    # ntf_subscribe binds the socket, which works once; join the other
    # groups directly (SOL_NETLINK, NETLINK_ADD_MEMBERSHIP).
    mon.ntf_subscribe(groups[0])
    for g in groups[1:]:
        mon.sock.setsockopt(270, 1, mon.nlproto.get_mcast_id(g, mon.mcast_groups))
    return mon


def events(mon, wait=0.5):
    """The (name, attributes) of the events `mon` received within `wait` s."""
    deadline = time.time() + wait
    out = []
    while time.time() < deadline:
        mon.check_ntf()
        while not mon.async_msg_queue.empty():
            m = mon.async_msg_queue.get()
            out.append((m['name'], m['msg']))
        time.sleep(0.05)
    return out


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_REALTIME)


def unprivileged(code):
    """Runs Python `code` as root without CAP_NET_ADMIN; returns its output."""
    prog = ('import sys; sys.path.insert(0, %r); from lib import YnlFamily, NlError\n'
            'y = YnlFamily(%r, %r)\n' % (
                os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'), SPEC, '')) + code
    r = subprocess.run(['setpriv', '--bounding-set=-net_admin', '--inh-caps=-net_admin', '--',
                        sys.executable, '-c', prog], capture_output=True, text=True, timeout=300)
    return r.stdout + r.stderr


@test
def add_get_list_v4(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    add(y, '10.1.0.0', 16, '192.0.2.2')
    r = get(y, '10.1.2.3')
    check(r['dst'] == '10.1.0.0' and r['prefix-len'] == 16, r)
    check(r['via'] == '192.0.2.2', r)
    check({'up', 'gateway'} <= flags(r), r)
    r = get(y, '10.2.0.1')
    check(r['prefix-len'] == 8, r)
    lst = routes(y)
    check([(x['dst'], x['prefix-len']) for x in lst] == [('10.0.0.0', 8), ('10.1.0.0', 16)], lst)


@test
def reject_and_blackhole_routes_answer_lookups(y):
    """As rtalloc1 in FreeBSD 7: refusing or dropping is the output path's
    business, so a lookup returns such a route like any other."""
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    add(y, '10.9.0.0', 16, '192.0.2.2', flags=['reject'])
    add(y, '10.8.0.0', 16, '192.0.2.3', flags=['blackhole'])
    r = get(y, '10.9.1.1')
    check(r['prefix-len'] == 16 and 'reject' in flags(r), r)
    r = get(y, '10.8.1.1')
    check(r['prefix-len'] == 16 and 'blackhole' in flags(r), r)


@test
def add_get_v6_and_edges(y):
    clear(y)
    add(y, '::', 0, 'fe80::1')
    add(y, '2001:db8::', 32, 'fe80::2')
    add(y, '2001:db8::1', 128, 'fe80::3')
    check(get(y, '2001:db8::1')['prefix-len'] == 128)
    check(get(y, '2001:db8::2')['prefix-len'] == 32)
    check(get(y, '3000::1')['prefix-len'] == 0)
    add(y, '0.0.0.0', 0, '192.0.2.9')
    add(y, '198.51.100.7', 32, '192.0.2.9')
    check(get(y, '198.51.100.7')['prefix-len'] == 32)
    check('host' in flags(get(y, '198.51.100.7')))
    check(get(y, '198.51.100.8')['prefix-len'] == 0)
    check(len(routes(y, 'inet6')) == 3 and len(routes(y, 'inet')) == 2)


@test
def no_route_is_enetunreach(y):
    clear(y)
    expect_err(ENETUNREACH, 'no route', get, y, '10.9.9.9')


@test
def validation_errors_name_the_attribute(y):
    clear(y)
    expect_err(EINVAL, 'family is required', y.do, 'route-add',
               {'dst': '10.0.0.0', 'prefix-len': 8, 'via': '192.0.2.1'})
    expect_err(EINVAL, 'dst is required', y.do, 'route-add',
               {'family': 'inet', 'prefix-len': 8, 'via': '192.0.2.1'})
    expect_err(EINVAL, 'via is required', y.do, 'route-add',
               {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8})
    expect_err(EINVAL, 'host bits', add, y, '10.0.0.1', 8, '192.0.2.1')
    expect_err(EINVAL, 'exceeds', add, y, '10.0.0.0', 33, '192.0.2.1')
    expect_err(EINVAL, 'dst length does not match family', y.do, 'route-add',
               {'family': 'inet6', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': 'fe80::1'})
    expect_err(EINVAL, 'via length does not match family', y.do, 'route-add',
               {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': 'fe80::1'})
    expect_err(EINVAL, 'expires-at is in the past', add, y, '10.0.0.0', 8, '192.0.2.1',
               **{'expires-at': now_ns() - NS})
    t = now_ns()
    expect_err(EINVAL, 'preferred-until is after expires-at', add, y, '10.0.0.0', 8,
               '192.0.2.1', **{'expires-at': t + 100 * NS, 'preferred-until': t + 200 * NS})
    expect_err(EOVERFLOW, 'S64_MAX', add, y, '10.0.0.0', 8, '192.0.2.1',
               **{'expires-at': 2**63})
    expect_err(EINVAL, 'only cloning', add, y, '10.0.0.0', 8, '192.0.2.1',
               flags=['wascloned'])
    # Strict policies: an attribute the op does not take is refused.
    expect_err(EINVAL, 'Unknown attribute type', add, y, '10.0.0.0', 8, '192.0.2.1',
               **{'new-via': '192.0.2.9'})
    expect_err(ERANGE, 'integer out of range', y.do, 'route-add',
               {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 129, 'via': '192.0.2.1'})
    check(routes(y) == [])


@test
def duplicate_is_eexist_and_multipath(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    expect_err(EEXIST, 'exists', add, y, '10.0.0.0', 8, '192.0.2.1')
    add(y, '10.0.0.0', 8, '192.0.2.2')
    check([r['via'] for r in routes(y)] == ['192.0.2.1', '192.0.2.2'])
    expect_err(EEXIST, 'already uses new-via', y.do, 'route-change',
               {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': '192.0.2.2',
                'new-via': '192.0.2.1'})
    r = y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8,
                              'via': '192.0.2.1'})
    check(r['count'] == 1, r)
    check([r['via'] for r in routes(y)] == ['192.0.2.2'])
    expect_err(ESRCH, 'no such route', y.do, 'route-remove',
               {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8, 'via': '192.0.2.1'})
    add(y, '10.0.0.0', 8, '192.0.2.3')
    r = y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8})
    check(r['count'] == 2, r)
    check(routes(y) == [])


@test
def remove_by_address(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    add(y, '10.1.0.0', 16, '192.0.2.1')
    add(y, '10.2.0.0', 16, '192.0.2.2')
    add(y, '192.0.2.1', 32, '192.0.2.254')
    r = y.do('route-remove', {'family': 'inet', 'addr': '192.0.2.1'})
    check(r['count'] == 3, r)
    check([x['dst'] for x in routes(y)] == ['10.2.0.0'])


@test
def clear_counts_and_sends_one_event(y):
    clear(y)
    for i in range(5):
        add(y, f'10.{i}.0.0', 16, '192.0.2.1')
    add(y, '2001:db8::', 32, 'fe80::1')
    mon = listener('monitor')
    r = y.do('route-clear', {'family': 'inet'})
    check(r['count'] == 5, r)
    ev = events(mon)
    check([e[0] for e in ev] == ['clear-ntf'], ev)
    check(ev[0][1]['count'] == 5 and ev[0][1]['family'] == 'inet', ev)
    check(len(routes(y)) == 1)


@test
def events_for_add_delete_change(y):
    clear(y)
    mon = listener('monitor')
    add(y, '10.0.0.0', 8, '192.0.2.1')
    y.do('route-change', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8,
                          'new-via': '192.0.2.7'})
    y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8})
    ev = events(mon)
    check([e[0] for e in ev] == ['add-ntf', 'change-ntf', 'delete-ntf'], ev)
    check(ev[1][1]['via'] == '192.0.2.7', ev)
    check(ev[2][1]['reason'] == 'removed', ev)
    # Events count holders only, not the request's own bookkeeping.
    check([e[1]['refcnt'] for e in ev] == [0, 0, 0], ev)


@test
def cloning_and_parent_delete(y):
    clear(y)
    add(y, '10.1.0.0', 16, '192.0.2.1', flags=['cloning', 'static'])
    r = get(y, '10.1.2.3')
    check(r['prefix-len'] == 16, ('a get without report never clones', r))
    r = get(y, '10.1.2.3', report=True, ignflags=['cloning'])
    check(r['prefix-len'] == 16, ('ignflags cloning suppresses cloning', r))
    mon = listener('monitor')
    r = get(y, '10.1.2.3', report=True)
    check(r['dst'] == '10.1.2.3' and r['prefix-len'] == 32, r)
    f = flags(r)
    check({'wascloned', 'host', 'up'} <= f and 'cloning' not in f and 'static' not in f, r)
    check(r['parent-dst'] == '10.1.0.0' and r['parent-prefix-len'] == 16, r)
    check(y.do('stats-get', {})['clones'] == 1)
    parent = [x for x in routes(y) if x['prefix-len'] == 16][0]
    check(parent['refcnt'] == 0, ('a clone is no reference on its parent', parent))
    y.do('route-remove', {'family': 'inet', 'dst': '10.1.0.0', 'prefix-len': 16})
    ev = events(mon)
    names = [(e[0], e[1].get('reason')) for e in ev]
    # The clones go first, as FreeBSD's rt_fixdelete runs before the
    # parent's own delete is done.
    check(names == [('add-ntf', None), ('delete-ntf', 'parent-deleted'),
                    ('delete-ntf', 'removed')], names)
    check(ev[0][1]['refcnt'] == 0, ('the clone is not held by anyone', ev))
    check(routes(y) == [])
    check(y.do('stats-get', {})['clones'] == 0)


@test
def clones_take_no_reference_on_their_parent(y):
    # FreeBSD 7's rtfree: "NB: no refcnt on parent". refcnt and trash count
    # holders only, and change when a holder does, not after a grace period.
    clear(y)
    add(y, '10.2.0.0', 24, '192.0.2.1', flags=['cloning'])
    get(y, '10.2.0.5', report=True)
    get(y, '10.2.0.6', report=True)
    check(y.do('stats-get', {})['clones'] == 2)
    r = get(y, '10.2.0.7')
    check(r['prefix-len'] == 24 and r['refcnt'] == 0, ('two clones, no holder', r))
    h = y.do('route-hold', {'family': 'inet', 'addr': '10.2.0.5'})
    check(h['prefix-len'] == 32 and h['refcnt'] == 1, h)
    y.do('route-remove', {'family': 'inet', 'dst': '10.2.0.0', 'prefix-len': 24})
    s = y.do('stats-get', {})
    check((s['clones'], s['trash'], s['holds']) == (0, 1, 1), ('only the held clone is trash', s))
    y.do('route-release', {'handle': h['handle']})
    s = y.do('stats-get', {})
    check((s['trash'], s['holds']) == (0, 0), ('trash follows the release at once', s))


def change(y, dst, plen, **kw):
    fam = 'inet6' if ':' in dst else 'inet'
    y.do('route-change', dict({'family': fam, 'dst': dst, 'prefix-len': plen}, **kw))


def stats(y):
    return y.do('stats-get', {})


@test
def covering_add_retires_clones(y):
    """FreeBSD's rtrequest1(RTM_ADD) -> rt_fixchange: clones inside a new
    route whose parent is no more specific go."""
    clear(y)
    add(y, '10.0.0.0', 16, '192.0.2.1', flags=['cloning'])
    get(y, '10.0.1.5', report=True)
    get(y, '10.0.2.5', report=True)
    mon = listener('monitor')
    add(y, '10.0.1.0', 24, '192.0.2.2')
    names = sorted((e[0], e[1].get('reason'), e[1]['dst']) for e in events(mon))
    check(names == [('add-ntf', None, '10.0.1.0'),
                    ('delete-ntf', 'superseded', '10.0.1.5')], names)
    r = get(y, '10.0.1.5')
    check((r['prefix-len'], r['via']) == (24, '192.0.2.2'), r)
    check(get(y, '10.0.2.5')['prefix-len'] == 32, 'the clone outside the new route stays')
    check(stats(y)['clones'] == 1)


@test
def gateway_change_retires_clones(y):
    """FreeBSD's RTM_CHANGE -> rt_setgate -> rt_fixchange: a new router
    retires the route's clones; flags alone do not."""
    clear(y)
    add(y, '10.0.0.0', 24, '192.0.2.1', flags=['cloning'])
    get(y, '10.0.0.5', report=True)
    mon = listener('monitor')
    change(y, '10.0.0.0', 24, flags=['static'])
    check([e[0] for e in events(mon)] == ['change-ntf'])
    change(y, '10.0.0.0', 24, **{'new-via': '192.0.2.3'})
    names = sorted((e[0], e[1].get('reason')) for e in events(mon))
    check(names == [('change-ntf', None), ('delete-ntf', 'parent-changed')], names)
    r = get(y, '10.0.0.5')
    check((r['prefix-len'], r['via']) == (24, '192.0.2.3'), r)
    r = get(y, '10.0.0.5', report=True)
    check((r['prefix-len'], r['via']) == (32, '192.0.2.3'), r)


@test
def change_sets_only_fmask_flags(y):
    """route.h RTF_FMASK: route-change sets static, reject and blackhole
    only, so it cannot orphan clones by clearing cloning."""
    clear(y)
    add(y, '10.0.0.0', 24, '192.0.2.1', flags=['cloning'])
    get(y, '10.0.0.5', report=True)
    for f in (['static', 'cloning'], ['xresolve'], ['prcloning']):
        expect_err(EINVAL, 'only static, reject and blackhole', change, y, '10.0.0.0', 24,
                   flags=f)
    change(y, '10.0.0.0', 24, flags=['static'])
    parent = [r for r in routes(y) if r['prefix-len'] == 24][0]
    check({'cloning', 'static'} <= flags(parent), parent)
    mon = listener('monitor')
    y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 24})
    names = sorted((e[0], e[1].get('reason')) for e in events(mon))
    check(names == [('delete-ntf', 'parent-deleted'), ('delete-ntf', 'removed')], names)
    check(routes(y) == [])
    check((stats(y)['clones'], stats(y)['trash']) == (0, 0))


@test
def change_with_flags_mask_changes_only_the_masked_flags(y):
    """FreeBSD's rtm_fmask: with flags-mask, route-change sets the bits it
    names from flags (absent: cleared) and keeps the others; a mask bit
    outside static, reject and blackhole is EINVAL."""
    clear(y)
    add(y, '10.0.0.0', 24, '192.0.2.1', flags=['static'])
    change(y, '10.0.0.0', 24, flags=['reject'], **{'flags-mask': ['reject']})
    check(flags(routes(y)[0]) == {'up', 'gateway', 'static', 'reject'}, routes(y))
    change(y, '10.0.0.0', 24, **{'flags-mask': ['static']})
    check(flags(routes(y)[0]) == {'up', 'gateway', 'reject'}, routes(y))
    expect_err(EINVAL, 'flags-mask can name only', change, y, '10.0.0.0', 24,
               **{'flags-mask': ['cloning']})
    # Without a mask, flags replaces all three.
    change(y, '10.0.0.0', 24, flags=['blackhole'])
    check(flags(routes(y)[0]) == {'up', 'gateway', 'blackhole'}, routes(y))


@test
def host_routes_are_never_cloning(y):
    """FreeBSD's rtrequest1 drops RTF_CLONING from host routes."""
    clear(y)
    add(y, '10.9.9.9', 32, '192.0.2.1', flags=['cloning', 'static'])
    r = routes(y)[0]
    check('cloning' not in flags(r) and {'host', 'static'} <= flags(r), r)
    mon = listener('monitor')
    r = get(y, '10.9.9.9', report=True)
    check(r['prefix-len'] == 32 and 'wascloned' not in flags(r), r)
    check(events(mon) == [])
    check(stats(y)['clones'] == 0)


@test
def routers_through_the_route_itself(y):
    """FreeBSD's rt_setgate: a host route cannot go through its own
    destination, nor a route through a router only it reaches; cloning a
    parent's own router fails with a miss."""
    clear(y)
    expect_err(EADDRNOTAVAIL, 'through its own destination', add, y, '10.0.0.5', 32, '10.0.0.5')
    add(y, '10.0.0.0', 24, '192.0.2.1')
    expect_err(EADDRINUSE, 'reached only through this route', change, y, '10.0.0.0', 24,
               **{'new-via': '10.0.0.7'})
    check(get(y, '10.0.0.9')['via'] == '192.0.2.1')
    add(y, '10.2.0.0', 24, '10.2.0.9', flags=['cloning'])
    mon = listener('resolve')
    r = get(y, '10.2.0.9', report=True)
    check(r['prefix-len'] == 24, r)
    ev = events(mon)
    check([(e[0], e[1]['error']) for e in ev] == [('miss-ntf', EADDRNOTAVAIL)], ev)


@test
def adding_over_a_clone_replaces_it(y):
    clear(y)
    add(y, '10.1.0.0', 16, '192.0.2.1', flags=['cloning'])
    get(y, '10.1.2.3', report=True)
    add(y, '10.1.2.3', 32, '192.0.2.50')
    lst = [(x['dst'], x['prefix-len'], x['via']) for x in routes(y)]
    check(lst == [('10.1.0.0', 16, '192.0.2.1'), ('10.1.2.3', 32, '192.0.2.50')], lst)


@test
def xresolve_goes_to_userspace(y):
    clear(y)
    mon = listener('resolve', 'monitor')
    add(y, '10.3.0.0', 16, '0.0.0.0', flags=['cloning', 'xresolve'])
    check([e[0] for e in events(mon, 0.2)] == ['add-ntf'])
    get(y, '10.3.0.9', report=True)
    ev = events(mon)
    check([e[0] for e in ev] == ['resolve-ntf'], ev)
    check(ev[0][1]['dst'] == '10.3.0.9', ev)
    check(y.do('stats-get', {})['resolves'] == 1)
    y.do('route-change', {'family': 'inet', 'dst': '10.3.0.9', 'prefix-len': 32,
                          'new-via': '192.0.2.77'})
    r = get(y, '10.3.0.9')
    check(r['via'] == '192.0.2.77' and 'gateway' in flags(r), r)


@test
def miss_events(y):
    clear(y)
    mon = listener('resolve')
    expect_err(ENETUNREACH, 'no route', get, y, '10.9.9.9', report=True)
    expect_err(ENETUNREACH, 'no route', get, y, '10.9.9.8')
    ev = events(mon)
    check([e[0] for e in ev] == ['miss-ntf'], ev)
    # As FreeBSD's rtalloc1: "nothing matched" is a miss with error 0; the
    # request's own answer is still ENETUNREACH.
    check(ev[0][1]['addr'] == '10.9.9.9' and ev[0][1]['error'] == 0, ev)


@test
def unreach_counts_lookups_that_match_nothing(y):
    # FreeBSD's rts_unreach: every rtalloc1 that matches nothing, with or
    # without report (route-hold is rtalloc1(addr, 0, 0)); misses count
    # only those with report, and failed clones, which are not unreachable.
    clear(y)
    # A route to the router: a clone's lookup of it (rt_setgate) hits.
    add(y, '192.0.2.0', 24, '0.0.0.0')
    add(y, '10.8.0.0', 16, '192.0.2.1', flags=['cloning'])
    add(y, '10.7.0.0', 16, '10.7.0.1', flags=['cloning'])

    def counts():
        s = stats(y)
        return s['unreach'], s['misses']

    u, m = counts()
    expect_err(ENETUNREACH, 'no route', get, y, '10.9.9.9')
    check(counts() == (u + 1, m), counts())
    expect_err(ENETUNREACH, 'no route', get, y, '10.9.9.9', report=True)
    check(counts() == (u + 2, m + 1), counts())
    expect_err(ENETUNREACH, 'no route', get, y, '2001:db8:99::1', report=True)
    check(counts() == (u + 3, m + 2), counts())
    expect_err(ENETUNREACH, 'no route', y.do, 'route-hold', {'family': 'inet', 'addr': '10.9.9.9'})
    check(counts() == (u + 4, m + 2), counts())
    # Hits, a clone among them, count nothing.
    get(y, '10.8.0.1')
    get(y, '10.8.0.1', report=True)
    get(y, '10.8.0.1', report=True, ignflags=['cloning'])
    check(counts() == (u + 4, m + 2), counts())
    # A failed clone (the parent's own router): its parent answers, a miss
    # but not unreachable.
    r = get(y, '10.7.0.1', report=True)
    check(r['dst'] == '10.7.0.0' and r['prefix-len'] == 16, r)
    check(counts() == (u + 4, m + 3), counts())


@test
def unprivileged_reads_but_cannot_change_or_clone(y):
    clear(y)
    add(y, '10.1.0.0', 16, '192.0.2.1', flags=['cloning'])
    out = unprivileged(
        'print(len(y.dump("route-list", {})))\n'
        'print(y.do("route-get", {"family": "inet", "addr": "10.1.2.3"})["prefix-len"])\n'
        'print(y.do("stats-get", {})["routes-inet"])\n'
        'for op, req in [("route-add", {"family": "inet", "dst": "10.9.0.0", "prefix-len": 16, "via": "192.0.2.1"}),\n'
        '                ("route-clear", {}),\n'
        '                ("route-get", {"family": "inet", "addr": "10.1.2.3", "report": True})]:\n'
        '    try:\n'
        '        y.do(op, req); print(op, "ok")\n'
        '    except NlError as e:\n'
        '        print(op, e.error, (e.nl_msg.extack or {}).get("msg", ""))\n')
    lines = out.strip().splitlines()
    check(lines[:3] == ['1', '16', '1'], out)
    check(lines[3].startswith('route-add 1'), out)
    check(lines[4].startswith('route-clear 1'), out)
    check(lines[5] == 'route-get 1 cloning a route needs CAP_NET_ADMIN', out)
    check(len(routes(y)) == 1)


@test
def hold_release_and_trash(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    h = y.do('route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    check(h['dst'] == '10.0.0.0' and h['refcnt'] == 1, h)
    check(get(y, '10.0.0.1')['refcnt'] == 1)
    s = y.do('stats-get', {})
    check(s['holds'] == 1 and s['trash'] == 0, s)
    y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8})
    check(y.do('stats-get', {})['trash'] == 1, 'a deleted, held entry is in rttrash')
    y.do('route-release', {'handle': h['handle']})
    s = y.do('stats-get', {})
    check(s['holds'] == 0 and s['trash'] == 0, s)
    expect_err(ENOENT, 'no such hold', y.do, 'route-release', {'handle': h['handle']})


@test
def holds_end_with_their_socket(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    other = ynl()
    other.do('route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    other.do('route-hold', {'family': 'inet', 'addr': '10.0.0.2'})
    check(y.do('stats-get', {})['holds'] == 2)
    other.sock.close()
    del other
    for _ in range(500):
        if y.do('stats-get', {})['holds'] == 0:
            break
        time.sleep(0.01)
    check(y.do('stats-get', {})['holds'] == 0)
    check(get(y, '10.0.0.1')['refcnt'] == 0)


@test
def expiry_and_deprecation_without_lookups(y):
    clear(y)
    mon = listener('monitor')
    t = now_ns()
    add(y, '10.5.0.0', 16, '192.0.2.1', **{'preferred-until': t + 1 * NS,
                                            'expires-at': t + 3 * NS})
    add(y, '10.6.0.0', 16, '192.0.2.1', **{'preferred-until': t - NS})
    r = [x for x in routes(y) if x['dst'] == '10.6.0.0'][0]
    check('deprecated' in flags(r), ('preferred-until in the past adds it deprecated', r))
    r = [x for x in routes(y) if x['dst'] == '10.5.0.0'][0]
    check(0 < r['expires-left'] <= 3 * NS and r['expires-at'] == t + 3 * NS, r)
    ev = events(mon, 8)
    names = [e[0] for e in ev]
    check(names == ['add-ntf', 'add-ntf', 'deprecate-ntf', 'expire-ntf'], names)
    check([x['dst'] for x in routes(y)] == ['10.6.0.0'])


@test
def a_sooner_deadline_added_after_a_later_one_expires_on_time(y):
    clear(y)
    t = now_ns()
    # The lifetime work waits for the first route's hour; the second route
    # must bring it forward.
    add(y, '10.8.0.0', 16, '192.0.2.1', **{'expires-at': t + 3600 * NS})
    add(y, '10.9.0.0', 16, '192.0.2.1', **{'expires-at': t + 2 * NS})
    deadline = time.time() + 60
    while time.time() < deadline and '10.9.0.0' in [x['dst'] for x in routes(y)]:
        time.sleep(0.1)
    check([x['dst'] for x in routes(y)] == ['10.8.0.0'], routes(y))
    check(now_ns() >= t + 2 * NS)


@test
def extending_preferred_clears_deprecated(y):
    clear(y)
    add(y, '10.6.0.0', 16, '192.0.2.1', **{'preferred-until': now_ns() - NS})
    y.do('route-change', {'family': 'inet', 'dst': '10.6.0.0', 'prefix-len': 16,
                          'preferred-until': now_ns() + 100 * NS})
    check('deprecated' not in flags(routes(y)[0]))


@test
def deprecated_path_loses_to_preferred_one(y):
    clear(y)
    add(y, '10.7.0.0', 16, '192.0.2.1', **{'preferred-until': now_ns() - NS})
    add(y, '10.7.0.0', 16, '192.0.2.2')
    check(get(y, '10.7.1.1')['via'] == '192.0.2.2')


@test
def dump_larger_than_one_message(y):
    clear(y)
    n = 600
    for i in range(n):
        add(y, f'10.{i // 256}.{i % 256}.0', 24, '192.0.2.1')
    lst = routes(y)
    check(len(lst) == n, len(lst))
    keys = [tuple(int(p) for p in x['dst'].split('.')) for x in lst]
    check(keys == sorted(keys) and len(set(keys)) == n)
    check(y.do('stats-get', {})['routes-inet'] == n)
    # A change between two parts of a dump marks it interrupted.
    parts = raw_dump_with_change(y, lambda: add(y, '10.250.0.0', 16, '192.0.2.1'))
    check(parts['messages'] >= n and parts['done'], parts)
    check(parts['intr'], ('NLM_F_DUMP_INTR after a change mid-dump', parts))
    parts = raw_dump_with_change(y, lambda: None)
    check(not parts['intr'], ('no change, no NLM_F_DUMP_INTR', parts))
    check(y.do('route-clear', {})['count'] == n + 1)


def raw_dump_with_change(y, change):
    """Dumps route-list over a raw socket, calling `change` after the first
    part; returns the count of route messages and whether any message was
    flagged NLM_F_DUMP_INTR."""
    import socket
    import struct
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sk.bind((0, 0))
    cmd = [i for i, o in enumerate(y.yaml['operations']['list'], 1)
           if o['name'] == 'route-list'][0]
    sk.send(struct.pack('=LHHLL', 20, y.nlproto.family_id, 0x301, 1, 0) +
            struct.pack('BBH', cmd, 1, 0))
    out = {'messages': 0, 'intr': False, 'done': False, 'parts': 0}
    first = True
    while not out['done']:
        data = sk.recv(65536)
        out['parts'] += 1
        off = 0
        while off + 16 <= len(data):
            length, mtype, flags = struct.unpack_from('=LHH', data, off)
            if flags & 0x10:
                out['intr'] = True
            if mtype == 3:
                out['done'] = True
            elif mtype == 2:
                raise AssertionError('dump failed')
            else:
                out['messages'] += 1
            off += (length + 3) & ~3
        if first:
            first = False
            change()
    sk.close()
    check(out['parts'] > 2, out)
    return out


@test
def namespaces_do_not_share_tables(y):
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    prog = ('import sys; sys.path.insert(0, %r); from lib import YnlFamily\n'
            'y = YnlFamily(%r, %r)\n'
            'print(len(y.dump("route-list", {})))\n'
            'y.do("route-add", {"family": "inet", "dst": "10.8.0.0", "prefix-len": 16, "via": "192.0.2.1"})\n'
            'print(len(y.dump("route-list", {})))\n' % (
                os.path.join(KSRC, 'tools', 'net', 'ynl', 'pyynl'), SPEC, ''))
    out = subprocess.run(['unshare', '--net', '--', sys.executable, '-c', prog],
                         capture_output=True, text=True, timeout=300)
    check(out.stdout.split() == ['0', '1'], out.stdout + out.stderr)
    check([x['dst'] for x in routes(y)] == ['10.0.0.0'])


def limits(y):
    """Run with rtemu loaded as max_routes=3 max_paths=2 max_holds=2
    miss_rate=5."""
    clear(y)
    add(y, '10.0.0.0', 8, '192.0.2.1')
    add(y, '10.0.0.0', 8, '192.0.2.2')
    expect_err(ENOSPC, 'max_paths', add, y, '10.0.0.0', 8, '192.0.2.3')
    y.do('route-remove', {'family': 'inet', 'dst': '10.0.0.0', 'prefix-len': 8,
                          'via': '192.0.2.2'})
    add(y, '10.1.0.0', 16, '192.0.2.1', flags=['cloning'])
    add(y, '10.2.0.0', 16, '192.0.2.1')
    expect_err(ENOSPC, 'max_routes', add, y, '10.3.0.0', 16, '192.0.2.1')
    mon = listener('resolve')
    r = get(y, '10.1.2.3', report=True)
    check(r['prefix-len'] == 16, ('a failed clone returns its parent', r))
    ev = events(mon)
    # The clone looks its router up first (rt_setgate), which nothing
    # reaches, then finds no room.
    check([(e[0], e[1]['addr'], e[1]['error']) for e in ev] ==
          [('miss-ntf', '192.0.2.1', 0), ('miss-ntf', '10.1.2.3', ENOSPC)], ev)
    y.do('route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    y.do('route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    expect_err(ENOSPC, 'max_holds', y.do, 'route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    # Another socket has its own budget.
    ynl().do('route-hold', {'family': 'inet', 'addr': '10.0.0.1'})
    # MISS events are rate-limited: 5 in each second of CLOCK_BOOTTIME, the
    # module's clock. The failed clone above spent two of its second's five,
    # so start in a second of our own.
    mon = listener('resolve')
    spent = int(time.clock_gettime(time.CLOCK_BOOTTIME))
    while int(time.clock_gettime(time.CLOCK_BOOTTIME)) == spent:
        time.sleep(0.01)
    first = int(time.clock_gettime(time.CLOCK_BOOTTIME))
    for i in range(30):
        expect_err(ENETUNREACH, 'no route', get, y, f'172.16.0.{i}', report=True)
    windows = int(time.clock_gettime(time.CLOCK_BOOTTIME)) - first + 1
    misses = [e for e in events(mon) if e[0] == 'miss-ntf']
    check(5 <= len(misses) <= 5 * windows, (len(misses), windows))
    check(y.do('stats-get', {})['misses'] >= 30)


def idle_clones(y):
    """Run with rtemu loaded as clone_idle_secs=1. A clone idles from its
    last release (FreeBSD's in_clsroute) and never while held."""
    clear(y)
    add(y, '10.8.0.0', 24, '192.0.2.1', flags=['cloning'])
    holder = ynl()
    for _ in range(20):
        get(y, '10.8.0.5', report=True)
        h = holder.do('route-hold', {'family': 'inet', 'addr': '10.8.0.5'})
        if h['prefix-len'] == 32:
            break
        # Collected between the two requests (a second passed): again.
        holder.do('route-release', {'handle': h['handle']})
    check(h['prefix-len'] == 32, h)
    mon = listener('monitor')
    runs = y.do('stats-get', {})['lifetime-runs']
    held_until = time.monotonic() + 4
    while time.monotonic() < held_until:
        check(any(r['prefix-len'] == 32 for r in routes(y)), 'a held clone was collected')
        time.sleep(0.2)
    # A held clone has no deadline: the work wakes about once a second
    # (the poll for releases), not continuously.
    runs = y.do('stats-get', {})['lifetime-runs'] - runs
    check(runs <= 6, f'the lifetime work ran {runs} times in 4 s for a held clone')
    released = time.monotonic()
    holder.do('route-release', {'handle': h['handle']})
    seen = None
    while seen is None and time.monotonic() < released + 60:
        for name, msg in events(mon, 0.1):
            if name == 'delete-ntf' and msg['dst'] == '10.8.0.5':
                check(msg.get('reason') == 'idle', msg)
                seen = time.monotonic()
    check(seen is not None, 'the released clone was never collected')
    check(seen - released >= 0.95, ('collected before a second from its release',
                                    seen - released))
    check(y.do('stats-get', {})['clones'] == 0)


def main():
    if sys.argv[1:] == ['limits']:
        tests[:] = [limits, idle_clones]
    run(tests, ynl, cleanup=lambda: clear(ynl()))


if __name__ == '__main__':
    main()
