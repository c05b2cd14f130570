// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for refcache's size classes and its slab map (module/class.c,
 * module/slabmap.c): which class a create's size rounds up to and which
 * cache its object comes from, where refcache says each object lives (slab
 * and slot) against where its memory is, and the per-class counts against
 * SLUB's own.
 *
 * What the cases expect is written here, never taken from the code under
 * test: the classes are the list refcache.h documents
 * (refcache_slab_doc_payload()), and an object's slot is checked against
 * its address and the layout SLUB itself shows for the cache
 * (/sys/kernel/slab/NAME/slab_size and objs_per_slab, read with
 * refcache_kunit_slub_value()), not against the layout class.c learnt.
 *
 * Every case gets a table of its own (suite init/exit), with a fail_alloc
 * hook; its classes' caches are "<table's cache>_<payload>". The exit
 * checks that every object went back to the slab and that every class's
 * cache went with the table.
 */
#include <kunit/test.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/kfence.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "refcache.h"
#include "refcache_kunit.h"

/* The classes above 512 bytes, as refcache.h lists them. */
static const unsigned int refcache_slab_big_classes[] = {
	640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
};

/* Classes 1..32 are 16..512 in steps of 16; then the big ones. */
#define REFCACHE_SLAB_SMALL	32U
#define REFCACHE_SLAB_DOC	(1 + REFCACHE_SLAB_SMALL + \
				 ARRAY_SIZE(refcache_slab_big_classes))

/* Payload bytes of documented class @class (1..44). */
static unsigned int refcache_slab_doc_payload(unsigned int class)
{
	if (class <= REFCACHE_SLAB_SMALL)
		return class * 16;
	return refcache_slab_big_classes[class - REFCACHE_SLAB_SMALL - 1];
}

/*
 * The documented class of a create of @size bytes: the smallest that holds
 * it; 0 (the default) for size 0, and for a size no class holds.
 */
static unsigned int refcache_slab_doc_class(unsigned int size)
{
	unsigned int class;

	if (!size)
		return 0;
	for (class = 1; class < REFCACHE_SLAB_DOC; class++)
		if (refcache_slab_doc_payload(class) >= size)
			return class;
	return 0;
}

/* The next number of a case's own xorshift32 sequence. */
static u32 refcache_slab_rand(u32 *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

/* A random create size: 0 (the default class) one time in 8, else 1..4096. */
static unsigned int refcache_slab_rand_size(u32 *seed)
{
	u32 r = refcache_slab_rand(seed);

	return r % 8 ? (r >> 3) % REFCACHE_OBJ_SIZE_MAX + 1 : 0;
}

/**
 * struct refcache_slab_fixture - one case's table
 * @fx: the table, made and checked by the shared fixture
 * @fail_at: fail the allocation with this 1-based number, counted from when
 *	it was set (0: never)
 * @allocs: allocations attempted while @fail_at was set
 *
 * The name of the table's cache (@fx.name) is the stem of its classes'.
 */
struct refcache_slab_fixture {
	struct refcache_kunit_fixture fx;
	unsigned int fail_at;
	unsigned int allocs;
};

static bool refcache_slab_fail_alloc(struct refcache *rc)
{
	struct refcache_slab_fixture *f = rc->priv;

	return f->fail_at && ++f->allocs == f->fail_at;
}

static const struct refcache_ops refcache_slab_ops = {
	.fail_alloc = refcache_slab_fail_alloc,
};

static int refcache_slab_test_init(struct kunit *test)
{
	refcache_kunit_fixture_init(test, sizeof(struct refcache_slab_fixture),
				    &refcache_slab_ops);
	return 0;
}

static void refcache_slab_test_exit(struct kunit *test)
{
	struct refcache_slab_fixture *f = test->priv;
	char *names[REFCACHE_NR_CLASSES] = {};
	unsigned int class;

	if (!f || !f->fx.made)
		return;
	for (class = 0; class < REFCACHE_NR_CLASSES; class++)
		if (f->fx.rc.classes[class].cache)
			names[class] = kstrdup(f->fx.rc.classes[class].name,
					       GFP_KERNEL);
	refcache_kunit_fixture_exit(test);
	/* refcache_destroy() destroyed every class's cache, not only the first. */
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		if (!names[class])
			continue;
		KUNIT_EXPECT_EQ_MSG(test, refcache_kunit_slub_attr(names[class],
								   "objects"),
				    (long)-ENOENT,
				    "/sys/kernel/slab/%s is still there", names[class]);
		kfree(names[class]);
	}
}

/* One object of @size bytes (0: the default class); its id. */
static u32 refcache_slab_create(struct kunit *test, unsigned int size)
{
	u32 id;

	KUNIT_ASSERT_EQ_MSG(test,
			    refcache_create_sized(refcache_kunit_rc(test), 1,
						  &size, &id),
			    0, "create of %u bytes", size);
	return id;
}

/*
 * Object @id, which its creator's reference keeps alive: found by a lookup
 * whose own reference is dropped again at once. Returns 0 or -errno, for
 * the callers that may not assert.
 */
static int refcache_slab_find(struct refcache *rc, u32 id,
			      struct refcache_obj **objp)
{
	struct refcache_obj *obj = refcache_lookup(rc, id);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	*objp = obj;
	return refcache_put(obj) > 0 ? 0 : -EINVAL;
}

static struct refcache_obj *refcache_slab_obj(struct kunit *test, u32 id)
{
	struct refcache_obj *obj = NULL;

	KUNIT_ASSERT_EQ_MSG(test, refcache_slab_find(refcache_kunit_rc(test), id,
						     &obj),
			    0, "object %u", id);
	return obj;
}

