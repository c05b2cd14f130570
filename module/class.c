// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: size classes, each a slab cache of its own.
 *
 * A table starts with one class, its default (class 0: obj_size bytes of
 * payload, the cache named as the table). A create that asks for a size
 * (refcache_create_sized()) uses the class the size rounds up to
 * (refcache.h says which), whose cache is made here on first use and lives
 * until the table is destroyed, as pymalloc keeps a pool per class.
 *
 * Every cache is SLAB_TYPESAFE_BY_RCU. Those of the classes above 0 have a
 * constructor that zeroes the state word of memory fresh from the page
 * allocator: SLUB runs it once per object when it makes a slab, never at
 * an allocation, and the state of a freed object stays as its death left
 * it (the id, count 0). So a creator reads in the state word it is about to
 * overwrite which object had the memory before, if any, and keeps it in
 * the object's tail (struct refcache_obj_tail, with the size asked for):
 * that is how a reused hole is told from fresh memory. A cache with a
 * constructor keeps SLUB's free pointer after the object, so with the tail
 * these objects take 16 bytes more than the default class's, which has
 * neither: its objects stay a 32-byte header and the payload, SLUB's free
 * pointer inside the header (refcache_cache_create()), and it records no
 * reuse.
 *
 * Where objects sit in a slab (struct refcache_class.stride, .offset and
 * .per_slab) no public interface says, and it depends on the kernel's
 * debugging options (red zones, KASAN's metadata). It is learnt once, when
 * a cache is made and before anyone else can use it: a slab's worth of
 * objects is allocated (a fresh cache fills its first slab before it takes
 * another), the distance between neighbours is the greatest common divisor
 * of their offsets' differences, and the whole lot is freed again.
 *
 * Locking: class_lock serialises the making of caches; a cache pointer is
 * published with release once its class is complete, and read with
 * acquire. Nothing is ever unpublished before refcache_classes_destroy().
 */
#include <linux/gcd.h>
#include <linux/kfence.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_compat.h"
#include "refcache_internal.h"

/* Most objects a probe allocates: more than any slab of a class holds. */
#define REFCACHE_PROBE_MAX	1024

/* Payload bytes of class @class above 0 (refcache.h lists them). */
static unsigned int refcache_class_bytes(unsigned int class)
{
	unsigned int big;

	if (class <= REFCACHE_CLASSES_SMALL)
		return class * 16;
	/* 640, 768, 896, 1024, then four steps per doubling. */
	big = class - REFCACHE_CLASSES_SMALL - 1;
	return (REFCACHE_CLASS_SMALL_MAX << (big / 4)) / 4 * (5 + big % 4);
}

/* The class a payload of @size bytes (1..REFCACHE_OBJ_SIZE_MAX) rounds up to. */
unsigned int refcache_class_of(unsigned int size)
{
	unsigned int class;

	if (size <= REFCACHE_CLASS_SMALL_MAX)
		return DIV_ROUND_UP(size, 16);
	for (class = REFCACHE_CLASSES_SMALL + 1;
	     refcache_class_bytes(class) < size; class++)
		;
	return class;
}

/**
 * refcache_size_class() - the payload a create of @size bytes gets
 * @size: 1..REFCACHE_OBJ_SIZE_MAX
 *
 * Return: the payload bytes of the size class @size rounds up to, or 0 for
 * a @size outside that range.
 */
unsigned int refcache_size_class(unsigned int size)
{
	if (!size || size > REFCACHE_OBJ_SIZE_MAX)
		return 0;
	return refcache_class_bytes(refcache_class_of(size));
}
EXPORT_SYMBOL_GPL(refcache_size_class);

/* Memory fresh from the page allocator: no object had it (see top). */
static void refcache_obj_ctor(void *p)
{
	struct refcache_obj *obj = p;

	atomic64_set(&obj->state, 0);
	obj->links_in = 0;
	RCU_INIT_POINTER(obj->links, NULL);
}

/*
 * Learn where @cache, fresh and not yet published, puts its objects: take
 * a slab's worth of them, on one CPU, until one comes from another slab.
 * KFENCE's objects belong to no slab and are left out.
 */
static int refcache_class_probe(struct refcache_class *cl,
				struct kmem_cache *cache)
{
	unsigned long base = 0, lo = ULONG_MAX, g = 0;
	unsigned int n = 0, in_first = 0, i;
	struct folio *first = NULL;
	void **objs;
	int err = 0;

	objs = kvmalloc_array(REFCACHE_PROBE_MAX, sizeof(*objs), REFCACHE_GFP);
	if (!objs)
		return -ENOMEM;
	migrate_disable();
	while (n < REFCACHE_PROBE_MAX) {
		void *p = kmem_cache_alloc(cache, REFCACHE_GFP);
		unsigned long off;

		if (!p) {
			err = -ENOMEM;
			break;
		}
		objs[n++] = p;
		if (is_kfence_address(p))
			continue;
		if (!first) {
			first = virt_to_folio(p);
			base = (unsigned long)folio_address(first);
		} else if (virt_to_folio(p) != first) {
			break;
		}
		off = (unsigned long)p - base;
		if (lo != ULONG_MAX)
			g = gcd(g, off > lo ? off - lo : lo - off);
		lo = min(lo, off);
		in_first++;
	}
	migrate_enable();
	for (i = 0; i < n; i++)
		kmem_cache_free(cache, objs[i]);
	kvfree(objs);
	if (err)
		return err;
	if (!first)
		return -ENOMEM;
	cl->offset = lo;
	/* One object per slab: it is all the slab holds. */
	cl->stride = g ?: folio_size(first);
	/* SLUB's own count: object i is at i * stride + offset, offset < stride. */
	cl->per_slab = max(folio_size(first) / cl->stride, 1UL);
	if (cl->per_slab != in_first)
		pr_notice("refcache: %s: a slab held %u objects, %u fit\n",
			  cl->name, in_first, cl->per_slab);
	return 0;
}

/* Make the cache of class @class of @rc and learn its layout. */
static int refcache_class_make(struct refcache *rc, unsigned int class,
			       const char *table)
{
	struct refcache_class *cl = &rc->classes[class];
	struct kmem_cache *cache;
	int err;

	cl->name = class ? kasprintf(GFP_KERNEL, "%s_%u", table, cl->size) :
			   kstrdup(table, GFP_KERNEL);
	if (!cl->name)
		return -ENOMEM;
	if (class)
		cache = kmem_cache_create(cl->name,
					  sizeof(struct refcache_obj) + cl->size +
					  sizeof(struct refcache_obj_tail),
					  0, SLAB_TYPESAFE_BY_RCU,
					  refcache_obj_ctor);
	else
		cache = refcache_cache_create(cl->name,
					      sizeof(struct refcache_obj) +
					      cl->size,
					      offsetof(struct refcache_obj,
						       cls));
	err = cache ? refcache_class_probe(cl, cache) : -ENOMEM;
	if (err) {
		kmem_cache_destroy(cache);
		kfree(cl->name);
		cl->name = NULL;
		return err;
	}
	/* The class's layout before the pointer that leads to it. */
	smp_store_release(&cl->cache, cache);
	return 0;
}

/**
 * refcache_classes_init() - a table's classes, with the default's cache
 * @rc: the table; refcache.obj_size set
 * @name: the default cache's name, the stem of the others'
 *
 * Return: 0, or -ENOMEM (also for a name the system already has).
 */
int refcache_classes_init(struct refcache *rc, const char *name)
{
	unsigned int class;
	int err;

	mutex_init(&rc->class_lock);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		rc->classes[class].rc = rc;
		rc->classes[class].index = class;
		rc->classes[class].size = class ? refcache_class_bytes(class) :
						  rc->obj_size;
	}
	err = refcache_class_make(rc, REFCACHE_CLASS_DEFAULT, name);
	if (err) {
		mutex_destroy(&rc->class_lock);
		return err;
	}
	rc->cache = rc->classes[0].cache;
	return 0;
}

