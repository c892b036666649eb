#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render the rtemu YNL spec as Rust.

--mode kernel: the constants of the Rust module (rust/uapi.rs). The C side
gets its UAPI header from the kernel's ynl_gen_c.py; this is the same
information for the Rust module, named the way ynl_gen_c.py names it in C so
the two can be read side by side.

--mode kernel-msgs: the messages the Rust module writes (rust/nl_msgs.rs):
each reply's and event's attributes as a struct written in the spec's order,
and the notifications with their commands and groups.

--mode user: the protocol module of the userspace library
(tools/rtemu/src/proto.rs): names and numbers, commands, every attribute set
as a typed attribute enum with its codec and a table of ids, names and
types, every enum as a Rust enum and every flags set as a `bitflags` type.
Its output is meant to be run through rustfmt (scripts/ynl-regen.sh does).
"""
import argparse
import textwrap

import yaml

# Rust style in both trees: lines of at most 100 columns, comments included.
WIDTH = 100


def c_upper(name):
    return name.upper().replace('-', '_')


def camel(name):
    return ''.join(w.capitalize() for w in name.split('-'))


def snake(name):
    return name.replace('-', '_')


# The numbering rules of ynl_gen_c.py, shared by both modes.

def definition_entries(d):
    """(entry, number) of an enum or flags definition; a flags entry's number
    is its bit index."""
    entries = [{'name': e} if isinstance(e, str) else e for e in d['entries']]
    return numbered(entries, d.get('value-start', 0))


def numbered(items, start):
    """(item, number) of a YNL list: numbers count up from `start`, and an
    item's own `value` sets its number and those after it."""
    out = []
    value = start
    for item in items:
        value = item.get('value', value)
        out.append((item, value))
        value += 1
    return out


def attr_ids(aset):
    return numbered(aset['attributes'], 1)


def op_ids(spec):
    return numbered(spec['operations']['list'], 1)


def doc_lines(text, indent=0, prefix='/// ', break_on_hyphens=True):
    if not text:
        return []
    width = WIDTH - indent - len(prefix)
    return [prefix + line
            for line in textwrap.wrap(text, width, break_on_hyphens=break_on_hyphens)]


RUST_KEYWORDS = {'use', 'type', 'match', 'ref', 'move', 'mod', 'impl', 'fn', 'loop', 'in'}


def field(name):
    """A spec name as a Rust field name (a keyword as a raw identifier)."""
    n = snake(name)
    return f'r#{n}' if n in RUST_KEYWORDS else n


# --mode kernel

def kernel_preamble(p, module_doc):
    """The head of a generated file of the kernel crate: its `//!` doc lines,
    and leave for the items no user takes."""
    p('// SPDX-License-Identifier: GPL-2.0')
    p('')
    p('// Do not edit directly, auto-generated from include/rtemu.yaml')
    p('// by scripts/ynl_gen_rust.py. To regenerate run: scripts/ynl-regen.sh')
    p('')
    for line in module_doc:
        p(f'//! {line}'.rstrip())
    p('')
    p('#![allow(')
    p('    dead_code,')
    p('    reason = "the whole table is generated; each user takes what it needs"')
    p(')]')


def kernel(spec):
    fam = c_upper(spec['name'])
    out = []
    p = out.append
    kernel_preamble(p, ['Constants of the rtemu generic netlink family, from its YNL spec.'])
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
        if d['type'] == 'enum':
            kernel_enum(p, out, d, prefix)
            fn = f'{snake(spec["name"])}_{snake(d["name"])}_name'
            p(f'/// The spec\'s name of a `{d["name"]}` value.')
            p(f'pub(crate) fn {fn}(value: u32) -> Option<&\'static core::ffi::CStr> {{')
            p('    match value {')
            for e, value in definition_entries(d):
                p(f'        {prefix}{c_upper(e["name"])} => Some(c"{e["name"]}"),')
            p('        _ => None,')
            p('    }')
            p('}')

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


def kernel_enum(p, out, d, prefix):
    """A spec enum as a Rust enum with its value on the wire."""
    name = camel(d['name'])
    p('')
    out.extend(doc_lines(d.get('doc')))
    p('#[derive(Clone, Copy, PartialEq, Eq, Debug)]')
    p(f'pub(crate) enum {name} {{')
    for e, _ in definition_entries(d):
        out.extend(doc_lines(e.get('doc'), 4, '    /// '))
        p(f'    {camel(e["name"])},')
    p('}')
    p('')
    p(f'impl {name} {{')
    p(f'    /// Its value in the spec\'s `{d["name"]}` enum.')
    p('    pub(crate) const fn to_uapi(self) -> u32 {')
    p('        match self {')
    for e, _ in definition_entries(d):
        p(f'            Self::{camel(e["name"])} => {prefix}{c_upper(e["name"])},')
    p('        }')
    p('    }')
    p('}')