/* Where object @id is, as refcache_obj_where() says. */
static void refcache_slab_where(struct kunit *test, u32 id,
				struct refcache_where *w)
{
	struct refcache *rc = refcache_kunit_rc(test);

	KUNIT_ASSERT_EQ(test, refcache_obj_where(rc, refcache_slab_obj(test, id), w),
			0);
	KUNIT_ASSERT_EQ(test, w->id, id);
}

/* The table's live count. */
static long refcache_slab_live(struct kunit *test)
{
	struct refcache_stats st;

	refcache_stats(refcache_kunit_rc(test), &st);
	return st.live;
}

/* The name of class @class's cache, which must exist. */
static const char *refcache_slab_cache_name(struct kunit *test,
					    unsigned int class)
{
	const char *name = refcache_kunit_rc(test)->classes[class].name;

	KUNIT_ASSERT_NOT_NULL_MSG(test, name, "class %u has no cache", class);
	return name;
}

static void refcache_slab_map_free(void *map)
{
	refcache_map_free(map);
}

/* refcache_map_build(), freed when the case ends (or by the case). */
static struct refcache_map *refcache_slab_map(struct kunit *test)
{
	struct refcache_map *map = refcache_map_build(refcache_kunit_rc(test));

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							refcache_slab_map_free,
							map), 0);
	return map;
}

/* -- 1. the classes ------------------------------------------------------- */

struct refcache_slab_rounding {
	unsigned int size;
	unsigned int payload;
};

/* Every boundary refcache.h documents, from both sides, and what is no size. */
static const struct refcache_slab_rounding refcache_slab_roundings[] = {
	{ 0, 0 }, { 1, 16 }, { 15, 16 }, { 16, 16 }, { 17, 32 }, { 31, 32 },
	{ 32, 32 }, { 33, 48 }, { 100, 112 }, { 255, 256 }, { 256, 256 },
	{ 257, 272 }, { 496, 496 }, { 497, 512 }, { 511, 512 }, { 512, 512 },
	{ 513, 640 }, { 639, 640 }, { 640, 640 }, { 641, 768 }, { 768, 768 },
	{ 769, 896 }, { 896, 896 }, { 897, 1024 }, { 1024, 1024 },
	{ 1025, 1280 }, { 1280, 1280 }, { 1281, 1536 }, { 1536, 1536 },
	{ 1537, 1792 }, { 1792, 1792 }, { 1793, 2048 }, { 2048, 2048 },
	{ 2049, 2560 }, { 2560, 2560 }, { 2561, 3072 }, { 3072, 3072 },
	{ 3073, 3584 }, { 3584, 3584 }, { 3585, 4096 }, { 4095, 4096 },
	{ 4096, 4096 }, { 4097, 0 }, { 8192, 0 }, { 65536, 0 },
	{ UINT_MAX, 0 },
};

static void refcache_slab_rounding_desc(const struct refcache_slab_rounding *t,
					char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u: payload %u", t->size,
		 t->payload);
}

KUNIT_ARRAY_PARAM(refcache_slab_rounding, refcache_slab_roundings,
		  refcache_slab_rounding_desc);

static void refcache_size_class_rounds_up_as_documented(struct kunit *test)
{
	const struct refcache_slab_rounding *t = test->param_value;

	KUNIT_EXPECT_EQ(test, refcache_size_class(t->size), t->payload);
}

/* Every size from 0 to 4097: the smallest documented class that holds it. */
static void refcache_size_class_of_every_size(struct kunit *test)
{
	unsigned int size, bad = 0;

	BUILD_BUG_ON(REFCACHE_SLAB_DOC != REFCACHE_NR_CLASSES);
	for (size = 0; size <= REFCACHE_OBJ_SIZE_MAX + 1; size++) {
		unsigned int class = refcache_slab_doc_class(size);
		unsigned int want = class ? refcache_slab_doc_payload(class) : 0;

		if (refcache_size_class(size) == want)
			continue;
		if (!bad++)
			KUNIT_FAIL(test, "size %u: payload %u, documented %u",
				   size, refcache_size_class(size), want);
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
}

/*
 * A create of @size bytes lands in documented class @class, of @payload
 * bytes, whose cache is @want: what the object, refcache_obj_where(),
 * refcache_class_stats() and SLUB (the cache's object_size: the 32-byte
 * header, the payload and, for classes above 0, the 8-byte tail) say.
 */
static void refcache_slab_check_class(struct kunit *test, unsigned int size,
				      unsigned int class, unsigned int payload,
				      const char *want)
{
	struct refcache *rc = refcache_kunit_rc(test);
	u32 id = refcache_slab_create(test, size);
	struct refcache_obj *obj = refcache_slab_obj(test, id);
	struct refcache_class_stats cs;
	struct refcache_where w;

	KUNIT_EXPECT_EQ_MSG(test, refcache_obj_payload_size(obj), payload,
			    "create of %u bytes", size);
	KUNIT_EXPECT_EQ_MSG(test, obj->cls->index, class,
			    "create of %u bytes", size);
	/* The size asked for is kept in the tail, for classes above 0. */
	if (class)
		KUNIT_EXPECT_EQ(test, ((struct refcache_obj_tail *)
				       (obj->payload + payload))->size, size);
	KUNIT_EXPECT_STREQ_MSG(test, refcache_slab_cache_name(test, obj->cls->index),
			       want, "create of %u bytes", size);
	refcache_slab_where(test, id, &w);
	KUNIT_EXPECT_EQ(test, w.class, obj->cls->index);
	KUNIT_EXPECT_EQ(test, w.size, size ? size : REFCACHE_KUNIT_OBJ_SIZE);
	KUNIT_ASSERT_TRUE(test, refcache_class_stats(rc, obj->cls->index, &cs));
	KUNIT_EXPECT_STREQ(test, cs.name, want);
	KUNIT_EXPECT_EQ(test, cs.size, payload);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_value(test, want, "object_size"),
			(long)(32 + payload + (class ? 8 : 0)));
}

