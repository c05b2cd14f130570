// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: module parameters, load and unload.
 *
 * Load: the default table (with its slab cache), its holders (the ctl
 * files' records, holders.c), then debugfs.
 * Unload: the reverse. debugfs goes first, then the parameters stop
 * reaching the table: removing the files waits for
 * every handler still running in them, and an open file pins the module
 * (fops .owner), so once refcache_debugfs_exit() returns nothing can reach
 * the table. Whatever is still live is then reclaimed and counted, and the
 * table's cache is destroyed after that, so kmem_cache_destroy() never
 * finds objects remaining. Last, the holders go, with a line for each
 * (closed) holder that still held references.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>

#include "refcache.h"
#include "refcache_holders.h"
#include "debugfs.h"

static unsigned int obj_size = 64;
module_param(obj_size, uint, 0444);
MODULE_PARM_DESC(obj_size, "payload bytes per object, 0..4096 (default 64)");

/*
 * The table behind /sys/kernel/debug/refcache/. The parameters below
 * change it through refcache's setters once it exists (refcache_ready,
 * under kernel_param_lock(), as the parameters' own handlers are); before
 * that, at insmod, they only set the value the table is made with.
 */
static struct refcache refcache_default;
static bool refcache_ready;
/* Who holds the table's outside references: the ctl files (holders.c). */
static struct refcache_holders refcache_default_holders;

/*
 * Set a parameter from @val, a value in [@min, @max]: through @apply to
 * the table once it exists, then into the parameter itself.
 */
static int refcache_param_set(const char *val, const struct kernel_param *kp,
			      unsigned int min, unsigned int max,
			      int (*apply)(struct refcache *rc, unsigned int v))
{
	unsigned int v;
	int err = kstrtouint(val, 10, &v);

	if (err)
		return err;
	if (v < min || v > max)
		return -EINVAL;
	if (refcache_ready) {
		err = apply(&refcache_default, v);
		if (err)
			return err;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static unsigned int max_refs = REFCACHE_MAX_REFS_LIMIT;

static int max_refs_set(const char *val, const struct kernel_param *kp)
{
	return refcache_param_set(val, kp, 1, REFCACHE_MAX_REFS_LIMIT,
				  refcache_set_max_refs);
}

static const struct kernel_param_ops max_refs_ops = {
	.set = max_refs_set,
	.get = param_get_uint,
};

module_param_cb(max_refs, &max_refs_ops, &max_refs, 0644);
MODULE_PARM_DESC(max_refs,
		 "highest refcount a get or link may reach, 1..1073741824 (default 1073741824)");

/* 0 at load: a quarter of RAM's worth of objects (refcache_module_init()). */
static unsigned int max_objects;

static int max_objects_apply(struct refcache *rc, unsigned int v)
{
	refcache_set_max_objects(rc, v);
	return 0;
}

static int max_objects_set(const char *val, const struct kernel_param *kp)
{
	return refcache_param_set(val, kp, 1, UINT_MAX, max_objects_apply);
}

static const struct kernel_param_ops max_objects_ops = {
	.set = max_objects_set,
	.get = param_get_uint,
};

module_param_cb(max_objects, &max_objects_ops, &max_objects, 0644);
MODULE_PARM_DESC(max_objects,
		 "most live objects; create fails with ENOMEM beyond (default: a quarter of RAM's worth)");

static unsigned int gc_threshold;

static int gc_threshold_apply(struct refcache *rc, unsigned int v)
{
	refcache_set_gc_threshold(rc, v);
	return 0;
}

static int gc_threshold_set(const char *val, const struct kernel_param *kp)
{
	return refcache_param_set(val, kp, 0, UINT_MAX, gc_threshold_apply);
}

static const struct kernel_param_ops gc_threshold_ops = {
	.set = gc_threshold_set,
	.get = param_get_uint,
};

module_param_cb(gc_threshold, &gc_threshold_ops, &gc_threshold, 0644);
MODULE_PARM_DESC(gc_threshold,
		 "collect cycles automatically after this many creations and links (0: only on 'gc', the default)");

/*
 * The holders' settings go straight into refcache_default_holders, which
 * exists before the parameters can be written after insmod (and whose
 * readers use READ_ONCE()); at insmod they are copied in once it is set up.
 */
static bool strict;
static bool refcache_holders_ready;

static int strict_set(const char *val, const struct kernel_param *kp)
{
	bool v;
	int err = kstrtobool(val, &v);

	if (err)
		return err;
	if (refcache_holders_ready)
		WRITE_ONCE(refcache_default_holders.strict, v);
	strict = v;
	return 0;
}

static const struct kernel_param_ops strict_ops = {
	.set = strict_set,
	.get = param_get_bool,
};

module_param_cb(strict, &strict_ops, &strict, 0644);
MODULE_PARM_DESC(strict,
		 "a put by a ctl file that holds no reference on the object fails with EPERM (default off)");

static unsigned int holder_max_objects = REFCACHE_HOLDS_MAX_DEFAULT;

static int holder_max_objects_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int v;
	int err = kstrtouint(val, 10, &v);

	if (err)
		return err;
	if (!v)
		return -EINVAL;
	if (refcache_holders_ready)
		WRITE_ONCE(refcache_default_holders.max_holds, v);
	holder_max_objects = v;
	return 0;
}

static const struct kernel_param_ops holder_max_objects_ops = {
	.set = holder_max_objects_set,
	.get = param_get_uint,
};

module_param_cb(holder_max_objects, &holder_max_objects_ops,
		&holder_max_objects, 0644);
MODULE_PARM_DESC(holder_max_objects,
		 "most objects one ctl file may hold references on; more fail with ENOMEM (default 262144)");

static int __init refcache_module_init(void)
{
	struct refcache_params params = {
		.name = "refcache_obj",
		.obj_size = obj_size,
		.max_refs = max_refs,
	};
	int err;

	if (obj_size > REFCACHE_OBJ_SIZE_MAX) {
		pr_err("obj_size %u is over %u\n", obj_size, REFCACHE_OBJ_SIZE_MAX);
		return -EINVAL;
	}
	kernel_param_lock(THIS_MODULE);
	params.max_objects = max_objects;
	err = refcache_init(&refcache_default, &params);
	if (!err && !max_objects) {
		struct refcache_stats st;

		/* A quarter of RAM's worth, well below the table's ids. */
		refcache_stats(&refcache_default, &st);
		max_objects = min_t(u64, REFCACHE_SLOTS / 2,
				    (u64)totalram_pages() * PAGE_SIZE / 4 /
				    st.slab_object_size);
		refcache_set_max_objects(&refcache_default, max_objects);
	}
	if (!err) {
		refcache_set_gc_threshold(&refcache_default, gc_threshold);
		refcache_ready = true;
	}
	kernel_param_unlock(THIS_MODULE);
	if (err)
		return err;
	err = refcache_holders_init(&refcache_default_holders,
				    &refcache_default, "refcache_hold");
	if (err)
		goto destroy_table;
	kernel_param_lock(THIS_MODULE);
	refcache_default_holders.strict = strict;
	refcache_default_holders.max_holds = holder_max_objects;
	refcache_holders_ready = true;
	kernel_param_unlock(THIS_MODULE);
	err = refcache_debugfs_init(&refcache_default_holders);
	if (err)
		goto destroy_holders;
	return 0;

destroy_holders:
	kernel_param_lock(THIS_MODULE);
	refcache_holders_ready = false;
	kernel_param_unlock(THIS_MODULE);
	refcache_holders_destroy(&refcache_default_holders);
destroy_table:
	kernel_param_lock(THIS_MODULE);
	refcache_ready = false;
	kernel_param_unlock(THIS_MODULE);
	refcache_destroy(&refcache_default);
	return err;
}

static void __exit refcache_module_exit(void)
{
	unsigned long n;

	refcache_debugfs_exit();
	kernel_param_lock(THIS_MODULE);
	refcache_ready = false;
	refcache_holders_ready = false;
	kernel_param_unlock(THIS_MODULE);
	n = refcache_destroy(&refcache_default);
	pr_info("unloading: reclaimed %lu live object%s\n", n, n == 1 ? "" : "s");
	/* What each holder left: after the reclaim line, as its detail. */
	refcache_holders_destroy(&refcache_default_holders);
}

module_init(refcache_module_init);
module_exit(refcache_module_exit);

MODULE_DESCRIPTION("Reference-counted objects on their own slab cache, driven through debugfs");
MODULE_AUTHOR("refcache developers");
MODULE_LICENSE("GPL");
