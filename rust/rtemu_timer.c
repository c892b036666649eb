// SPDX-License-Identifier: GPL-2.0
/*
 * Delayed work that calls back into Rust (rust/timer.rs): a table's lifetime
 * work. Built into rtemu and its KUnit module.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct rtemu_timer {
	struct delayed_work work;
	/* Guards armed and due, and orders their check and the arming. */
	spinlock_t lock;
	/*
	 * Whether the work is due (its timer armed, or it queued) and has not
	 * started, and by when. Kept here because the work's own timer does
	 * not say: queued with no delay, its expiry is left stale, possibly
	 * in the future, from the timer that queueing cancelled.
	 */
	bool armed;
	unsigned long due;
	void (*fire)(void *ctx);
	void *ctx;
};

struct rtemu_timer *rtemu_timer_new(void (*fire)(void *ctx), void *ctx);
void rtemu_timer_arm(struct rtemu_timer *timer, unsigned long delay_ms);
void rtemu_timer_cancel_sync(struct rtemu_timer *timer);
void rtemu_timer_free(struct rtemu_timer *timer);

static void rtemu_timer_work(struct work_struct *work)
{
	struct rtemu_timer *timer =
		container_of(to_delayed_work(work), struct rtemu_timer, work);

	/*
	 * From here on a caller's time needs the work again: this run may have
	 * looked at the table before the caller's change.
	 */
	spin_lock_bh(&timer->lock);
	timer->armed = false;
	spin_unlock_bh(&timer->lock);
	timer->fire(timer->ctx);
}

struct rtemu_timer *rtemu_timer_new(void (*fire)(void *ctx), void *ctx)
{
	struct rtemu_timer *timer = kzalloc_obj(*timer);

	if (!timer)
		return NULL;
	INIT_DELAYED_WORK(&timer->work, rtemu_timer_work);
	spin_lock_init(&timer->lock);
	timer->fire = fire;
	timer->ctx = ctx;
	return timer;
}

/*
 * Arms the work to run within delay_ms, unless it is due sooner already:
 * never postpones it, so that each caller's time holds, and a burst of
 * callers with later times leaves the work alone.
 */
void rtemu_timer_arm(struct rtemu_timer *timer, unsigned long delay_ms)
{
	unsigned long delay = msecs_to_jiffies(delay_ms);
	unsigned long due = jiffies + delay;

	spin_lock_bh(&timer->lock);
	if (!timer->armed || time_before(due, timer->due)) {
		timer->armed = true;
		timer->due = due;
		mod_delayed_work(system_wq, &timer->work, delay);
	}
	spin_unlock_bh(&timer->lock);
}

void rtemu_timer_cancel_sync(struct rtemu_timer *timer)
{
	cancel_delayed_work_sync(&timer->work);
	spin_lock_bh(&timer->lock);
	timer->armed = false;
	spin_unlock_bh(&timer->lock);
}

void rtemu_timer_free(struct rtemu_timer *timer)
{
	kfree(timer);
}
