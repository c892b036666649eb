#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render the rtemu YNL spec's constants as a Rust module (rust/uapi.rs).

The C side gets its UAPI header from the kernel's ynl_gen_c.py; this is the
same information for the Rust module, named the way ynl_gen_c.py names it in
C so the two can be read side by side.
"""
import sys
import textwrap

import yaml

# The kernel's Rust style: lines of at most 100 columns, comments included.
WIDTH = 100


def c_upper(name):
    return name.upper().replace('-', '_')


# The numbering rules of ynl_gen_c.py.

def definition_entries(d):
    """(entry, number) of an enum or flags definition; a flags entry's number
    is its bit index."""
    out = []
    value = d.get('value-start', 0)
    for e in d['entries']:
        if isinstance(e, str):
            e = {'name': e}
        value = e.get('value', value)
        out.append((e, value))
        value += 1
    return out


def attr_ids(aset):
    out = []
    value = 1
    for a in aset['attributes']:
        value = a.get('value', value)
        out.append((a, value))
        value += 1
    return out


def op_ids(spec):
    out = []
    value = 1
    for op in spec['operations']['list']:
        value = op.get('value', value)
        out.append((op, value))
        value += 1
    return out


def doc_lines(text, indent=0, prefix='/// '):
    if not text:
        return []
    width = WIDTH - indent - len(prefix)
    return [prefix + line for line in textwrap.wrap(text, width)]


def kernel(spec):
    fam = c_upper(spec['name'])
    out = []
    p = out.append
    p('// SPDX-License-Identifier: GPL-2.0')
    p('')
    p('// Do not edit directly, auto-generated from include/rtemu.yaml')
    p('// by scripts/ynl_gen_rust.py. To regenerate run: scripts/ynl-regen.sh')
    p('')
    p('//! Constants of the rtemu generic netlink family, from its YNL spec.')
    p('')
    p('#![allow(')
    p('    dead_code,')
    p('    reason = "the whole table is generated; each user takes what it needs"')
    p(')]')
    p('')
    p(f'/// The family name, nul-terminated.')
    p(f'pub(crate) const {fam}_FAMILY_NAME: &[u8] = b"{spec["name"]}\\0";')
    p(f'/// The family version.')
    p(f'pub(crate) const {fam}_FAMILY_VERSION: u32 = {spec.get("version", 1)};')

    for d in spec.get('definitions', []):
        if d['type'] not in ('enum', 'flags'):
            continue
        prefix = f'{fam}_{c_upper(d["name"])}_'
        p('')
        p(f'// {d["type"]} {d["name"]}')
        for e, value in definition_entries(d):
            out.extend(doc_lines(e.get('doc')))
            if d['type'] == 'flags':
                p(f'pub(crate) const {prefix}{c_upper(e["name"])}: u32 = {1 << value:#x};')
            else:
                p(f'pub(crate) const {prefix}{c_upper(e["name"])}: u32 = {value};')

    for aset in spec['attribute-sets']:
        prefix = f'{fam}_A_{c_upper(aset["name"])}_'
        p('')
        p(f'// attribute-set {aset["name"]}')
        ids = attr_ids(aset)
        for a, value in ids:
            p(f'pub(crate) const {prefix}{c_upper(a["name"])}: u16 = {value};')
        p(f'pub(crate) const {prefix}MAX: u16 = {ids[-1][1]};')

    p('')
    p('// operations')
    for op, value in op_ids(spec):
        p(f'pub(crate) const {fam}_CMD_{c_upper(op["name"])}: u8 = {value};')

    # The size of each op's parsed attribute array, as ynl_gen_c.py sizes
    # its policy: the highest attribute of the request.
    ids = {(aset['name'], a['name']): value
           for aset in spec['attribute-sets'] for a, value in attr_ids(aset)}
    p('')
    p('// highest request attribute of each op (its policy\'s maxattr)')
    for op in spec['operations']['list']:
        for mode in ('do', 'dump'):
            req = op.get(mode, {}).get('request', {}).get('attributes', [])
            if mode not in op:
                continue
            top = max((ids[(op['attribute-set'], a)] for a in req), default=0)
            p(f'pub(crate) const {fam}_{c_upper(op["name"])}_{mode.upper()}_MAXATTR: u16 = {top};')

    p('')
    p('// multicast groups, in the order of the family\'s mcgrps array')
    for i, g in enumerate(spec['mcast-groups']['list']):
        p(f'pub(crate) const {fam}_NLGRP_{c_upper(g["name"])}: u32 = {i};')
    return out


def main(spec_path):
    with open(spec_path, encoding='utf-8') as f:
        spec = yaml.safe_load(f)
    print('\n'.join(kernel(spec)))


if __name__ == '__main__':
    main(sys.argv[1])