# --mode kernel-msgs

# How each attribute type is held and written (by `nl::PutAttrs`).
MSG_TYPES = {
    'u8': ('u8', 'put_u8'),
    'u16': ('u16', 'put_u16'),
    'u32': ('u32', 'put_u32'),
    'u64': ('u64', 'put_u64'),
    'uint': ('u64', 'put_uint'),
    'binary': ("&'a [u8]", 'put_bytes'),
}


def message_lists(spec):
    """(name, attribute set, attribute names, who uses it) of every reply
    and event the module writes, identical lists once, in the spec's order;
    a notification that notifies with an op's reply uses that reply's."""
    lists = []

    def add(name, aset, attrs, user):
        for m in lists:
            if m['aset'] == aset and m['attrs'] == attrs:
                m['users'].append(user)
                return
        lists.append({'name': name, 'aset': aset, 'attrs': attrs, 'users': [user]})

    ops = {op['name']: op for op in spec['operations']['list']}
    for op in spec['operations']['list']:
        for mode in ('do', 'dump'):
            reply = op.get(mode, {}).get('reply')
            if reply:
                add(f'{op["name"]}-reply', op['attribute-set'], reply['attributes'],
                    f'{op["name"]}\'s {mode} reply')
        if 'event' in op:
            add(op['name'], op['attribute-set'], op['event']['attributes'], op['name'])
        if 'notify' in op:
            target = ops[op['notify']]
            add(op['name'], target['attribute-set'], target['do']['reply']['attributes'],
                op['name'])
    return lists