/**
 * refcache_class_get() - the class of a @size-byte payload, its cache made
 * @rc: the table
 * @size: 1..REFCACHE_OBJ_SIZE_MAX
 *
 * May sleep (the first time a class is used).
 *
 * Return: the class, or NULL if its cache could not be made.
 */
struct refcache_class *refcache_class_get(struct refcache *rc,
					  unsigned int size)
{
	unsigned int class = refcache_class_of(size);
	struct refcache_class *cl = &rc->classes[class];
	int err = 0;

	/* Pairs with refcache_class_make(): the class's layout with it. */
	if (smp_load_acquire(&cl->cache))
		return cl;
	mutex_lock(&rc->class_lock);
	if (!cl->cache)
		err = refcache_class_make(rc, class, rc->classes[0].name);
	mutex_unlock(&rc->class_lock);
	return err ? NULL : cl;
}

/**
 * refcache_classes_destroy() - destroy every class's cache
 * @rc: a table with no objects left
 *
 * Waits for the RCU readers a SLAB_TYPESAFE_BY_RCU cache may have.
 */
void refcache_classes_destroy(struct refcache *rc)
{
	unsigned int class;

	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		struct refcache_class *cl = &rc->classes[class];

		kmem_cache_destroy(cl->cache);
		cl->cache = NULL;
		kfree(cl->name);
		cl->name = NULL;
	}
	rc->cache = NULL;
	mutex_destroy(&rc->class_lock);
}

