// SPDX-License-Identifier: GPL-2.0
/* The bottom-half spinlock calls, static inline in C, for rust/bhlock.rs. */
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
