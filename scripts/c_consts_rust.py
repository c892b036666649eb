#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render the constants the Rust module shares with C as Rust (rust/c_consts.rs),
read from the C headers that define them, so that the two cannot drift:

  the rtrequest hook kinds, `#define RTEMU_RTM_*` of include/linux/rtemu.h
  (the header other modules build against), as `c_int`;
  the tracepoint kinds, the `RTEMU_TRACE_*` enumerators of rust/rtemu_glue.h,
  as `u32`;
  the layout of `struct rtentry` that C reads: `RTEMU_RT_REFCNT_BITS` of
  include/linux/rtemu.h, as `u32`, and the `RTEMU_RTENTRY_*_OFFSET` of
  rust/rtemu_glue.h, as `usize`.

  c_consts_rust.py ROOT    prints the module to standard output
"""
import os
import re
import sys

SOURCES = [
    # (header, pattern of a name and its value, Rust type, what they are)
    ('include/linux/rtemu.h', r'^#define\s+(RTEMU_RTM_[A-Z_]+)\s+(0x[0-9a-fA-F]+|[0-9]+)\s*$',
     'c_int', 'The kinds of call an rtrequest hook gets (FreeBSD\'s `RTM_*` values).'),
    ('rust/rtemu_glue.h', r'^\s*(RTEMU_TRACE_[A-Z_]+)\s*=\s*(0x[0-9a-fA-F]+|[0-9]+)\s*,',
     'u32', 'The tracepoint kinds of `rtemu_trace_route`.'),
    ('include/linux/rtemu.h', r'^#define\s+(RTEMU_RT_REFCNT_BITS)\s+([0-9]+)\s*$',
     'u32', 'The bits of `rt_refcnt` in the entry word (`struct rtentry`).'),
    ('rust/rtemu_glue.h', r'^#define\s+(RTEMU_RTENTRY_[A-Z]+_OFFSET)\s+([0-9]+)\s*$',
     'usize', 'Where `struct rtentry` has the fields C reads (`rt_gwroute`\'s without lockdep).'),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    out = [
        '// SPDX-License-Identifier: GPL-2.0',
        '',
        '// Do not edit directly, auto-generated from the C headers named below',
        '// by scripts/c_consts_rust.py. To regenerate run: scripts/ynl-regen.sh',
        '',
        '//! Constants the module shares with C, from the C headers that define them.',
        '',
        'use core::ffi::c_int;',
    ]
    for header, pattern, ty, doc in SOURCES:
        with open(os.path.join(root, header), encoding='utf-8') as f:
            found = re.findall(pattern, f.read(), re.M)
        if not found:
            sys.exit(f'{header}: no constant matches {pattern}')
        out.append('')
        out.append(f'// {header}')
        for i, (name, value) in enumerate(found):
            if i == 0:
                out.append(f'/// {doc}')
            out.append(f'pub(crate) const {name}: {ty} = {value};')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