/*
 * Each class's first and last size (the size after the previous class, and
 * its own payload) lands in that class, whose cache is the table's name
 * with "_<payload>"; size 0 in the default class, the table's own cache.
 */
static void refcache_create_sized_lands_in_its_class_cache(struct kunit *test)
{
	struct refcache_slab_fixture *f = test->priv;
	char want[REFCACHE_KUNIT_NAME_LEN + 8];
	unsigned int class, prev = 0;

	for (class = 1; class < REFCACHE_SLAB_DOC; class++) {
		unsigned int payload = refcache_slab_doc_payload(class);

		snprintf(want, sizeof(want), "%s_%u", f->fx.name, payload);
		refcache_slab_check_class(test, prev + 1, class, payload, want);
		refcache_slab_check_class(test, payload, class, payload, want);
		prev = payload;
	}
	refcache_slab_check_class(test, 0, 0, REFCACHE_KUNIT_OBJ_SIZE, f->fx.name);
	KUNIT_EXPECT_EQ(test, refcache_slab_live(test),
			2L * (REFCACHE_SLAB_DOC - 1) + 1);
}

/* -- 2. a freed slot comes back ------------------------------------------- */

/* The objects of the freed-slot sequence, by their place in it. */
enum {
	REFCACHE_REUSE_A,
	REFCACHE_REUSE_B,
	REFCACHE_REUSE_C,
	REFCACHE_REUSE_D,
	REFCACHE_REUSE_N,
};

/**
 * struct refcache_slab_reuse - what the freed-slot sequence saw
 * @err: its first error, 0 if none
 * @step: the step that failed
 * @id: the ids of objects A, B, C and D (0: not made)
 * @obj: their objects
 * @where: where they were, just after their creates
 */
struct refcache_slab_reuse {
	int err;
	const char *step;
	u32 id[REFCACHE_REUSE_N];
	struct refcache_obj *obj[REFCACHE_REUSE_N];
	struct refcache_where where[REFCACHE_REUSE_N];
};

/* Object @i of the sequence: created, found and placed; no assertions. */
static void refcache_slab_reuse_create(struct refcache *rc, unsigned int size,
				       struct refcache_slab_reuse *r,
				       unsigned int i, const char *step)
{
	if (r->err)
		return;
	r->err = refcache_create_sized(rc, 1, &size, &r->id[i]) ?:
		 refcache_slab_find(rc, r->id[i], &r->obj[i]) ?:
		 refcache_obj_where(rc, r->obj[i], &r->where[i]);
	if (r->err)
		r->step = step;
}

/*
 * Create A, create B, put A, create C, all on one CPU; with @drain, then
 * refcache_shrink() and create D, still there. Nothing here may assert: a
 * failed assertion ends the case's thread, which must not end with
 * migration disabled.
 */
static void refcache_slab_reuse_run(struct refcache *rc, unsigned int size,
				    bool drain, struct refcache_slab_reuse *r)
{
	migrate_disable();
	refcache_slab_reuse_create(rc, size, r, REFCACHE_REUSE_A, "create A");
	refcache_slab_reuse_create(rc, size, r, REFCACHE_REUSE_B, "create B");
	if (!r->err && refcache_put_id(rc, r->id[REFCACHE_REUSE_A])) {
		r->err = -EINVAL;
		r->step = "put A (not the final put)";
	}
	refcache_slab_reuse_create(rc, size, r, REFCACHE_REUSE_C, "create C");
	if (drain && !r->err) {
		refcache_shrink(rc);
		refcache_slab_reuse_create(rc, size, r, REFCACHE_REUSE_D,
					   "create D");
	}
	migrate_enable();
}

/*
 * A freed slot is the next one its CPU hands out, once SLUB has it back.
 * In a class cache emptied first (its probe's objects and a first object
 * all freed, and refcache_shrink() gave SLUB's slabs back: the case checks
 * it has none), on one CPU: create A, create B, put A, create C.
 *
 * Without CONFIG_SLUB_RCU_DEBUG, A's final put is a kmem_cache_free()
 * straight onto the CPU slab's freelist (do_slab_free(): A's slab is the
 * CPU's slab, as B came from it too), whose head the next allocation
 * takes: C is A's memory, in A's slab and slot, and C.prev is A's id.
 *
 * With it (the UML test kernel and the QEMU KASAN one), slab_free_hook()
 * does not free an object of a SLAB_TYPESAFE_BY_RCU cache: it queues
 * slab_free_after_rcu_debug() for after a grace period, which frees it
 * through slab_free_hook() again, and there KASAN puts it into its
 * quarantine (mm/kasan/quarantine.c), which keeps it until the quarantine
 * outgrows its limit or the cache is shrunk. So C is not A's memory: it is
 * memory no object had (C.prev is 0). refcache_shrink() drains both
 * delays: rcu_barrier() runs the callback (A into the quarantine), then
 * kmem_cache_shrink() calls kasan_cache_shrink(), which frees the cache's
 * quarantined objects on the calling CPU (kasan_quarantine_remove_cache():
 * each CPU's share is moved to a list the caller frees), A onto the head
 * of this CPU's slab freelist, before flush_all() deactivates the CPU slab
 * (deactivate_slab() splices that freelist, head first, in front of the
 * slab's) and the slab is left on the node's partial list, the only one
 * there. The next allocation on this CPU takes that slab and its first free
 * object: D is A's memory, A's slab and slot, D.prev A's id. On 2 CPUs the
 * same holds: migration is disabled from A to D, the RCU callback runs on
 * the CPU that queued it (A's quarantine entry is that CPU's), and the
 * other CPU has no slab of this cache (nothing allocated from it there
 * since it was emptied).
 */
