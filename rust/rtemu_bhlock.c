// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's calls that are static inline or macros in C: the bottom-half
 * spinlock for rust/bhlock.rs, cond_resched() for rust/platform.rs. Built
 * into rtemu and its KUnit module.
 */
#include <linux/sched.h>
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