def kernel_msgs(spec):
    fam = c_upper(spec['name'])
    sets = {a['name']: a for a in spec['attribute-sets']}
    out = []
    p = out.append
    kernel_preamble(p, [
        'The messages of the rtemu family that the module writes, from its YNL spec:',
        'each reply\'s and event\'s attributes as a struct whose `put` writes those',
        'present in the spec\'s order, with the right type; and the notifications,',
        'each with its command and multicast group.',
    ])
    p('')
    p('use kernel::prelude::*;')
    p('')
    p('use crate::{nl::PutAttrs, uapi::*};')
    p('')
    p('/// A notification of the family.')
    p('#[derive(Clone, Copy, PartialEq, Eq, Debug)]')
    p('pub(crate) enum Notification {')
    ntfs = [op for op in spec['operations']['list'] if 'event' in op or 'notify' in op]

    def variant(op):
        # `add-ntf` is `Notification::Add`.
        return camel(op['name'].removesuffix('-ntf'))
    for op in ntfs:
        out.extend(doc_lines(op.get('doc'), 4, '    /// '))
        p(f'    {variant(op)},')
    p('}')
    p('')
    p('impl Notification {')
    p('    /// Its command.')
    p('    pub(crate) const fn cmd(self) -> u8 {')
    p('        match self {')
    for op in ntfs:
        p(f'            Self::{variant(op)} => {fam}_CMD_{c_upper(op["name"])},')
    p('        }')
    p('    }')
    p('')
    p('    /// The multicast group it goes to.')
    p('    pub(crate) const fn group(self) -> u32 {')
    p('        match self {')
    for op in ntfs:
        p(f'            Self::{variant(op)} => {fam}_NLGRP_{c_upper(op["mcgrp"])},')
    p('        }')
    p('    }')
    p('}')

    lists = message_lists(spec)
    for m in lists:
        aset = sets[m['aset']]
        attrs = {a['name']: a for a in aset['attributes']}
        pad = next((a['name'] for a in aset['attributes'] if a['type'] == 'pad'), None)
        # A list that extends an earlier one holds it as `base`, written first.
        base = None
        for b in lists:
            if b is m:
                break
            n = len(b['attrs'])
            if b['aset'] == m['aset'] and n < len(m['attrs']) and m['attrs'][:n] == b['attrs']:
                if base is None or n > len(base['attrs']):
                    base = b
        own = m['attrs'][len(base['attrs']):] if base else m['attrs']
        enums = {d['name'] for d in spec.get('definitions', []) if d['type'] == 'enum'}

        def msg_type(a):
            # A u32 of a spec enum is held as that enum (`uapi`).
            if attrs[a]['type'] == 'u32' and attrs[a].get('enum') in enums:
                return (camel(attrs[a]['enum']), 'put_u32', '.to_uapi()')
            t = MSG_TYPES.get(attrs[a]['type'])
            return t + ('',) if t else None
        types = [msg_type(a) for a in own]
        for a, t in zip(own, types):
            if t is None:
                raise SystemExit(f'{m["name"]}: attribute {a} of type {attrs[a]["type"]} '
                                 'is not handled by --mode kernel-msgs')
        borrows = base is not None or any("'a" in t[0] for t in types)
        life = "<'a>" if borrows else ''
        name = camel(m['name']) + 'Attrs'
        m['type'] = name
        m['life'] = life
        p('')
        users = ', '.join(m['users'])
        out.extend(doc_lines(f'The attributes of {users}; each is written when present.',
                             break_on_hyphens=False))
        p('#[derive(Default)]')
        p(f'pub(crate) struct {name}{life} {{')
        if base:
            p(f'    /// The attributes it shares with {base["users"][0]}, written first.')
            p(f'    pub(crate) base: {base["type"]}{base["life"]},')
        for a, t in zip(own, types):
            out.extend(doc_lines(attrs[a].get('doc'), 4, '    /// '))
            p(f'    pub(crate) {field(a)}: Option<{t[0]}>,')
        p('}')
        p('')
        anon = "<'_>" if life else ''
        p(f'impl {name}{anon} {{')
        p('    /// Writes the attributes present to `m`.')
        p('    pub(crate) fn put(&self, m: &mut impl PutAttrs) -> Result {')
        if base:
            p('        self.base.put(m)?;')
        for a, t in zip(own, types):
            const = f'{fam}_A_{c_upper(m["aset"])}_{c_upper(a)}'
            if t[1] == 'put_u64':
                if pad is None:
                    raise SystemExit(f'{m["aset"]}: a u64 attribute needs a pad attribute')
                padc = f'{fam}_A_{c_upper(m["aset"])}_{c_upper(pad)}'
                p(f'        if let Some(v) = self.{field(a)} {{')
                p(f'            m.put_u64({const}, v, {padc})?;')
            else:
                p(f'        if let Some(v) = self.{field(a)} {{')
                p(f'            m.{t[1]}({const}, v{t[2]})?;')
            p('        }')
        p('        Ok(())')
        p('    }')
        p('}')
    return out


# --mode user

INTS = ('u8', 'u32', 'u64')
PAD_DOC = 'Alignment padding for 64-bit attributes; its payload is kept.'
# Attribute types --mode user handles, by the AttrType variant that names them.
TYPES = {'pad': 'Pad', 'flag': 'Flag', 'u8': 'U8', 'u32': 'U32', 'u64': 'U64',
         'uint': 'Uint', 'binary': 'Binary'}