static void refcache_freed_slot_is_handed_out_next(struct kunit *test)
{
	const bool delayed = IS_ENABLED(CONFIG_SLUB_RCU_DEBUG);
	const unsigned int size = 272, n = delayed ? 4 : 3;
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_slab_reuse r = {};
	const struct refcache_where *w = r.where;
	const char *name;
	unsigned int i;
	u32 first;

	/* This case's class, 272 bytes, made here; then emptied. */
	first = refcache_slab_create(test, size);
	name = refcache_slab_cache_name(test, refcache_slab_obj(test, first)->cls->index);
	KUNIT_ASSERT_EQ(test, refcache_put_id(rc, first), 0);
	refcache_shrink(rc);
	KUNIT_ASSERT_EQ_MSG(test, refcache_kunit_slub_value(test, name, "slabs"),
			    0L, "%s still has slabs after refcache_shrink()", name);

	refcache_slab_reuse_run(rc, size, delayed, &r);
	KUNIT_ASSERT_EQ_MSG(test, r.err, 0, "%s", r.step);
	for (i = 0; i < n; i++)
		if (!w[i].slab)
			kunit_skip(test, "object %u is in KFENCE's memory, in no slab",
				   r.id[i]);
	kunit_info(test, "A %u at %u/%u, B at %u/%u, C at %u/%u (prev %u)%s\n",
		   r.id[0], w[0].slab, w[0].slot, w[1].slab, w[1].slot,
		   w[2].slab, w[2].slot, w[2].prev,
		   delayed ? ", SLUB_RCU_DEBUG" : "");
	/* Memory no object had before: the cache was empty. */
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_A].prev, 0U);
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_B].prev, 0U);
	if (!delayed) {
		KUNIT_EXPECT_PTR_EQ(test, r.obj[REFCACHE_REUSE_C],
				    r.obj[REFCACHE_REUSE_A]);
		KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_C].slab,
				w[REFCACHE_REUSE_A].slab);
		KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_C].slot,
				w[REFCACHE_REUSE_A].slot);
		KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_C].prev,
				r.id[REFCACHE_REUSE_A]);
		return;
	}
	kunit_info(test, "after refcache_shrink(): D at %u/%u (prev %u)\n",
		   w[3].slab, w[3].slot, w[3].prev);
	/* SLUB still held A back: C is fresh memory. */
	KUNIT_EXPECT_PTR_NE(test, r.obj[REFCACHE_REUSE_C], r.obj[REFCACHE_REUSE_A]);
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_C].prev, 0U);
	/* Drained: A's memory is the next one handed out. */
	KUNIT_EXPECT_PTR_EQ(test, r.obj[REFCACHE_REUSE_D], r.obj[REFCACHE_REUSE_A]);
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_D].slab, w[REFCACHE_REUSE_A].slab);
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_D].slot, w[REFCACHE_REUSE_A].slot);
	KUNIT_EXPECT_EQ(test, w[REFCACHE_REUSE_D].prev, r.id[REFCACHE_REUSE_A]);
}

/* -- 3. slab and slot against the memory ---------------------------------- */

/**
 * struct refcache_slab_seen - one object of the layout case
 * @id: its id
 * @class: its class
 * @addr: its address
 * @folio: the folio SLUB carved it from
 * @w: where refcache says it is
 * @slab_size: SLUB's slab_size of its cache: bytes per object in a slab
 * @per_slab: SLUB's objs_per_slab of its cache
 */
struct refcache_slab_seen {
	u32 id;
	unsigned int class;
	unsigned long addr;
	struct folio *folio;
	struct refcache_where w;
	long slab_size;
	long per_slab;
};

/* The default class and four others, small to a page each. */
static const unsigned int refcache_slab_layout_sizes[] = { 0, 16, 200, 1000, 4096 };
#define REFCACHE_SLAB_LAYOUT_MAX	2048U

/* Whether @a's slot is where its memory is: within its slab, at its index. */
static bool refcache_slab_slot_ok(const struct refcache_slab_seen *a)
{
	unsigned long off = a->addr - (unsigned long)folio_address(a->folio);

	return a->w.slab && a->w.slot < a->per_slab &&
	       off >= a->w.slot * a->slab_size &&
	       off < (a->w.slot + 1) * a->slab_size;
}

/* Whether @a and @b agree: same slab number iff same folio, and the distance. */
static bool refcache_slab_pair_ok(const struct refcache_slab_seen *a,
				  const struct refcache_slab_seen *b)
{
	bool same_slab = a->w.slab == b->w.slab, same_folio = a->folio == b->folio;

	if (same_slab != same_folio)
		return false;
	return !same_folio ||
	       (long)(a->addr - b->addr) ==
	       ((long)a->w.slot - (long)b->w.slot) * a->slab_size;
}

/*
 * For two and a half slabs' worth (plus one: at least three slabs) of each
 * of five classes: two objects have the same slab number exactly when they
 * are in the same folio, their distance there is the difference of their
 * slots times SLUB's slab_size, and each slot is below SLUB's objs_per_slab
 * and names the stretch of slab_size bytes of its folio the object starts
 * in. The layout class.c learnt (stride, per_slab) must be SLUB's too.
 */
