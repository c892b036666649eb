// SPDX-License-Identifier: GPL-2.0
/*
 * A module that registers an rtrequest hook and goes without unregistering
 * it (rtemu_api.sh): rtemu must unregister it before the module's code and
 * the hook's memory go. Its calls are counted in the "calls" parameter.
 */
#include <linux/module.h>
#include <linux/rtemu.h>

static atomic_t calls = ATOMIC_INIT(0);

static int calls_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&calls));
}

static const struct kernel_param_ops calls_ops = { .get = calls_get };
module_param_cb(calls, &calls_ops, NULL, 0444);
MODULE_PARM_DESC(calls, "Calls of the hook so far");

static void count_rtrequest(struct net *net, int req, struct rtentry *rt)
{
	atomic_inc(&calls);
}

static struct rtemu_rtrequest_hook hook = { .rtrequest = count_rtrequest };

static int __init hook_leak_init(void)
{
	return rtemu_register_rtrequest(&hook);
}
module_init(hook_leak_init);

/* An exit that forgets to unregister the hook (the bug rtemu survives). */
static void __exit hook_leak_exit(void)
{
}
module_exit(hook_leak_exit);

MODULE_DESCRIPTION("An rtemu hook left registered as its module goes (a test)");
MODULE_LICENSE("GPL");
