// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's calls that are static inline or macros in C: the bottom-half
 * spinlock for rust/bhlock.rs, cond_resched() and the slab cache calls for
 * rust/platform.rs. Built into rtemu, its KUnit module and its benchmark.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

void rtemu_spin_lock_bh(spinlock_t *lock);
bool rtemu_spin_trylock_bh(spinlock_t *lock);
void rtemu_spin_unlock_bh(spinlock_t *lock);

void rtemu_spin_lock_bh(spinlock_t *lock)
{
	spin_lock_bh(lock);
}

bool rtemu_spin_trylock_bh(spinlock_t *lock)
{
	return spin_trylock_bh(lock);
}

void rtemu_spin_unlock_bh(spinlock_t *lock)
{
	spin_unlock_bh(lock);
}

void rtemu_cond_resched(void);

void rtemu_cond_resched(void)
{
	cond_resched();
}

struct kmem_cache *rtemu_slab_create(const char *name, unsigned int size,
				     unsigned int align);
void *rtemu_slab_alloc(struct kmem_cache *cache, gfp_t gfp);

struct kmem_cache *rtemu_slab_create(const char *name, unsigned int size,
				     unsigned int align)
{
	struct kmem_cache_args args = { .align = align };

	return kmem_cache_create(name, size, &args, 0);
}

void *rtemu_slab_alloc(struct kmem_cache *cache, gfp_t gfp)
{
	return kmem_cache_alloc(cache, gfp);
}