static void refcache_where_matches_object_memory(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_slab_seen *seen;
	unsigned int n = 0, s, i, j, bad = 0, slabs = 0;

	seen = kunit_kcalloc(test, REFCACHE_SLAB_LAYOUT_MAX, sizeof(*seen),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (s = 0; s < ARRAY_SIZE(refcache_slab_layout_sizes); s++) {
		unsigned int size = refcache_slab_layout_sizes[s];
		u32 first = refcache_slab_create(test, size);
		unsigned int class = refcache_slab_obj(test, first)->cls->index;
		const char *name = refcache_slab_cache_name(test, class);
		long slab_size = refcache_kunit_slub_value(test, name, "slab_size");
		long per_slab = refcache_kunit_slub_value(test, name, "objs_per_slab");
		unsigned int k, count = 2 * per_slab + per_slab / 2 + 1;

		kunit_info(test, "%s: slab_size %ld, objs_per_slab %ld; refcache: stride %u, offset %u, per_slab %u\n",
			   name, slab_size, per_slab, rc->classes[class].stride,
			   rc->classes[class].offset, rc->classes[class].per_slab);
		KUNIT_EXPECT_EQ_MSG(test, (long)rc->classes[class].stride,
				    slab_size, "%s: stride", name);
		KUNIT_EXPECT_EQ_MSG(test, (long)rc->classes[class].per_slab,
				    per_slab, "%s: per_slab", name);
		KUNIT_ASSERT_LE(test, n + count, REFCACHE_SLAB_LAYOUT_MAX);
		for (k = 0; k < count; k++) {
			struct refcache_slab_seen *o = &seen[n++];
			struct refcache_obj *obj;

			o->id = k ? refcache_slab_create(test, size) : first;
			obj = refcache_slab_obj(test, o->id);
			o->class = class;
			o->addr = (unsigned long)obj;
			o->folio = virt_to_folio(obj);
			o->slab_size = slab_size;
			o->per_slab = per_slab;
			refcache_slab_where(test, o->id, &o->w);
		}
	}

	for (i = 0; i < n; i++) {
		const struct refcache_slab_seen *a = &seen[i];
		bool new_folio = true;

		if (is_kfence_address((void *)a->addr)) {
			KUNIT_EXPECT_EQ(test, a->w.slab, 0U);
			continue;
		}
		if (!refcache_slab_slot_ok(a) && !bad++)
			KUNIT_FAIL(test,
				   "object %u: slab %u slot %u, but at offset %lu of its folio (slab_size %ld, objs_per_slab %ld)",
				   a->id, a->w.slab, a->w.slot,
				   a->addr - (unsigned long)folio_address(a->folio),
				   a->slab_size, a->per_slab);
		for (j = 0; j < n; j++) {
			const struct refcache_slab_seen *b = &seen[j];

			if (j == i || is_kfence_address((void *)b->addr))
				continue;
			if (j < i && b->folio == a->folio)
				new_folio = false;
			if (j < i || refcache_slab_pair_ok(a, b))
				continue;
			if (!bad++)
				KUNIT_FAIL(test,
					   "objects %u (slab %u slot %u) and %u (slab %u slot %u): folios %s, %ld bytes apart",
					   a->id, a->w.slab, a->w.slot, b->id,
					   b->w.slab, b->w.slot,
					   a->folio == b->folio ? "same" : "differ",
					   (long)(a->addr - b->addr));
		}
		slabs += new_folio;
		if (!(i % 64))
			cond_resched();
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	/* At least three slabs per class: the comparisons cross slabs. */
	KUNIT_EXPECT_GE(test, slabs, 3 * (unsigned int)ARRAY_SIZE(refcache_slab_layout_sizes));
	kunit_info(test, "%u objects in %u slabs\n", n, slabs);
}

/* -- 4. all or nothing ------------------------------------------------------ */

/* A batch across classes, the default twice, a class of 64 beside it. */
static const unsigned int refcache_slab_mixed[] = {
	0, 16, 100, 4096, 700, 1, 512, 513, 2000, 0, 3000, 64,
};

#define REFCACHE_SLAB_MIXED	ARRAY_SIZE(refcache_slab_mixed)

/**
 * struct refcache_slab_counts - a table's counts, at rest
 * @live: its live count
 * @alloc_failures: its failed creates
 * @listed: objects a walk of it finds (refcache_next_where())
 * @objects: per class, refcache_class_stats()' objects (0 without a cache)
 * @slub: per class, SLUB's objects in use in its cache (0 without one)
 */
struct refcache_slab_counts {
	long live;
	unsigned long alloc_failures;
	unsigned long listed;
	unsigned long objects[REFCACHE_NR_CLASSES];
	long slub[REFCACHE_NR_CLASSES];
};

/* Every count of the case's table, after refcache_shrink(). */
static void refcache_slab_count(struct kunit *test,
				struct refcache_slab_counts *c)
{
	struct refcache *rc = refcache_kunit_rc(test);
	struct refcache_class_stats cs;
	struct refcache_where w;
	struct refcache_stats st;
	unsigned int class;
	u32 pos = 0;

	memset(c, 0, sizeof(*c));
	refcache_shrink(rc);
	refcache_stats(rc, &st);
	c->live = st.live;
	c->alloc_failures = st.alloc_failures;
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		if (!refcache_class_stats(rc, class, &cs))
			continue;
		c->objects[class] = cs.objects;
		c->slub[class] = refcache_kunit_slub_value(test, cs.name, "objects");
	}
	for (; !refcache_next_where(rc, &pos, &w); pos++)
		c->listed++;
}

/*
 * The mixed batch with its k-th allocation failing, for each k: -ENOMEM
 * after exactly k allocations, and nothing changed but alloc_failures.
 */
static void refcache_slab_fail_each(struct kunit *test,
				    const struct refcache_slab_counts *before,
				    struct refcache_slab_counts *after)
{
	struct refcache_slab_fixture *f = test->priv;
	u32 ids[REFCACHE_SLAB_MIXED];
	unsigned int k, class;

	for (k = 1; k <= REFCACHE_SLAB_MIXED; k++) {
		f->allocs = 0;
		f->fail_at = k;
		KUNIT_EXPECT_EQ_MSG(test,
				    refcache_create_sized(&f->fx.rc, REFCACHE_SLAB_MIXED,
							  refcache_slab_mixed, ids),
				    -ENOMEM, "allocation %u failing", k);
		f->fail_at = 0;
		KUNIT_EXPECT_EQ_MSG(test, f->allocs, k, "allocation %u failing", k);
		refcache_slab_count(test, after);
		KUNIT_EXPECT_EQ_MSG(test, after->live, before->live,
				    "allocation %u failing", k);
		KUNIT_EXPECT_EQ_MSG(test, after->listed, before->listed,
				    "allocation %u failing", k);
		KUNIT_EXPECT_EQ_MSG(test, after->alloc_failures,
				    before->alloc_failures + k,
				    "allocation %u failing", k);
		for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
			KUNIT_EXPECT_EQ_MSG(test, after->objects[class],
					    before->objects[class],
					    "class %u, allocation %u failing",
					    class, k);
			KUNIT_EXPECT_EQ_MSG(test, after->slub[class],
					    before->slub[class],
					    "class %u in SLUB, allocation %u failing",
					    class, k);
		}
	}
}

