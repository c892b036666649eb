// SPDX-License-Identifier: GPL-2.0

//! A prefix's paths as readers see them ([`Paths`]: the first in the trie,
//! the others hanging off it), and how the writer publishes a new set of
//! them in one step, looks them up and walks them.

use kernel::{prelude::*, sync::atomic::Relaxed};

use super::{RouteTable, TableError};
use crate::{
    addr::{Addr, Af, Prefix},
    entry::{OtherPaths, RtArc, RtEntry, RtLocked},
    platform::{AllocError, RVec, RcuArc, RcuGuard, RcuRef},
    trie::{Key, Trie, WriteTxn},
};

/// The paths of one prefix as a reader sees them: the first, which the trie
/// holds, and the others, which hang off it.
#[derive(Clone, Copy)]
pub(crate) struct Paths<'g> {
    first: RcuRef<'g, RtEntry>,
    others: &'g [RtArc],
}

/// One path of a [`Paths`].
#[derive(Clone, Copy)]
pub(crate) enum PathRef<'g> {
    First(RcuRef<'g, RtEntry>),
    Other(&'g RtArc),
}

impl<'g> PathRef<'g> {
    /// A handle on the entry's memory; `None` if the entry just left the
    /// table and nothing else holds it.
    pub(crate) fn to_arc(self) -> Option<RtArc> {
        match self {
            PathRef::First(rt) => rt.to_arc(),
            PathRef::Other(rt) => Some(rt.clone()),
        }
    }

    /// The entry as found under `g`.
    pub(crate) fn found(self, g: &'g RcuGuard) -> RcuRef<'g, RtEntry> {
        match self {
            PathRef::First(rt) => rt,
            PathRef::Other(rt) => rt.as_found(g),
        }
    }
}

impl core::ops::Deref for PathRef<'_> {
    type Target = RtEntry;

    fn deref(&self) -> &RtEntry {
        match self {
            PathRef::First(rt) => rt,
            PathRef::Other(rt) => rt,
        }
    }
}

impl<'g> Paths<'g> {
    pub(super) fn of(first: RcuRef<'g, RtEntry>, g: &'g RcuGuard) -> Self {
        Self {
            first,
            others: first.get().other_paths(g),
        }
    }

    pub(crate) fn len(&self) -> usize {
        1 + self.others.len()
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = PathRef<'g>> {
        Iterator::chain(
            core::iter::once(PathRef::First(self.first)),
            self.others.iter().map(PathRef::Other),
        )
    }

    /// The path a lookup returns: the first that is not deprecated, else the
    /// first.
    pub(crate) fn chosen(self) -> PathRef<'g> {
        if self.others.is_empty() {
            return PathRef::First(self.first);
        }
        self.iter()
            .find(|rt| !rt.is_deprecated())
            .unwrap_or(PathRef::First(self.first))
    }
}

/// The trie key of each family.
pub(crate) trait AfKey: Key {
    fn of(addr: &Addr) -> Self;
    fn addr(self) -> Addr;
}

impl AfKey for u32 {
    fn of(addr: &Addr) -> Self {
        let mut b = [0u8; 4];
        b.copy_from_slice(&addr.as_bytes()[..4]);
        u32::from_be_bytes(b)
    }

    fn addr(self) -> Addr {
        Addr::from_v4_key(self)
    }
}

impl AfKey for u128 {
    fn of(addr: &Addr) -> Self {
        let mut b = [0u8; 16];
        b.copy_from_slice(&addr.as_bytes()[..16]);
        u128::from_be_bytes(b)
    }

    fn addr(self) -> Addr {
        Addr::from_v6_key(self)
    }
}

impl RouteTable {
    /// The longest match for `dst` under `g`.
    pub(crate) fn lookup_rcu<'g>(&'g self, dst: &Addr, g: &'g RcuGuard) -> Option<PathRef<'g>> {
        let first = on_trie!(self, dst.af(), |trie| trie
            .lookup(AfKey::of(dst), g)
            .map(|(_, _, first)| first))?;
        Some(Paths::of(first, g).chosen())
    }

    /// The longest match for `dst`, referenced and locked, its use
    /// counted. A match that leaves the table meanwhile, held by nothing, is
    /// a miss.
    pub(super) fn lookup_locked(&self, dst: &Addr) -> Option<RtLocked> {
        let g = RcuGuard::new();
        let mut rt = RtLocked::lock_found(self.lookup_rcu(dst, &g)?.found(&g))?;
        drop(g);
        rt.note_use();
        Some(rt)
    }