/**
 * refcache_shrink() - give a table's free slab memory back
 * @rc: the table
 *
 * Waits for the frees a debugging SLUB defers (refcache_quiesce()), then
 * kmem_cache_shrink()s every class's cache: SLUB takes back what KASAN's
 * quarantine holds, flushes the CPUs' slabs and frees the empty ones. For
 * tests and for a reader who wants SLUB's counts to be final. May sleep.
 */
void refcache_shrink(struct refcache *rc)
{
	unsigned int class;

	refcache_quiesce();
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		/* As in refcache_class_get(). */
		struct kmem_cache *cache = smp_load_acquire(&rc->classes[class].cache);

		if (cache)
			kmem_cache_shrink(cache);
	}
}
EXPORT_SYMBOL_GPL(refcache_shrink);

/**
 * refcache_obj_payload_size() - payload bytes of an object
 * @obj: an object the caller holds a reference on
 *
 * Return: its class's payload size (refcache_size_class() of what its
 * create asked for, or the table's obj_size for the default class).
 */
unsigned int refcache_obj_payload_size(const struct refcache_obj *obj)
{
	return obj->cls->size;
}
EXPORT_SYMBOL_GPL(refcache_obj_payload_size);

/**
 * refcache_class_stats() - one size class's figures
 * @rc: the table
 * @class: 0..REFCACHE_NR_CLASSES - 1
 * @cs: filled in if the class's cache exists
 *
 * The counts are read once each, as refcache_stats() reads its counters.
 * The default class's are what the others leave of the table's live count.
 *
 * Return: whether the class's cache exists.
 */
bool refcache_class_stats(struct refcache *rc, unsigned int class,
			  struct refcache_class_stats *cs)
{
	struct refcache_class *cl;
	long objects = 0;
	unsigned int c;

	if (class >= REFCACHE_NR_CLASSES)
		return false;
	cl = &rc->classes[class];
	/* As in refcache_class_get(). */
	if (!smp_load_acquire(&cl->cache))
		return false;
	cs->name = cl->name;
	cs->size = cl->size;
	cs->stride = cl->stride;
	cs->per_slab = cl->per_slab;
	if (class) {
		cs->objects = max(atomic_long_read(&cl->objects), 0L);
		cs->asked = max(atomic_long_read(&cl->asked), 0L);
	} else {
		objects = refcache_live(rc);
		for (c = 1; c < REFCACHE_NR_CLASSES; c++)
			objects -= atomic_long_read(&rc->classes[c].objects);
		cs->objects = max(objects, 0L);
		cs->asked = cs->objects * cl->size;
	}
	cs->used = cs->objects * cl->stride;
	return true;
}
EXPORT_SYMBOL_GPL(refcache_class_stats);