/*
 * A batch of mixed sizes is all or nothing, whichever of its allocations
 * fails: first on an empty table (its classes' caches are made by the
 * first attempt and stay, empty), then with one such batch live; and
 * without a failure every object of it is made, each in its class.
 */
static void refcache_create_sized_is_all_or_nothing(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned long want[REFCACHE_NR_CLASSES] = {};
	struct refcache_slab_counts *before, *after;
	u32 ids[REFCACHE_SLAB_MIXED];
	unsigned int i, class;

	before = kunit_kzalloc(test, sizeof(*before), GFP_KERNEL);
	after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	refcache_slab_count(test, before);
	KUNIT_ASSERT_EQ(test, before->live, 0L);
	refcache_slab_fail_each(test, before, after);

	KUNIT_ASSERT_EQ(test, refcache_create_sized(rc, REFCACHE_SLAB_MIXED,
						    refcache_slab_mixed, ids), 0);
	for (i = 0; i < REFCACHE_SLAB_MIXED; i++) {
		unsigned int size = refcache_slab_mixed[i];
		struct refcache_obj *obj = refcache_slab_obj(test, ids[i]);

		class = refcache_slab_doc_class(size);
		want[class]++;
		KUNIT_EXPECT_EQ_MSG(test, obj->cls->index, class,
				    "size %u", size);
		KUNIT_EXPECT_EQ_MSG(test, refcache_obj_payload_size(obj),
				    size ? refcache_slab_doc_payload(class) :
					   REFCACHE_KUNIT_OBJ_SIZE,
				    "size %u", size);
	}
	refcache_slab_count(test, before);
	KUNIT_EXPECT_EQ(test, before->live, (long)REFCACHE_SLAB_MIXED);
	KUNIT_EXPECT_EQ(test, before->listed, REFCACHE_SLAB_MIXED);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		KUNIT_EXPECT_EQ_MSG(test, before->objects[class], want[class],
				    "class %u", class);
		KUNIT_EXPECT_EQ_MSG(test, before->slub[class], (long)want[class],
				    "class %u in SLUB", class);
	}

	refcache_slab_fail_each(test, before, after);
	/* The live batch is untouched. */
	for (i = 0; i < REFCACHE_SLAB_MIXED; i++)
		refcache_slab_obj(test, ids[i]);
}

/* -- 5. per-class counts against SLUB's ------------------------------------- */

#define REFCACHE_SLAB_BATCH	50U

/*
 * Create @batches batches of REFCACHE_SLAB_BATCH random sizes, appending
 * their ids and sizes to @ids and @sizes (*@nr of them), then put @puts of
 * the live ones at random.
 */
static void refcache_slab_churn(struct kunit *test, u32 *seed, u32 *ids,
				unsigned int *sizes, unsigned int *nr,
				unsigned int batches, unsigned int puts)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned int batch[REFCACHE_SLAB_BATCH];
	unsigned int b, i;

	for (b = 0; b < batches; b++) {
		for (i = 0; i < REFCACHE_SLAB_BATCH; i++)
			batch[i] = refcache_slab_rand_size(seed);
		KUNIT_ASSERT_EQ(test, refcache_create_sized(rc, REFCACHE_SLAB_BATCH,
							    batch, ids + *nr), 0);
		memcpy(sizes + *nr, batch, sizeof(batch));
		*nr += REFCACHE_SLAB_BATCH;
		cond_resched();
	}
	for (; puts && *nr; puts--) {
		i = refcache_slab_rand(seed) % *nr;
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[i]), 0);
		--*nr;
		ids[i] = ids[*nr];
		sizes[i] = sizes[*nr];
	}
}

/*
 * After a workload of random sizes and frees, and refcache_shrink(): for
 * every class's cache, the objects SLUB has in use (its objects
 * attribute) are the live objects of the class as this case counts them,
 * and as the map and refcache_class_stats() count them (but for those in
 * KFENCE's memory, which SLUB does not count); and SLUB's slabs are the
 * map's slabs of the class. That holds because refcache_shrink() drains
 * the frees SLUB_RCU_DEBUG and KASAN's quarantine hold back, flushes every
 * CPU's slabs to the node's partial list, where the objects attribute
 * counts their free objects as free, and frees every empty slab there:
 * __kmem_cache_do_shrink() discards all of them, whatever min_partial (the
 * partial slabs SLUB keeps when frees empty them, which would otherwise
 * stay in the slabs attribute, empty). Then, all put, every cache has
 * neither objects nor slabs, and the map is empty.
 */
