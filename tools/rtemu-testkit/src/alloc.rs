// SPDX-License-Identifier: GPL-2.0-only

//! A counting global allocator: a program (or test binary) that installs [`Counting`] with
//! `#[global_allocator]` gets from [`live_bytes`] before and after building a structure its heap
//! bytes (requested sizes, the same way for every implementation). There is one count per
//! program, so what measures with it must not run beside anything else that allocates.

use std::alloc::{
    GlobalAlloc,
    Layout,
    System, //
};
use std::sync::atomic::{
    AtomicIsize,
    Ordering, //
};

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Forwards to [`System`], counting live bytes.
pub struct Counting;

// SAFETY: Forwards to `System`, only counting.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: Same contract as ours.
        unsafe { System.alloc(l) }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: Same contract as ours.
        unsafe { System.alloc_zeroed(l) }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: Same contract as ours.
        unsafe { System.dealloc(p, l) }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new as isize - l.size() as isize, Ordering::Relaxed);
        // SAFETY: Same contract as ours.
        unsafe { System.realloc(p, l, new) }
    }
}

/// Bytes currently allocated through [`Counting`] (0 when it is not the global allocator).
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}