    /// The set of paths of exactly `prefix`, under `g`.
    pub(super) fn set_of<'g>(&'g self, prefix: &Prefix, g: &'g RcuGuard) -> Option<Paths<'g>> {
        let first = on_trie!(self, prefix.af(), |trie| trie.get(
            AfKey::of(&prefix.addr()),
            prefix.len(),
            g
        ))?;
        Some(Paths::of(first, g))
    }

    /// The paths of exactly `prefix`. The `RtArc`s keep the entries' memory,
    /// not references in `rt_refcnt`'s sense: the writer uses them, and
    /// what it reports must not count its own bookkeeping.
    /// Fails only for want of memory. May sleep.
    pub(crate) fn get_exact(&self, prefix: &Prefix) -> Result<KVec<RtArc>, AllocError> {
        let paths = |g: &RcuGuard| self.set_of(prefix, g).map_or(0, |s| s.len());
        let n = paths(&RcuGuard::new());
        let mut out = KVec::with_capacity(n, GFP_KERNEL)?;
        let g = RcuGuard::new();
        if let Some(set) = self.set_of(prefix, &g) {
            // Within the capacity under the writer lock, which every caller
            // but the tests holds; otherwise the set may have grown, and
            // inside the RCU section an allocation cannot sleep.
            // A path that left meanwhile (only without the writer lock) is
            // skipped.
            for rt in set.iter().filter_map(PathRef::to_arc) {
                out.push(rt, GFP_ATOMIC)?;
            }
        }
        Ok(out)
    }

    /// Publishes a new set for `rt`'s prefix: `keep` plus `rt`. On error
    /// the table is unchanged.
    pub(super) fn insert_path(&self, rt: &RtArc, keep: &[RtArc]) -> Result<(), TableError> {
        let prefix = rt.prefix();
        self.publish_paths(&prefix, keep, Some(rt))?;
        // A lookup between the two finds it without `RTF_UP`: its reference
        // counts it in `rttrash` until this.
        RtEntry::mark_up(rt);
        self.routes_of(prefix.af()).fetch_add(1, Relaxed);
        self.changed();
        Ok(())
    }

    /// Republishes `rt`'s prefix without `rt`.
    pub(super) fn remove_path(&self, rt: &RtArc) -> Result<(), TableError> {
        let prefix = rt.prefix();
        let existing = self.get_exact(&prefix)?;
        let mut keep = KVec::with_capacity(existing.len(), GFP_KERNEL)?;
        let mut found = false;
        for path in &existing {
            if RtArc::ptr_eq(path, rt) {
                found = true;
            } else {
                keep.push(path.clone(), GFP_KERNEL)?;
            }
        }
        drop(existing);
        if !found {
            return Err(TableError::NoSuchRoute);
        }
        self.republish(&prefix, &keep)
    }

    /// Publishes `paths` as `prefix`'s set, or removes the prefix when there
    /// are none.
    pub(super) fn republish(&self, prefix: &Prefix, paths: &[RtArc]) -> Result<(), TableError> {
        self.publish_paths(prefix, paths, None)
    }

    /// Publishes `keep` and then `extra` as `prefix`'s paths in its family's
    /// trie (none removes the prefix).
    pub(super) fn publish_paths(
        &self,
        prefix: &Prefix,
        keep: &[RtArc],
        extra: Option<&RtArc>,
    ) -> Result<(), TableError> {
        on_trie!(self, prefix.af(), |trie| publish(
            trie,
            AfKey::of(&prefix.addr()),
            prefix.len(),
            keep,
            extra
        ))
    }

    /// Calls `f` for each route of `af` in (address, length) order, starting
    /// after `cursor` (prefix and count of its paths already seen). `f`
    /// returns `false` to stop; the cursor then names where to resume.
    pub(crate) fn walk_from(
        &self,
        af: Af,
        cursor: &mut Option<(Prefix, u32)>,
        f: &mut dyn FnMut(&RtEntry) -> bool,
    ) -> bool {
        let g = RcuGuard::new();
        on_trie!(self, af, |trie| walk_from(trie, cursor, &g, f))
    }
}

/// The write side of `trie`, for a caller that holds the table's writer
/// lock, which serialises the table's writers: another open transaction is
/// a bug, reported (WARN) and refused.
pub(super) fn write_txn<K: Key>(
    trie: &Trie<K, RtArc>,
) -> Result<WriteTxn<'_, K, RtArc>, TableError> {
    let Some(txn) = trie.writer() else {
        kernel::warn_on!(true);
        return Err(TableError::WriterBusy);
    };
    Ok(txn)
}