static void refcache_class_counts_match_slub(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned long want[REFCACHE_NR_CLASSES] = {};
	unsigned int *sizes, nr = 0, round, i, class, caches = 0;
	struct refcache_class_stats cs;
	struct refcache_map *map;
	u32 seed = 0x2545f491, *ids;

	ids = kunit_kcalloc(test, 16 * REFCACHE_SLAB_BATCH, sizeof(*ids), GFP_KERNEL);
	sizes = kunit_kcalloc(test, 16 * REFCACHE_SLAB_BATCH, sizeof(*sizes),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	/* Four rounds of 400 creates, each followed by putting half the live. */
	for (round = 0; round < 4; round++)
		refcache_slab_churn(test, &seed, ids, sizes, &nr, 8,
				    (nr + 8 * REFCACHE_SLAB_BATCH) / 2);
	for (i = 0; i < nr; i++)
		want[refcache_slab_doc_class(sizes[i])]++;

	refcache_shrink(rc);
	map = refcache_slab_map(test);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		long objects, slabs;

		if (!refcache_class_stats(rc, class, &cs)) {
			KUNIT_EXPECT_EQ_MSG(test, want[class], 0UL,
					    "class %u has live objects and no cache",
					    class);
			continue;
		}
		caches++;
		objects = refcache_kunit_slub_value(test, cs.name, "objects");
		slabs = refcache_kunit_slub_value(test, cs.name, "slabs");
		KUNIT_EXPECT_EQ_MSG(test, map->classes[class].objects, want[class],
				    "%s: the map's objects", cs.name);
		KUNIT_EXPECT_EQ_MSG(test, cs.objects, want[class],
				    "%s: refcache_class_stats()", cs.name);
		KUNIT_EXPECT_EQ_MSG(test, objects,
				    (long)(want[class] - map->kfence[class]),
				    "%s: SLUB's objects", cs.name);
		KUNIT_EXPECT_EQ_MSG(test, slabs, (long)map->slabs_of[class],
				    "%s: SLUB's slabs", cs.name);
	}
	kunit_info(test, "%u live objects in %lu slabs of %u caches\n", nr,
		   map->nr_slabs, caches);
	KUNIT_EXPECT_EQ(test, refcache_slab_live(test), (long)nr);

	while (nr)
		KUNIT_ASSERT_EQ(test, refcache_put_id(rc, ids[--nr]), 0);
	refcache_shrink(rc);
	kunit_release_action(test, refcache_slab_map_free, map);
	map = refcache_slab_map(test);
	KUNIT_EXPECT_EQ(test, map->nr_slabs, 0UL);
	KUNIT_EXPECT_EQ(test, map->nr_slots, 0UL);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		if (!refcache_class_stats(rc, class, &cs))
			continue;
		KUNIT_EXPECT_EQ_MSG(test, cs.objects, 0UL, "%s", cs.name);
		KUNIT_EXPECT_EQ_MSG(test, refcache_kunit_slub_value(test, cs.name,
								    "objects"),
				    0L, "%s: SLUB's objects", cs.name);
		KUNIT_EXPECT_EQ_MSG(test, refcache_kunit_slub_value(test, cs.name,
								    "slabs"),
				    0L, "%s: SLUB's slabs", cs.name);
	}
}

/* -- 6. the map against what is live ---------------------------------------- */

/* One object as the map or a walk places it. */
struct refcache_slab_place {
	u32 id;
	u32 prev;
	unsigned int slab;
	unsigned int slot;
};

