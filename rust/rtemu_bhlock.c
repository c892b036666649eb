// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's calls that are static inline or macros in C: bottom halves
 * and lockdep for the entry lock of rust/bhlock.rs, cond_resched() and the
 * slab cache calls for rust/platform.rs. Built into rtemu, its KUnit module
 * and its benchmark.
 */
#include <linux/bottom_half.h>
#include <asm/cpufeature.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/slab.h>

void rtemu_local_bh_disable(void);
void rtemu_local_bh_enable(void);

void rtemu_local_bh_disable(void)
{
	local_bh_disable();
}

void rtemu_local_bh_enable(void)
{
	local_bh_enable();
}

#ifdef CONFIG_DEBUG_LOCK_ALLOC
/*
 * The entry lock's lockdep map, annotated as spin_lock_bh() annotates its
 * own, with spinlock_t's wait type: what rtemu.h allows under RT_LOCK is what
 * a spinlock_t allows.
 */
void rtemu_lockdep_init(struct lockdep_map *map, const char *name,
			struct lock_class_key *key);
void rtemu_lockdep_acquire(struct lockdep_map *map, bool trylock);
void rtemu_lockdep_release(struct lockdep_map *map);
void rtemu_lockdep_assert_held(struct lockdep_map *map);

void rtemu_lockdep_init(struct lockdep_map *map, const char *name,
			struct lock_class_key *key)
{
	lockdep_init_map_wait(map, name, key, 0, LD_WAIT_CONFIG);
}

void rtemu_lockdep_acquire(struct lockdep_map *map, bool trylock)
{
	spin_acquire(map, 0, trylock, _RET_IP_);
}

void rtemu_lockdep_release(struct lockdep_map *map)
{
	spin_release(map, _RET_IP_);
}

void rtemu_lockdep_assert_held(struct lockdep_map *map)
{
	lockdep_assert(lock_is_held(map));
}
#endif

bool rtemu_cpu_has_popcnt(void);

bool rtemu_cpu_has_popcnt(void)
{
#ifdef CONFIG_X86_64
	return boot_cpu_has(X86_FEATURE_POPCNT);
#else
	return false;
#endif
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
