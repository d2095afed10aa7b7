// SPDX-License-Identifier: GPL-2.0
/*
 * A canary for the judge of the test bench: each write of a name to
 * /sys/kernel/debug/vmxon_canary provokes one kind of report that
 * scripts/ktap.py must find in a console log. A run in which the judge
 * misses one of them fails, so a detector made blind by a kernel option (a
 * kernel without CONFIG_BUG prints no WARN) cannot pass unnoticed. The
 * sanitizer kernels' reports (kasan_oob and ubsan_shift on the KASAN
 * kernel, kcsan_race on the KCSAN kernel) are provoked only there.
 *
 * Test bench only: never load this anywhere else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(canary_a);
static DEFINE_MUTEX(canary_b);
static DEFINE_SPINLOCK(canary_spin);
static struct dentry *canary_file;

static void canary_warn(void)
{
	WARN(1, "vmxon canary: a WARN on purpose\n");
}

/* canary_a is not held: the assertion fails, as a WARN. */
static void canary_lockdep_assert(void)
{
	lockdep_assert_held(&canary_a);
}

/* What may sleep, under a spinlock (might_sleep() itself never sleeps). */
static void canary_atomic_sleep(void)
{
	spin_lock(&canary_spin);
	might_sleep();
	spin_unlock(&canary_spin);
}

/* The only pointer to the object is dropped: kmemleak's next scans report it. */
static void canary_leak(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	pr_info("leaking %zu bytes on purpose\n", p ? (size_t)64 : 0);
}

/*
 * a then b, then b then a: lockdep reports the possible deadlock without
 * one happening. lockdep turns itself off after its first report, so this
 * one comes last in a boot.
 */
static void canary_lockdep_deadlock(void)
{
	mutex_lock(&canary_a);
	mutex_lock(&canary_b);
	mutex_unlock(&canary_b);
	mutex_unlock(&canary_a);

	mutex_lock(&canary_b);
	mutex_lock(&canary_a);
	mutex_unlock(&canary_a);
	mutex_unlock(&canary_b);
}

/*
 * A write past the 13 bytes asked for, inside the 16-byte slab object:
 * KASAN tracks the size asked for; without KASAN nothing is harmed.
 */
static void canary_kasan_oob(void)
{
	char *p = kmalloc(13, GFP_KERNEL);

	if (!p)
		return;
	OPTIMIZER_HIDE_VAR(p);
	p[13] = 1;
	kfree(p);
}

/* A shift by more than the width of int. */
static void canary_ubsan_shift(void)
{
	int n = 40;

	OPTIMIZER_HIDE_VAR(n);
	pr_info("1 << %d is %d\n", n, 1 << n);
}

/* Plain increments of one int from two CPUs at once. */
static int canary_racy;

static noinline void canary_race_step(void)
{
	canary_racy++;
}

static int canary_race_thread(void *unused)
{
	unsigned int i;

	while (!kthread_should_stop()) {
		for (i = 0; i < 1000; i++)
			canary_race_step();
		cond_resched();
	}
	return 0;
}

/*
 * Two threads, bound to two CPUs, race for a second: far more than KCSAN
 * needs to see it. The CPU hotplug lock keeps both CPUs online.
 */
static void canary_kcsan_race(void)
{
	struct task_struct *t[2] = {};
	unsigned int cpu, n = 0;

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (n == ARRAY_SIZE(t))
			break;
		t[n] = kthread_create(canary_race_thread, NULL,
				      "vmxon_canary_race/%u", cpu);
		if (IS_ERR(t[n])) {
			pr_err("kcsan_race: no thread: %ld\n", PTR_ERR(t[n]));
			t[n] = NULL;
			break;
		}
		kthread_bind(t[n], cpu);
		wake_up_process(t[n]);
		n++;
	}
	if (n < ARRAY_SIZE(t))
		pr_err("kcsan_race: needs two CPUs and two threads, has %u\n", n);
	else
		msleep(1000);
	while (n)
		kthread_stop(t[--n]);
	cpus_read_unlock();
}

static const struct {
	const char *name;
	void (*provoke)(void);
} canaries[] = {
	{ "warn", canary_warn },
	{ "lockdep_assert", canary_lockdep_assert },
	{ "atomic_sleep", canary_atomic_sleep },
	{ "kmemleak", canary_leak },
	{ "lockdep_deadlock", canary_lockdep_deadlock },
	{ "kasan_oob", canary_kasan_oob },
	{ "ubsan_shift", canary_ubsan_shift },
	{ "kcsan_race", canary_kcsan_race },
};

static ssize_t canary_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[32];
	size_t i;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	for (i = 0; i < ARRAY_SIZE(canaries); i++) {
		if (sysfs_streq(buf, canaries[i].name)) {
			pr_info("provoking %s\n", canaries[i].name);
			canaries[i].provoke();
			return count;
		}
	}
	return -EINVAL;
}

static const struct file_operations canary_fops = {
	.owner = THIS_MODULE,
	.write = canary_write,
	.llseek = noop_llseek,
};

static int __init canary_init(void)
{
	canary_file = debugfs_create_file("vmxon_canary", 0200, NULL, NULL,
					  &canary_fops);
	return 0;
}

static void __exit canary_exit(void)
{
	debugfs_remove(canary_file);
}

module_init(canary_init);
module_exit(canary_exit);
MODULE_DESCRIPTION("vmxon test bench: provokes each kind of kernel report the judge looks for");
MODULE_LICENSE("GPL");