static int refcache_slab_cmp_place(const void *a, const void *b)
{
	const struct refcache_slab_place *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int refcache_slab_cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

/*
 * With 2,000 live objects of random sizes (3,000 made, 1,000 put at
 * random): the map lists exactly the live ids, each once (or counts it in
 * KFENCE's memory); its slabs are ordered by class and number, numbers
 * unique; within a slab, slots increase (so no slot twice) and stay below
 * the class's objects per slab, and every object is of the slab's class;
 * the slabs' used counts add up to the slots, slabs_of to the slabs, each
 * class's objects to the live objects of the class; and a walk with
 * refcache_next_where() places every object where the map does.
 */
static void refcache_map_lists_each_live_object_once(struct kunit *test)
{
	struct refcache *rc = refcache_kunit_rc(test);
	unsigned long want[REFCACHE_NR_CLASSES] = {};
	unsigned long slabs_of[REFCACHE_NR_CLASSES] = {};
	struct refcache_slab_place *from_map, *walked;
	unsigned int *sizes, *numbers, nr = 0, i, j, class, bad = 0;
	unsigned long s = 0, kfence = 0, n_walked = 0;
	const struct refcache_map *map;
	struct refcache_where w;
	u32 seed = 0x6b8b4567, *ids, pos;

	ids = kunit_kcalloc(test, 3000, sizeof(*ids), GFP_KERNEL);
	sizes = kunit_kcalloc(test, 3000, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	refcache_slab_churn(test, &seed, ids, sizes, &nr, 3000 / REFCACHE_SLAB_BATCH,
			    1000);
	KUNIT_ASSERT_EQ(test, nr, 2000U);
	for (i = 0; i < nr; i++)
		want[refcache_slab_doc_class(sizes[i])]++;

	map = refcache_slab_map(test);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++) {
		kfence += map->kfence[class];
		KUNIT_EXPECT_EQ_MSG(test, map->classes[class].objects, want[class],
				    "class %u", class);
	}
	KUNIT_ASSERT_EQ(test, map->nr_slots + kfence, (unsigned long)nr);

	from_map = kunit_kcalloc(test, nr + 1, sizeof(*from_map), GFP_KERNEL);
	walked = kunit_kcalloc(test, nr + 1, sizeof(*walked), GFP_KERNEL);
	numbers = kunit_kcalloc(test, map->nr_slabs + 1, sizeof(*numbers),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, from_map);
	KUNIT_ASSERT_NOT_NULL(test, walked);
	KUNIT_ASSERT_NOT_NULL(test, numbers);
	for (i = 0; i < map->nr_slabs; i++) {
		const struct refcache_map_slab *slab = &map->slabs[i];
		unsigned int per_slab;

		KUNIT_ASSERT_LT(test, slab->class, (unsigned int)REFCACHE_NR_CLASSES);
		per_slab = map->classes[slab->class].per_slab;
		KUNIT_EXPECT_EQ(test, slab->first, s);
		KUNIT_EXPECT_GE(test, slab->used, 1U);
		KUNIT_EXPECT_GE(test, slab->number, 1U);
		KUNIT_ASSERT_LE(test, s + slab->used, map->nr_slots);
		if (i)
			KUNIT_EXPECT_TRUE_MSG(test,
					      map->slabs[i - 1].class < slab->class ||
					      (map->slabs[i - 1].class == slab->class &&
					       map->slabs[i - 1].number < slab->number),
					      "slab %u (class %u) after slab %u (class %u)",
					      slab->number, slab->class,
					      map->slabs[i - 1].number,
					      map->slabs[i - 1].class);
		numbers[i] = slab->number;
		slabs_of[slab->class]++;
		for (j = 0; j < slab->used; j++) {
			const struct refcache_map_slot *o = &map->slots[s + j];
			struct refcache_obj *obj = refcache_slab_obj(test, o->id);

			if ((o->slot >= per_slab ||
			     (j && o->slot <= map->slots[s + j - 1].slot) ||
			     obj->cls->index != slab->class) && !bad++)
				KUNIT_FAIL(test,
					   "slab %u (class %u, %u slots): object %u (class %u) in slot %u, after slot %d",
					   slab->number, slab->class, per_slab,
					   o->id, obj->cls->index, o->slot,
					   j ? (int)map->slots[s + j - 1].slot : -1);
			from_map[s + j] = (struct refcache_slab_place){
				.id = o->id,
				.prev = o->prev,
				.slab = slab->number,
				.slot = o->slot,
			};
		}
		s += slab->used;
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, s, map->nr_slots);
	for (class = 0; class < REFCACHE_NR_CLASSES; class++)
		KUNIT_EXPECT_EQ_MSG(test, map->slabs_of[class], slabs_of[class],
				    "class %u", class);
	sort(numbers, map->nr_slabs, sizeof(*numbers), refcache_slab_cmp_uint, NULL);
	for (i = 1; i < map->nr_slabs; i++)
		KUNIT_EXPECT_NE_MSG(test, numbers[i], numbers[i - 1],
				    "slab number %u twice", numbers[i]);

	/* Exactly the live ids, once each. */
	sort(ids, nr, sizeof(*ids), refcache_slab_cmp_uint, NULL);
	sort(from_map, map->nr_slots, sizeof(*from_map), refcache_slab_cmp_place,
	     NULL);
	for (i = 0, j = 0; i < map->nr_slots; i++) {
		while (j < nr && ids[j] < from_map[i].id)
			j++;
		if ((j == nr || ids[j] != from_map[i].id ||
		     (i && from_map[i - 1].id == from_map[i].id)) && !bad++)
			KUNIT_FAIL(test, "the map lists %u, not live or listed twice",
				   from_map[i].id);
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);

	/* A walk of the table places each object as the map does. */
	for (pos = 0; n_walked <= nr && !refcache_next_where(rc, &pos, &w); pos++) {
		if (!w.slab)
			continue;
		walked[n_walked++] = (struct refcache_slab_place){
			.id = w.id,
			.prev = w.prev,
			.slab = w.slab,
			.slot = w.slot,
		};
	}
	KUNIT_ASSERT_EQ(test, n_walked, map->nr_slots);
	sort(walked, n_walked, sizeof(*walked), refcache_slab_cmp_place, NULL);
	for (i = 0; i < n_walked; i++) {
		if (!memcmp(&walked[i], &from_map[i], sizeof(walked[i])))
			continue;
		if (!bad++)
			KUNIT_FAIL(test,
				   "object %u: walk %u/%u prev %u, map: object %u %u/%u prev %u",
				   walked[i].id, walked[i].slab, walked[i].slot,
				   walked[i].prev, from_map[i].id, from_map[i].slab,
				   from_map[i].slot, from_map[i].prev);
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	kunit_info(test, "%u live objects, %lu slabs, %lu in KFENCE's memory\n",
		   nr, map->nr_slabs, kfence);
}

static struct kunit_case refcache_slab_test_cases[] = {
	KUNIT_CASE_PARAM(refcache_size_class_rounds_up_as_documented,
			 refcache_slab_rounding_gen_params),
	KUNIT_CASE(refcache_size_class_of_every_size),
	KUNIT_CASE(refcache_create_sized_lands_in_its_class_cache),
	KUNIT_CASE(refcache_freed_slot_is_handed_out_next),
	KUNIT_CASE(refcache_where_matches_object_memory),
	KUNIT_CASE_SLOW(refcache_create_sized_is_all_or_nothing),
	KUNIT_CASE(refcache_class_counts_match_slub),
	KUNIT_CASE(refcache_map_lists_each_live_object_once),
	{}
};

static struct kunit_suite refcache_slab_test_suite = {
	.name = "refcache_slab",
	.init = refcache_slab_test_init,
	.exit = refcache_slab_test_exit,
	.test_cases = refcache_slab_test_cases,
};

kunit_test_suite(refcache_slab_test_suite);
