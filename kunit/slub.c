// SPDX-License-Identifier: GPL-2.0
/*
 * refcache KUnit: SLUB's own count of the objects in use in a table's cache.
 *
 * refcache_slab_objects() is refcache's counter of what it allocated and
 * freed; a final put that lowered it but never called kmem_cache_free()
 * would leave it right and the memory taken. So the lifecycle cases also
 * ask SLUB, through the attribute it exports for every cache,
 * /sys/kernel/slab/<name>/objects (SLUB with CONFIG_SYSFS and
 * CONFIG_SLUB_DEBUG, as every test kernel has; a table's cache is
 * SLAB_TYPESAFE_BY_RCU, which SLUB never merges, so the directory has the
 * cache's own name and counts only that table's objects).
 *
 * SLUB's figure (mm/slub.c, show_slab_objects(SO_ALL | SO_OBJECTS)) is the
 * objects of the cache's slabs less the free ones on the nodes' partial
 * lists; the free objects of the slabs the CPUs hold (their active and
 * partial slabs) count as in use. Three things make it exact first:
 *
 * - refcache_quiesce(): with SLUB_RCU_DEBUG (the KASAN kernels), SLUB
 *   frees an object of a SLAB_TYPESAFE_BY_RCU cache only after a grace
 *   period; this waits for those frees;
 * - kmem_cache_shrink(): it first takes back whatever KASAN's quarantine
 *   holds of the cache, then flushes every CPU's slabs to the nodes'
 *   lists and frees the empty ones, so the free objects left are all on
 *   the partial lists, where SLUB counts them;
 * - nothing else allocates from the cache meanwhile: the cases call this
 *   while no other thread uses the table.
 *
 * Any other attribute of a cache that starts with a number (slabs,
 * slab_size, objs_per_slab, ...) is read the same way
 * (refcache_kunit_slub_attr()): the size classes' cases compare where
 * refcache says an object is with SLUB's own layout of the cache.
 *
 * Only exported functions are used (filp_open(), kernel_read(),
 * kmem_cache_shrink()), the same in 6.1 and 6.12. The path is read from the
 * test's kthread, whose root is init's: the runners (and any ordinary
 * system) mount sysfs on /sys.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_kunit.h"

/**
 * refcache_kunit_slub_attr() - a number SLUB shows for a cache
 * @cache: the cache's name, as /sys/kernel/slab/ has it
 * @attr: one of its attributes whose text starts with a number: objects,
 *	slabs, slab_size, object_size, objs_per_slab, order, ...
 *
 * Reads /sys/kernel/slab/@cache/@attr as it is now: no grace period waited
 * for, nothing shrunk (refcache_kunit_slub_read() and refcache_shrink() do
 * that). May sleep.
 *
 * Return: the number (the total, for the attributes that go on with
 * per-node figures), or -errno if the file could not be read or does not
 * start with one.
 */
long refcache_kunit_slub_attr(const char *cache, const char *attr)
{
	char path[128], buf[64];
	unsigned long value;
	struct file *file;
	loff_t pos = 0;
	ssize_t len;
	int err;

	if (snprintf(path, sizeof(path), "/sys/kernel/slab/%s/%s", cache,
		     attr) >= sizeof(path))
		return -ENAMETOOLONG;
	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	len = kernel_read(file, buf, sizeof(buf) - 1, &pos);
	filp_close(file, NULL);
	if (len < 0)
		return len;
	/* "N\n", or with NUMA "N N0=N ...\n": the first number is the total. */
	buf[len] = '\0';
	buf[strcspn(buf, "\n ")] = '\0';
	err = kstrtoul(buf, 10, &value);
	return err ? err : (long)value;
}

/**
 * refcache_kunit_slub_value() - refcache_kunit_slub_attr(), or fail the case
 * @test: the case
 * @cache: the cache's name
 * @attr: the attribute
 *
 * Return: the number /sys/kernel/slab/@cache/@attr starts with.
 */
long refcache_kunit_slub_value(struct kunit *test, const char *cache,
			       const char *attr)
{
	long value = refcache_kunit_slub_attr(cache, attr);

	KUNIT_ASSERT_GE_MSG(test, value, 0L,
			    "cannot read /sys/kernel/slab/%s/%s (is sysfs on /sys?)",
			    cache, attr);
	return value;
}

/**
 * refcache_kunit_slub_read() - SLUB's count of objects in use in a cache
 * @rc: the table, which no other thread uses now
 * @name: the name of its cache (refcache_kunit_table())
 *
 * May sleep (for a grace period, and for every CPU to flush its slabs).
 *
 * Return: the number of objects of the cache SLUB has handed out and not
 * had back, or -errno if /sys/kernel/slab/@name/objects could not be read.
 */
long refcache_kunit_slub_read(struct refcache *rc, const char *name)
{
	refcache_quiesce();
	kmem_cache_shrink(rc->cache);
	return refcache_kunit_slub_attr(name, "objects");
}

/**
 * refcache_kunit_slub_objects() - refcache_kunit_slub_read(), or fail the case
 * @test: the case
 * @rc: the table
 * @name: the name of its cache
 *
 * Return: SLUB's count of objects in use in the cache of @rc.
 */
long refcache_kunit_slub_objects(struct kunit *test, struct refcache *rc,
				 const char *name)
{
	long objects = refcache_kunit_slub_read(rc, name);

	KUNIT_ASSERT_GE_MSG(test, objects, 0L,
			    "cannot read /sys/kernel/slab/%s/objects (is sysfs on /sys?)",
			    name);
	return objects;
}