/// Publishes `keep` and then `extra` as the paths of `(key, len)`: the first
/// in the trie, the others hanging off it; none removes the prefix. The new
/// list of other paths is allocated before anything changes, so on error
/// the table is unchanged.
///
/// A reader sees the old paths or the new ones: a first that stays first
/// gets its new list in one swap; a new first gets its list before the trie
/// points at it, and the old first, no longer first, lets go of its list.
/// One descent of the trie: an existing prefix's slot is swapped in place.
pub(super) fn publish<K: Key>(
    trie: &Trie<K, RtArc>,
    key: K,
    len: u8,
    keep: &[RtArc],
    extra: Option<&RtArc>,
) -> Result<(), TableError> {
    let mut txn = write_txn(trie)?;
    let mut paths = Iterator::chain(keep.iter(), extra);
    let Some(first) = paths.next() else {
        if let Some(old) = txn.remove(key, len)? {
            drop(old.set_other_paths(None));
        }
        return Ok(());
    };
    let n = keep.len() + usize::from(extra.is_some()) - 1;
    let others = if n == 0 {
        None
    } else {
        let mut v = RVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?;
        for rt in paths {
            // Within the capacity: no allocation.
            v.push(rt.clone(), GFP_KERNEL_ACCOUNT)?;
        }
        Some(RcuArc::try_new(OtherPaths(v))?)
    };
    // Whether `first` is new there or was first already, it gets its list
    // before the trie's slot points at it (again).
    let before = first.set_other_paths(others);
    match txn.insert(key, len, first.clone()) {
        Ok(old) => {
            if let Some(old) = old.filter(|old| !RtArc::ptr_eq(old, first)) {
                drop(old.set_other_paths(None));
            }
            drop(before);
        }
        Err(e) => {
            drop(first.set_other_paths(before));
            return Err(e.into());
        }
    }
    Ok(())
}

/// Calls `f` for each path of the prefixes after `after` (from the first,
/// if `None`) in (address, length) order, all paths of a prefix at once;
/// with `within`, only the prefixes inside it, `within` itself first.
/// Stops after a prefix for which `f` returned `false`, and leaves in
/// `after` the last prefix visited. Returns whether the walk reached the end.
pub(super) fn walk_after<K: AfKey>(
    trie: &Trie<K, RtArc>,
    within: Option<&Prefix>,
    after: &mut Option<Prefix>,
    g: &RcuGuard,
    f: &mut dyn FnMut(PathRef<'_>) -> bool,
) -> bool {
    let mut each_path = |first| {
        let mut more = true;
        for rt in Paths::of(first, g).iter() {
            more &= f(rt);
        }
        more
    };
    if let (Some(p0), None) = (within, *after) {
        *after = Some(*p0);
        if let Some(first) = trie.get(K::of(&p0.addr()), p0.len(), g) {
            if !each_path(first) {
                return false;
            }
        }
    }
    let from = after.map(|p| (K::of(&p.addr()), p.len()));
    for (key, len, first) in trie.iter_from(from, g) {
        // In (address, length) order the prefixes inside `within` follow
        // it, until the first address outside it.
        if within.is_some_and(|p0| !p0.contains(&key.addr())) {
            return true;
        }
        let more = each_path(first);
        if let Ok(prefix) = Prefix::new(key.addr(), len) {
            *after = Some(prefix);
        }
        if !more {
            return false;
        }
    }
    true
}

pub(super) fn walk_from<K: AfKey>(
    trie: &Trie<K, RtArc>,
    cursor: &mut Option<(Prefix, u32)>,
    g: &RcuGuard,
    f: &mut dyn FnMut(&RtEntry) -> bool,
) -> bool {
    // Resume at the cursor's prefix itself, skipping its paths already
    // seen, then strictly after it.
    let resume_at = *cursor;
    let iter = match resume_at {
        Some((p, seen)) => {
            let key = K::of(&p.addr());
            if let Some(first) = trie.get(key, p.len(), g) {
                let mut n = seen;
                for rt in Paths::of(first, g).iter().skip(seen as usize) {
                    if !f(&rt) {
                        return false;
                    }
                    n += 1;
                    *cursor = Some((p, n));
                }
            }
            trie.iter_from(Some((key, p.len())), g)
        }
        None => trie.iter(g),
    };
    for (key, len, first) in iter {
        let Ok(prefix) = Prefix::new(key.addr(), len) else {
            continue;
        };
        let mut seen = 0;
        for rt in Paths::of(first, g).iter() {
            if !f(&rt) {
                return false;
            }
            seen += 1;
            *cursor = Some((prefix, seen));
        }
    }
    true
}