class UserModule:
    def __init__(self, spec):
        self.spec = spec
        self.out = []
        self.defs = {d['name']: d for d in spec.get('definitions', [])
                     if d['type'] in ('enum', 'flags')}
        self.int_of = self.carrier_types()
        self.set_of_op = {}
        ops = {op['name']: op for op in spec['operations']['list']}
        for op in spec['operations']['list']:
            target = ops[op['notify']] if 'notify' in op else op
            if 'attribute-set' not in target:
                raise SystemExit(f'operation {op["name"]}: no attribute set')
            self.set_of_op[op['name']] = target['attribute-set']

    def p(self, line=''):
        self.out.append(line)

    def doc(self, text, indent=0):
        self.out.extend(' ' * indent + line for line in doc_lines(text, indent))

    def carrier_types(self):
        """The integer type of each definition: that of the attributes that
        carry its values (u32 when none does)."""
        seen = {}
        for aset in self.spec['attribute-sets']:
            for a in aset['attributes']:
                if 'enum' in a:
                    seen.setdefault(a['enum'], set()).add(a['type'])
        out = {}
        for name in self.defs:
            types = seen.get(name, {'u32'})
            if len(types) != 1 or not types <= set(INTS):
                raise SystemExit(f'definition {name}: carried by {sorted(types)}; '
                                 '--mode user needs one integer type')
            out[name] = types.pop()
        return out

    def value_type(self, aset, a):
        """The Rust type of an attribute's value; None for a flag."""
        t = a['type']
        where = f'attribute {aset["name"]}/{a["name"]}'
        if t not in TYPES:
            raise SystemExit(f'{where}: type {t} is not handled by --mode user')
        if 'enum' in a:
            d = self.defs[a['enum']]
            if a.get('enum-as-flags') and d['type'] != 'flags':
                raise SystemExit(f'{where}: enum-as-flags over an enum is not handled')
            return camel(d['name'])
        if t == 'flag':
            return None
        if t == 'pad':
            return 'Vec<u8>'
        if t == 'binary':
            return 'IpAddr' if a.get('display-hint') == 'ipv4-or-v6' else 'Vec<u8>'
        if t == 'uint':
            return 'u64'
        return t

    def render(self):
        spec = self.spec
        p = self.p
        p('// SPDX-License-Identifier: GPL-2.0-only')
        p('')
        p('// Do not edit: generated from include/rtemu.yaml by')
        p('// `scripts/ynl_gen_rust.py --mode user`; to regenerate run scripts/ynl-regen.sh.')
        p('')
        p(f'//! The `{spec["name"]}` generic netlink family as its YNL spec defines it: names')
        p('//! and numbers, commands, attribute sets with their types, enums and flags.')
        p('//!')
        p('//! Values the spec does not name are kept as received (`Other` variants,')
        p('//! unnamed flag bits), so what a newer kernel sends survives a round trip.')
        p('')
        # Import only what this spec's items use: the output has no warnings.
        attrs = [(aset, a) for aset in spec['attribute-sets'] for a in aset['attributes']]
        has_flags = any(d['type'] == 'flags' for d in self.defs.values())
        std = (['use std::fmt;'] if has_flags else []) + \
            (['use std::net::IpAddr;'] if any(self.value_type(s, a) == 'IpAddr' for s, a in attrs)
             else [])
        ours = (['flag_names'] if has_flags else []) + ['parse_all'] + \
            (['read_flag'] if any(a['type'] == 'flag' for _, a in attrs) else []) + \
            (['read_uint'] if any(a['type'] == 'uint' for _, a in attrs) else []) + \
            ['read_value'] + (['write_flag_names'] if has_flags else []) + \
            ['AttrSpec', 'AttrType', 'AttrValue', 'UnknownAttr']
        for line in std:
            p(line)
        if std:
            p('')
        p('use netlink_packet_core::{DecodeError, Emitable, Nla, NlaBuffer, Parseable};')
        p('')
        p(f'use crate::attr::{{{", ".join(ours)}}};')
        p('')
        p('/// Generic netlink family name.')
        p(f'pub const FAMILY_NAME: &str = "{spec["name"]}";')
        p('/// Generic netlink family version.')
        p(f'pub const FAMILY_VERSION: u8 = {spec.get("version", 1)};')
        self.mcast_groups()
        for d in self.defs.values():
            if d['type'] == 'enum':
                self.enum(d)
            else:
                self.flags(d)
        self.commands()
        for aset in spec['attribute-sets']:
            self.attribute_set(aset)
        self.attrs()
        return self.out

    def mcast_groups(self):
        groups = [g['name'] for g in self.spec['mcast-groups']['list']]
        for g in groups:
            ops = [op['name'] for op in self.spec['operations']['list'] if op.get('mcgrp') == g]
            self.p('')
            self.doc(f'Multicast group of {", ".join(ops)}.' if ops else 'Multicast group.')
            self.p(f'pub const MCGRP_{c_upper(g)}: &str = "{g}";')
        self.p('')
        self.p('/// Every multicast group of the family.')
        self.p(f'pub const MCGRPS: &[&str] = &[{", ".join("MCGRP_" + c_upper(g) for g in groups)}];')

    def open_enum(self, name, int, variants, doc):
        """An enum of the spec's values plus `Other`, its conversions and
        names. `variants` are (spec name, number constant, doc)."""
        p = self.p
        p('')
        self.doc(doc)
        p('#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]')
        p(f'pub enum {name} {{')
        for v, _, vdoc in variants:
            self.doc(vdoc, 4)
            p(f'    {camel(v)},')
        p('    /// A value the spec does not name, kept as received.')
        p(f'    Other({int}),')
        p('}')
        p('')
        p(f'impl {name} {{')
        p('    /// Every value the spec names, in its order.')
        p(f'    pub const ALL: &\'static [{name}] = &[')
        for v, _, _ in variants:
            p(f'        {name}::{camel(v)},')
        p('    ];')
        p('')
        p('    /// The value\'s name in the spec; None for `Other`.')
        p('    pub fn spec_name(self) -> Option<&\'static str> {')
        p('        match self {')
        for v, _, _ in variants:
            p(f'            {name}::{camel(v)} => Some("{v}"),')
        p(f'            {name}::Other(_) => None,')
        p('        }')
        p('    }')
        p('')
        p('    /// The value the spec calls `name`.')
        p(f'    pub fn from_spec_name(name: &str) -> Option<{name}> {{')
        p('        Self::ALL.iter().copied().find(|v| v.spec_name() == Some(name))')
        p('    }')
        p('}')
        p('')
        p(f'impl From<{int}> for {name} {{')
        p(f'    fn from(v: {int}) -> {name} {{')
        p('        match v {')
        for v, const, _ in variants:
            p(f'            {const} => {name}::{camel(v)},')
        p(f'            v => {name}::Other(v),')
        p('        }')
        p('    }')
        p('}')
        p('')
        p(f'impl From<{name}> for {int} {{')
        p(f'    fn from(v: {name}) -> {int} {{')
        p('        match v {')
        for v, const, _ in variants:
            p(f'            {name}::{camel(v)} => {const},')
        p(f'            {name}::Other(v) => v,')
        p('        }')
        p('    }')
        p('}')

    def attr_value_impl(self, name, int, to_int, from_int):
        """`AttrValue` for a type that travels as the integer `int`."""
        p = self.p
        p('')
        p(f'impl AttrValue for {name} {{')
        p('    fn wire_len(&self) -> usize {')
        p(f'        {int}::wire_len(&{to_int})')
        p('    }')
        p('    fn write(&self, buf: &mut [u8]) {')
        p(f'        {int}::write(&{to_int}, buf)')
        p('    }')
        p('    fn read(bytes: &[u8]) -> Result<Self, DecodeError> {')
        p(f'        {int}::read(bytes).map({from_int})')
        p('    }')
        p('}')

    def enum(self, d):
        int = self.int_of[d['name']]
        module = snake(d['name'])
        entries = definition_entries(d)
        self.p('')
        self.p(f'/// `enum {snake(self.spec["name"])}_{module}` (`{c_upper(self.spec["name"])}_'
               f'{c_upper(d["name"])}_*`).')
        self.p(f'pub mod {module} {{')
        for e, value in entries:
            self.doc(e.get('doc'), 4)
            self.p(f'    pub const {c_upper(e["name"])}: {int} = {value};')
        self.p('}')
        name = camel(d['name'])
        variants = [(e['name'], f'{module}::{c_upper(e["name"])}', e.get('doc'))
                    for e, _ in entries]
        self.open_enum(name, int, variants, d.get('doc'))
        self.attr_value_impl(name, int, f'{int}::from(*self)', f'{name}::from')

    def flags(self, d):
        int = self.int_of[d['name']]
        module = snake(d['name'])
        name = camel(d['name'])
        entries = definition_entries(d)
        p = self.p
        p('')
        p(f'/// `enum {snake(self.spec["name"])}_{module}` bits (`{c_upper(self.spec["name"])}_'
          f'{c_upper(d["name"])}_*`).')
        p(f'pub mod {module} {{')
        for e, bit in entries:
            self.doc(e.get('doc'), 4)
            p(f'    pub const {c_upper(e["name"])}: {int} = 1 << {bit};')
        p('}')
        p('')
        p('bitflags::bitflags! {')
        self.doc(d.get('doc'), 4)
        p('    ///')
        p('    /// Bits the spec does not name are kept (`from_bits_retain`).')
        p('    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]')
        p(f'    pub struct {name}: {int} {{')
        for e, _ in entries:
            self.doc(e.get('doc'), 8)
            p(f'        const {c_upper(e["name"])} = {module}::{c_upper(e["name"])};')
        p('    }')
        p('}')
        p('')
        p(f'impl {name} {{')
        p('    /// Each flag with its name in the spec, in bit order.')
        p(f'    pub const SPEC_NAMES: &\'static [({name}, &\'static str)] = &[')
        for e, _ in entries:
            p(f'        ({name}::{c_upper(e["name"])}, "{e["name"]}"),')
        p('    ];')
        p('')
        p('    /// Names of the set flags, in bit order; bits the spec does not name as')
        p('    /// one `0x...`.')
        p('    pub fn names(self) -> Vec<String> {')
        p('        flag_names(self, Self::SPEC_NAMES)')
        p('    }')
        p('')
        p('    /// The flag the spec calls `name`.')
        p(f'    pub fn from_spec_name(name: &str) -> Option<{name}> {{')
        p('        Self::SPEC_NAMES')
        p('            .iter()')
        p('            .find(|(_, n)| *n == name)')
        p('            .map(|(flag, _)| *flag)')
        p('    }')
        p('}')
        p('')
        p(f'/// The names of the set flags, comma-separated.')
        p(f'impl fmt::Display for {name} {{')
        p('    fn fmt(&self, f: &mut fmt::Formatter<\'_>) -> fmt::Result {')
        p('        write_flag_names(f, *self, Self::SPEC_NAMES)')
        p('    }')
        p('}')
        self.attr_value_impl(name, int, 'self.bits()', f'{name}::from_bits_retain')

    def commands(self):
        spec = self.spec
        ops = op_ids(spec)
        p = self.p
        p('')
        p(f'/// Command numbers (`{c_upper(spec["name"])}_CMD_*`).')
        p('pub mod cmd {')
        for op, value in ops:
            p(f'    pub const {c_upper(op["name"])}: u8 = {value};')
        p('}')
        variants = [(op['name'], f'cmd::{c_upper(op["name"])}', op.get('doc')) for op, _ in ops]
        self.open_enum('Cmd', 'u8', variants, 'A command of the family.')
        events = [op['name'] for op, _ in ops if 'notify' in op or 'event' in op]
        p('')
        p('impl Cmd {')
        p('    /// Whether the command only travels as a multicast event.')
        p('    pub fn is_notification(self) -> bool {')
        if events:
            p(f'        matches!(self, {" | ".join("Cmd::" + camel(e) for e in events)})')
        else:
            p('        false')
        p('    }')
        p('}')

    def attribute_set(self, aset):
        fam = c_upper(self.spec['name'])
        module = f'{snake(aset["name"])}_attr'
        name = f'{camel(aset["name"])}Attr'
        ids = attr_ids(aset)
        p = self.p
        p('')
        p(f'/// Attribute ids of the `{aset["name"]}` set (`{fam}_A_{c_upper(aset["name"])}_*`).')
        p(f'pub mod {module} {{')
        p('    use super::{AttrSpec, AttrType};')
        p('')
        for a, value in ids:
            p(f'    pub const {c_upper(a["name"])}: u16 = {value};')
        p(f'    pub const MAX: u16 = {ids[-1][1]};')
        p('')
        p('    /// Every attribute of the set: id, name, type and the definition naming its values.')
        p('    pub const ATTRS: &[AttrSpec] = &[')
        for a, _ in ids:
            values = f'Some("{a["enum"]}")' if 'enum' in a else 'None'
            p('        AttrSpec {')
            p(f'            id: {c_upper(a["name"])},')
            p(f'            name: "{a["name"]}",')
            p(f'            ty: AttrType::{TYPES[a["type"]]},')
            p(f'            enum_name: {values},')
            p('        },')
        p('    ];')
        p('')
        p('    /// The spec\'s name of attribute `id`.')
        p('    pub fn name(id: u16) -> Option<&\'static str> {')
        p('        ATTRS.iter().find(|a| a.id == id).map(|a| a.name)')
        p('    }')
        p('}')

        typed = [(a, self.value_type(aset, a)) for a, _ in ids]
        p('')
        self.doc(f'An attribute of the `{aset["name"]}` set.')
        if aset.get('doc'):
            p('///')
            self.doc(aset['doc'])
        p('#[derive(Debug, Clone, PartialEq, Eq)]')
        p(f'pub enum {name} {{')
        for a, t in typed:
            self.doc(a.get('doc', PAD_DOC if a['type'] == 'pad' else None), 4)
            p(f'    {camel(a["name"])}({t}),' if t else f'    {camel(a["name"])},')
        p('    /// An attribute the spec does not name, or one with NLA_F_NESTED or')
        p('    /// NLA_F_NET_BYTEORDER set (the spec gives no attribute these flags), kept as')
        p('    /// received.')
        p('    Other(UnknownAttr),')
        p('}')
        p('')
        p(f'impl Nla for {name} {{')
        p('    fn value_len(&self) -> usize {')
        p('        match self {')
        for a, t in typed:
            v = camel(a['name'])
            p(f'            {name}::{v}(v) => v.wire_len(),' if t else f'            {name}::{v} => 0,')
        p(f'            {name}::Other(o) => o.value_len(),')
        p('        }')
        p('    }')
        p('')
        p('    fn kind(&self) -> u16 {')
        p('        match self {')
        for a, t in typed:
            v = camel(a['name'])
            p(f'            {name}::{v}{"(_)" if t else ""} => {module}::{c_upper(a["name"])},')
        p(f'            {name}::Other(o) => o.kind(),')
        p('        }')
        p('    }')
        p('')
        p('    fn emit_value(&self, buf: &mut [u8]) {')
        p('        match self {')
        for a, t in typed:
            v = camel(a['name'])
            p(f'            {name}::{v}(v) => v.write(buf),' if t else f'            {name}::{v} => {{}}')
        p(f'            {name}::Other(o) => o.emit_value(buf),')
        p('        }')
        p('    }')
        p('}')
        p('')
        p(f'impl<\'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&\'a T>> for {name} {{')
        p('    fn parse(buf: &NlaBuffer<&\'a T>) -> Result<Self, DecodeError> {')
        p('        if buf.nested_flag() || buf.network_byte_order_flag() {')
        p(f'            return Ok({name}::Other(UnknownAttr::from_buffer(buf)));')
        p('        }')
        p('        let v = buf.value();')
        p('        Ok(match buf.kind() {')
        for a, t in typed:
            v = camel(a['name'])
            const = f'{module}::{c_upper(a["name"])}'
            if a['type'] == 'uint':
                p(f'            {const} => {name}::{v}(read_uint(v, "{a["name"]}")?),')
            elif t:
                p(f'            {const} => {name}::{v}(read_value(v, "{a["name"]}")?),')
            else:
                p(f'            {const} => read_flag(v, "{a["name"]}").map(|()| {name}::{v})?,')
        p(f'            _ => {name}::Other(UnknownAttr::from_buffer(buf)),')
        p('        })')
        p('    }')
        p('}')

    def attrs(self):
        sets = [aset['name'] for aset in self.spec['attribute-sets']]
        ops = op_ids(self.spec)
        p = self.p
        p('')
        p('/// The attributes of a message, in the set its command uses.')
        p('#[derive(Debug, Clone, PartialEq, Eq)]')
        p('pub enum Attrs {')
        for s in sets:
            p(f'    {camel(s)}(Vec<{camel(s)}Attr>),')
        p('}')
        p('')
        p('impl Attrs {')
        p('    /// Parse the attributes of a `cmd` message. A command this crate does not')
        p(f'    /// know is read with the spec\'s first set, `{sets[0]}`.')
        p('    pub fn parse(cmd: Cmd, buf: &[u8]) -> Result<Attrs, DecodeError> {')
        p('        Ok(match cmd {')
        for i, s in enumerate(sets):
            arms = [f'Cmd::{camel(op["name"])}' for op, _ in ops if self.set_of_op[op['name']] == s]
            if i == 0:
                arms.append('Cmd::Other(_)')
            if arms:
                p(f'            {" | ".join(arms)} => Attrs::{camel(s)}(parse_all(buf)?),')
        p('        })')
        p('    }')
        p('}')
        p('')
        p('impl Emitable for Attrs {')
        p('    fn buffer_len(&self) -> usize {')
        p('        match self {')
        for s in sets:
            p(f'            Attrs::{camel(s)}(a) => a.as_slice().buffer_len(),')
        p('        }')
        p('    }')
        p('')
        p('    fn emit(&self, buffer: &mut [u8]) {')
        p('        match self {')
        for s in sets:
            p(f'            Attrs::{camel(s)}(a) => a.as_slice().emit(buffer),')
        p('        }')
        p('    }')
        p('}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--mode', choices=('kernel', 'kernel-msgs', 'user'), required=True)
    ap.add_argument('spec')
    args = ap.parse_args()
    with open(args.spec, encoding='utf-8') as f:
        spec = yaml.safe_load(f)
    if args.mode == 'kernel':
        out = kernel(spec)
    elif args.mode == 'kernel-msgs':
        out = kernel_msgs(spec)
    else:
        out = UserModule(spec).render()
    print('\n'.join(out))


if __name__ == '__main__':
    main()
