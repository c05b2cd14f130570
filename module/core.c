// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the object lifecycle.
 *
 * Locking and lifetime rules (struct refcache and struct refcache_obj in
 * the headers say what protects each field):
 *
 * - A table's obj_size is set at init and never changed, so it is read
 *   without locks; so are an object's class and size (set by its creator).
 * - Each size class of a table has its own SLAB_TYPESAFE_BY_RCU cache
 *   (class.c); the default class's is rc->cache. The owner of a
 *   final put empties the object's slot and returns it to the slab at once;
 *   a reader that found the object in the table a moment earlier may still
 *   look at it (the memory stays a struct refcache_obj of this table while
 *   any RCU reader can hold it), and its state word tells it whether this
 *   is still the object it wanted: the id and the count are checked and
 *   changed by one compare-and-exchange (refcache_ref_get(),
 *   refcache_ref_put()), so no reader ever counts on a dead object or on
 *   the next object that reuses its memory.
 * - Lookups hold an RCU read section (the sched flavour: it also keeps the
 *   CPU for the per-CPU gets and puts counters) from the slot load until
 *   they have taken their reference or given up.
 * - Creates and frees count under the CPU's local lock (count.c); the
 *   counters' rules are in struct refcache_pcpu.
 * - No helper ever moves a count away from 0: a dead object stays dead.
 * - What a stale reader may look at in a freed object stays as it was at
 *   its death: the state word (count 0), links_in (0) and links (none: the
 *   owner of a release takes them apart first, graph.c); SLUB may keep its
 *   free pointer in @cls (struct refcache_obj), which no stale reader
 *   reads. Nobody writes to an object before it knows it is the one it
 *   wants: gets, puts and graph.c's pins change the state word only by a
 *   compare-and-exchange that checks the id. So the creator of a new
 *   object in reused memory may initialise every field; it writes the
 *   state word last, with release ordering, and publishes the slot after
 *   that.
 * - The collector (gc.c) must see every outside reference that appears on
 *   an object that links point at while it decides what is garbage. Such
 *   an object has REFCACHE_STATE_GRAPH in its state word; gets that find
 *   it read rc->gc_phase inside their RCU read section and, while a run is
 *   on, take gc.c's refcache_gc_get(), which shades the object, waits, or
 *   refuses a garbage one. Gets and puts of objects without the flag never
 *   look further.
 */
#include <linux/atomic.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "refcache.h"
#include "refcache_compat.h"
#include "refcache_internal.h"

#define CREATE_TRACE_POINTS
#include "refcache_trace.h"

/* For tracepoint_enabled() in refcache.h's inline fast paths. */
EXPORT_TRACEPOINT_SYMBOL_GPL(refcache_get);
EXPORT_TRACEPOINT_SYMBOL_GPL(refcache_put);

/*
 * Objects taken from the tables' caches and not yet returned, per CPU (a
 * CPU's count goes negative when it frees what another took). Changed only
 * by its own CPU, with preemption off (refcache_slab_add()), never from
 * interrupts; summed with plain reads by refcache_slab_objects().
 */
static DEFINE_PER_CPU(long, refcache_slab_count);

/*
 * The per-CPU event counters (gets, puts, alloc_failures, canary_failures)
 * are only changed by their own CPU and never from interrupts, so a plain
 * per-CPU add with preemption off is enough (on architectures without
 * per-CPU instructions, this_cpu_add() would save and restore interrupts
 * every time).
 */
static void refcache_count_add(unsigned long __percpu *counter, unsigned long n)
{
	preempt_disable();
	__this_cpu_add(*counter, n);
	preempt_enable();
}

static void refcache_slab_add(long n)
{
	preempt_disable();
	__this_cpu_add(refcache_slab_count, n);
	preempt_enable();
}

/*
 * The canary: the payload of object @id is one 64-bit word derived from the
 * id, repeated (a tail shorter than a word holds its first bytes). Filled
 * and checked a word at a time, all of it: the first 64 bytes in straight
 * line (for the default payload, that is everything, and it is what every
 * create and final put pays), then a pair of words at a time; an odd word
 * and the bytes after the last whole word, out of line. Only a mismatch
 * looks at bytes.
 */
static u64 refcache_pattern(u32 id)
{
	return ((u64)id << 32 | (u32)~id) * 0x9e3779b97f4a7c15ULL;
}

static u8 refcache_pattern_byte(u32 id, size_t i)
{
	u64 v = refcache_pattern(id);

	return ((u8 *)&v)[i % sizeof(u64)];
}

/* The canary's odd word and bytes, past the last pair of words. */
static noinline void refcache_fill_tail(struct refcache_obj *obj, u32 id,
					unsigned int size)
{
	u64 *w = (u64 *)obj->payload, v = refcache_pattern(id);
	size_t words = size / sizeof(u64);

	if (words % 2)
		w[words - 1] = v;
	memcpy(&w[words], &v, size % sizeof(u64));
}

static __always_inline void refcache_fill(struct refcache_obj *obj, u32 id,
					  unsigned int size)
{
	u64 *w = (u64 *)obj->payload, v = refcache_pattern(id);
	size_t words = size / sizeof(u64), i = 0;

	if (likely(words >= 8)) {
		w[0] = v;
		w[1] = v;
		w[2] = v;
		w[3] = v;
		w[4] = v;
		w[5] = v;
		w[6] = v;
		w[7] = v;
		i = 8;
	}
	for (; i + 2 <= words; i += 2) {
		w[i] = v;
		w[i + 1] = v;
	}
	if (unlikely(size % 16))
		refcache_fill_tail(obj, id, size);
}

/* Report the first byte that differs, once per object; count the object. */
static noinline void refcache_check_report(struct refcache_obj *obj, u32 id)
{
	size_t i;

	for (i = 0; i < refcache_obj_payload_size(obj); i++) {
		if (obj->payload[i] == refcache_pattern_byte(id, i))
			continue;
		refcache_count_add(&refcache_obj_table(obj)->pcpu->canary_failures, 1);
		pr_err_ratelimited("refcache: object %u: payload overwritten at offset %zu (%#04x, expected %#04x)\n",
				   id, i, obj->payload[i],
				   refcache_pattern_byte(id, i));
		return;
	}
}

/* Whether the canary's odd word and bytes, past the last pair, differ. */
static noinline bool refcache_check_tail(struct refcache_obj *obj, u32 id,
					 unsigned int size)
{
	const u64 *w = (const u64 *)obj->payload;
	u64 v = refcache_pattern(id);
	size_t words = size / sizeof(u64);

	return (words % 2 && w[words - 1] != v) ||
	       memcmp(&w[words], &v, size % sizeof(u64));
}

static __always_inline void refcache_check(struct refcache_obj *obj, u32 id,
					   unsigned int size)
{
	const u64 *w = (const u64 *)obj->payload;
	u64 v = refcache_pattern(id), diff = 0;
	size_t words = size / sizeof(u64), i = 0;

	if (likely(words >= 8)) {
		diff = (w[0] ^ v) | (w[1] ^ v) | (w[2] ^ v) | (w[3] ^ v) |
		       (w[4] ^ v) | (w[5] ^ v) | (w[6] ^ v) | (w[7] ^ v);
		i = 8;
	}
	for (; i + 2 <= words; i += 2)
		diff |= (w[i] ^ v) | (w[i + 1] ^ v);
	if (unlikely(diff || (size % 16 && refcache_check_tail(obj, id, size))))
		refcache_check_report(obj, id);
}

static __always_inline struct refcache_obj *
refcache_alloc(struct refcache *rc, struct kmem_cache *cache)
{
	struct refcache_obj *obj = NULL;

	if (!(rc->ops && rc->ops->fail_alloc && rc->ops->fail_alloc(rc)))
		obj = kmem_cache_alloc(cache, REFCACHE_GFP);
	if (!obj) {
		refcache_count_add(&rc->pcpu->alloc_failures, 1);
		return NULL;
	}
	refcache_slab_add(1);
	return obj;
}

/* Return an object to its slab: never published, or dead and out of the table. */
static __always_inline void refcache_free(struct kmem_cache *cache,
					  struct refcache_obj *obj)
{
	refcache_slab_add(-1);
	kmem_cache_free(cache, obj);
}

/* __refcache_retire() of an object of a class above 0. */
static noinline void refcache_retire_sized(struct refcache_obj *obj, u32 id)
{
	struct refcache_class *cl = obj->cls;

	refcache_check(obj, id, cl->size);
	atomic_long_dec(&cl->objects);
	atomic_long_sub(refcache_obj_tail(obj)->size, &cl->asked);
	refcache_table_free(cl->rc, id);
	refcache_free(cl->cache, obj);
}

/* refcache_retire() of object @id, inline for the final put. */
static __always_inline void __refcache_retire(struct refcache_obj *obj, u32 id)
{
	struct refcache_class *cl = obj->cls;

	trace_refcache_release(id, 0);
	/*
	 * Trackers outstanding for @id (tracker.c). rc->tracking sits beside
	 * rc->limit_tight, which refcache_table_free() reads below: one load
	 * of a line already wanted, false for tables that never track.
	 */
	if (unlikely(READ_ONCE(cl->rc->tracking)))
		refcache_tracker_release(cl->rc, id);
	if (unlikely(cl->index)) {
		refcache_retire_sized(obj, id);
		return;
	}
	refcache_check(obj, id, cl->size);
	refcache_table_free(cl->rc, id);
	refcache_free(cl->cache, obj);
}

/**
 * refcache_retire() - the end of a dead object
 * @obj: dead (count 0), still in its slot, its links already taken apart
 *
 * Checks the canary, empties the slot and returns the object to the slab.
 * Called once per object, by whoever owns its release.
 */
void refcache_retire(struct refcache_obj *obj)
{
	__refcache_retire(obj, refcache_state_id(atomic64_read(&obj->state)));
}

/*
 * Put of an outside reference of object @id: unless zero, and never one of
 * the references links_in or a pin accounts for (graph.c). Returns the
 * count after the put, -ENOENT, or -EBUSY when the count does not exceed
 * links_in or the object is pinned. Ordering as refcount_dec_and_test():
 * release on the decrement, acquire before the object is released.
 *
 * An object without REFCACHE_STATE_GRAPH has neither links nor pins, and
 * the compare-and-exchange checks that with the id: nothing else is read.
 * For one with it, links_in and the pins are read after the count
 * (smp_rmb()); graph.c raises them before it raises the count and lowers
 * them after it lowered the count, so the check can only err towards
 * -EBUSY, and only while a graph operation on this object is in flight:
 * callers repeat an -EBUSY under graph_lock, where links_in is exact and
 * nothing is pinned.
 */
static __always_inline int refcache_ref_put(struct refcache *rc,
					    struct refcache_obj *obj, u32 id)
{
	s64 old = atomic64_read(&obj->state);
	unsigned int count;

	for (;;) {
		count = refcache_state_count(old);
		if (refcache_state_id(old) != id || !count)
			return -ENOENT;
		if (unlikely(refcache_state_graph(old)) &&
		    !refcache_graph_put_ok(rc, obj, count))
			return -EBUSY;
		if (atomic64_try_cmpxchg_release(&obj->state, &old, old - 1))
			break;
	}
	if (unlikely(refcache_state_graph(old)))
		refcache_graph_put_done(rc);
	if (count == 1)
		smp_acquire__after_ctrl_dep();
	return count - 1;
}

/*
 * The final put of object @id happened and the caller owns the dead @obj.
 * Called with no refcache lock held.
 */
static __always_inline void __refcache_release(struct refcache_obj *obj,
					       u32 id)
{
	struct refcache *rc = refcache_obj_table(obj);

	if (unlikely(rc->ops && rc->ops->released))
		rc->ops->released(rc, id);
	/* A dead object gains no links: this list only shrinks from now on. */
	if (rcu_access_pointer(obj->links)) {
		refcache_release_links(obj);
		return;
	}
	/* Weak links to it are cleared first (graph.c); to most, none point. */
	if (unlikely(READ_ONCE(rc->nr_weak)))
		refcache_weak_release(rc, obj);
	__refcache_retire(obj, id);
}

/* __refcache_release(), out of line for puts that are rarely final. */
static noinline void refcache_release(struct refcache_obj *obj, u32 id)
{
	__refcache_release(obj, id);
}

/*
 * A run of the collector is on and object @id has the graph flag: the get
 * through gc.c, waiting while the run is about to decide about it. Out of
 * line, so that the fast path needs few registers.
 */
static noinline int refcache_get_wait(struct refcache *rc, u32 id,
				      struct refcache_obj **objp)
{
	int ret;

	while ((ret = refcache_gc_get(rc, id, objp)) == -EAGAIN)
		wait_event(rc->gc_wait, (READ_ONCE(rc->gc_phase) &
					 REFCACHE_GC_PHASE) != REFCACHE_GC_FINAL);
	return ret;
}

/* A get by id: the new count or -errno; *@objp is the object on success. */
static __always_inline int refcache_get_by_id(struct refcache *rc, u32 id,
					      struct refcache_obj **objp)
{
	int ret = __refcache_get_slot(rc, id, objp);

	if (unlikely(ret == -EAGAIN))
		ret = refcache_get_wait(rc, id, objp);
	if (ret > 0)
		trace_refcache_get(id, ret);
	return ret;
}

/*
 * A put the lockless check refused with -EBUSY, repeated under graph_lock,
 * where links_in is exact and nothing is pinned; then as
 * refcache_put_common(). @obj is NULL for a put by @id. Out of line, like
 * every slow path, so that the fast path needs few registers.
 */
static noinline int refcache_put_exact(struct refcache *rc, u32 id,
				       struct refcache_obj *obj)
{
	int ret = -ENOENT;

	mutex_lock(&rc->graph_lock);
	rcu_read_lock();
	if (!obj)
		obj = refcache_table_lookup(rc, id);
	if (obj)
		ret = refcache_ref_put(rc, obj, id);
	rcu_read_unlock();
	mutex_unlock(&rc->graph_lock);
	if (ret < 0)
		return ret;
	refcache_count_add(&rc->counts->puts, 1);
	trace_refcache_put(id, ret);
	if (!ret)
		refcache_release(obj, id);
	return ret;
}

/*
 * A put of an outside reference of object @id; @obj is the object if the
 * caller holds that reference, else NULL. Returns the count after it or
 * -errno; a final put has released the object. Traced before the release.
 */
static __always_inline int refcache_put_common(struct refcache *rc, u32 id,
					       struct refcache_obj *obj)
{
	struct refcache_obj *found = obj;
	int ret = -ENOENT;

	rcu_read_lock_sched();
	if (!found)
		found = refcache_table_lookup(rc, id);
	if (found) {
		ret = refcache_ref_put(rc, found, id);
		if (ret >= 0)
			__this_cpu_inc(rc->counts->puts);
	}
	rcu_read_unlock_sched();
	if (unlikely(ret == -EBUSY))
		return refcache_put_exact(rc, id, obj);
	if (ret < 0)
		return ret;
	trace_refcache_put(id, ret);
	/*
	 * The count was 1 and the put ours: nobody else can reach @found now.
	 * The holder of an object (refcache_put()) is who usually drops the
	 * last reference: inline there.
	 */
	if (!ret) {
		if (obj)
			__refcache_release(found, id);
		else
			refcache_release(found, id);
	}
	return ret;
}

/**
 * refcache_init() - set up an empty table
 * @rc: the table
 * @params: its cache's name, payload size, limits and hooks
 *
 * Makes the default class's cache; the caches of the other classes are
 * made by the creates that first use them (refcache_create_sized()), named
 * after @params->name with "_<size>" added.
 *
 * Return: 0; -EINVAL for an @params->obj_size above REFCACHE_OBJ_SIZE_MAX or
 * an @params->max_refs outside 1..REFCACHE_MAX_REFS_LIMIT; -ENOMEM, also
 * when the slab cache cannot be made (its name taken, say).
 */
int refcache_init(struct refcache *rc, const struct refcache_params *params)
{
	int err;

	if (!params->max_refs || params->max_refs > REFCACHE_MAX_REFS_LIMIT ||
	    params->obj_size > REFCACHE_OBJ_SIZE_MAX)
		return -EINVAL;
	rc->obj_size = params->obj_size;
	err = refcache_classes_init(rc, params->name);
	if (err)
		return err;
	err = refcache_table_init(rc);
	if (err) {
		refcache_classes_destroy(rc);
		return err;
	}
	refcache_map_init(rc);
	refcache_graph_init(rc);
	refcache_tracker_init(rc);
	refcache_count_init(rc, params->max_objects);
	rc->max_refs = params->max_refs;
	rc->ops = params->ops;
	return 0;
}
EXPORT_SYMBOL_GPL(refcache_init);

/**
 * refcache_set_max_refs() - change the highest refcount a get or link may give
 * @rc: the table
 * @max_refs: 1..REFCACHE_MAX_REFS_LIMIT
 *
 * Objects already above it keep their references; gets and links of them
 * fail with -EOVERFLOW until puts bring them below.
 *
 * Return: 0, or -EINVAL for a bad @max_refs.
 */
int refcache_set_max_refs(struct refcache *rc, unsigned int max_refs)
{
	if (!max_refs || max_refs > REFCACHE_MAX_REFS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(rc->max_refs, max_refs);
	return 0;
}
EXPORT_SYMBOL_GPL(refcache_set_max_refs);

/**
 * refcache_destroy() - reclaim every object still in a table, then free it
 * @rc: a table nobody uses any more
 *
 * Whatever references and links are outstanding, each object is released
 * exactly once and returned to the slab before this returns. Trackers
 * still outstanding are reported and freed, with every other tracker of
 * the table (tracker.c). The table dies at once, as garbage does: weak
 * links go with their sources, and none is cleared (refcache_weak_clear
 * is not traced) for a source that lives on, since none does.
 *
 * Return: the number of objects that were still live.
 */
unsigned long refcache_destroy(struct refcache *rc)
{
	u32 slot, end = refcache_table_end(rc);
	unsigned long n = 0;

	refcache_graph_destroy(rc);
	/* Reported as the table's, not as each object's release. */
	refcache_tracker_destroy(rc);
	for (slot = 1; slot < end; slot++) {
		struct refcache_obj *obj = refcache_table_at(rc, slot);

		if (!obj)
			continue;
		/* Nobody can get it now: it dies here, whatever its count. */
		atomic64_set(&obj->state,
			     refcache_state(refcache_obj_id(obj), 0));
		WRITE_ONCE(obj->links_in, 0);
		refcache_free_links(obj);
		refcache_retire(obj);
		n++;
		cond_resched();
	}
	refcache_link_heads_free(rc);
	mutex_destroy(&rc->graph_lock);
	mutex_destroy(&rc->limit_lock);
	refcache_map_destroy(rc);
	/* Waits for the RCU readers a SLAB_TYPESAFE_BY_RCU cache may have. */
	refcache_classes_destroy(rc);
	refcache_table_destroy(rc);
	return n;
}
EXPORT_SYMBOL_GPL(refcache_destroy);

static __always_inline void refcache_account_created(struct refcache *rc,
						     unsigned int n)
{
	local_lock(&rc->pcpu->lock);
	refcache_live_add(rc, this_cpu_ptr(rc->pcpu), n);
	local_unlock(&rc->pcpu->lock);
	if (unlikely(READ_ONCE(rc->gc_threshold)))
		refcache_gc_note(rc, n);
}

/* A create charged for @n objects failed: give their room back. */
static noinline void refcache_uncharge(struct refcache *rc, unsigned int n)
{
	bool tight;

	local_lock(&rc->pcpu->lock);
	tight = refcache_credit_give(rc, this_cpu_ptr(rc->pcpu), n);
	local_unlock(&rc->pcpu->lock);
	if (tight)
		refcache_limit_loosen(rc);
}

/* The class of object @i of a batch (refcache_create_many()). */
static __always_inline unsigned int
refcache_batch_class(const unsigned int *sizes, unsigned int i)
{
	return sizes && sizes[i] ? refcache_class_of(sizes[i]) : 0;
}

static __always_inline struct kmem_cache *
refcache_batch_cache(struct refcache *rc, const unsigned int *sizes,
		     unsigned int i)
{
	unsigned int class = refcache_batch_class(sizes, i);

	return class ? rc->classes[class].cache : rc->cache;
}

/*
 * Create @count objects, all or nothing: of the default class if @sizes is
 * NULL, else object i of the class @sizes[i] rounds up to (0: the
 * default), whose cache the caller made sure of. Ids are reserved and
 * objects allocated first (a reserved slot reads as empty); only when
 * every one of them succeeded are they filled and published, which cannot
 * fail, so nothing is visible before the whole batch is certain.
 */
static __always_inline int refcache_create_many(struct refcache *rc,
						unsigned int count,
						const unsigned int *sizes,
						struct refcache_obj **objs,
						u32 *ids)
{
	unsigned int n, i;
	int err;

	/*
	 * Charged under max_objects, exact (count.c), so that user space
	 * cannot fill memory; then the ids.
	 */
	if (count > 1 || !refcache_reserve_one_fast(rc, ids)) {
		err = refcache_charge(rc, count);
		if (err) {
			refcache_count_add(&rc->pcpu->alloc_failures, 1);
			return err;
		}
		err = refcache_table_reserve(rc, ids, count);
		if (err) {
			refcache_uncharge(rc, count);
			refcache_count_add(&rc->pcpu->alloc_failures, 1);
			return err;
		}
	}
	for (n = 0; n < count; n++) {
		objs[n] = refcache_alloc(rc, refcache_batch_cache(rc, sizes, n));
		if (!objs[n])
			goto undo;
	}

	for (i = 0; i < count; i++) {
		struct refcache_obj *obj = objs[i];
		unsigned int class = refcache_batch_class(sizes, i);
		unsigned int size = rc->obj_size;

		/* Stale readers may look at links_in and links (see top). */
		obj->cls = &rc->classes[class];
		WRITE_ONCE(obj->links_in, 0);
		RCU_INIT_POINTER(obj->links, NULL);
		if (class) {
			struct refcache_obj_tail *tail = refcache_obj_tail(obj);

			/*
			 * A dead object's id, or 0 for fresh memory
			 * (class.c). Marked: slabmap.c reads them under RCU
			 * alone.
			 */
			WRITE_ONCE(tail->prev,
				   refcache_state_id(atomic64_read(&obj->state)));
			WRITE_ONCE(tail->size, sizes[i]);
			size = obj->cls->size;
			atomic_long_inc(&obj->cls->objects);
			atomic_long_add(sizes[i], &obj->cls->asked);
		}
		refcache_fill(obj, ids[i], size);
		atomic64_set_release(&obj->state, refcache_state(ids[i], 1));
		refcache_table_publish(rc, obj, ids[i]);
		trace_refcache_create(ids[i], 1);
		if (trace_refcache_place_enabled())
			refcache_trace_place(rc, obj);
	}
	refcache_account_created(rc, count);
	return 0;

undo:
	while (n--)
		refcache_free(refcache_batch_cache(rc, sizes, n), objs[n]);
	refcache_table_unreserve(rc, ids, count);
	refcache_uncharge(rc, count);
	return -ENOMEM;
}

/**
 * refcache_create() - make one object
 * @rc: the table
 *
 * Return: the object, holding one reference that the caller owns, or
 * ERR_PTR(-ENOMEM) (also when max_objects is reached), or ERR_PTR(-ENOSPC)
 * when the table has no free id left.
 */
struct refcache_obj *refcache_create(struct refcache *rc)
{
	struct refcache_obj *obj;
	u32 id;
	int err;

	err = refcache_create_many(rc, 1, NULL, &obj, &id);
	return err ? ERR_PTR(err) : obj;
}
EXPORT_SYMBOL_GPL(refcache_create);

/* A batch of refcache_create_sized(), its sizes checked and caches made. */
static noinline int refcache_create_classes(struct refcache *rc,
					    unsigned int count,
					    const unsigned int *sizes,
					    struct refcache_obj **objs,
					    u32 *ids)
{
	return refcache_create_many(rc, count, sizes, objs, ids);
}

/**
 * refcache_create_sized() - make @count objects of the sizes asked, all or nothing
 * @rc: the table
 * @count: 1..REFCACHE_BATCH_MAX
 * @sizes: NULL for objects of the default class, else @count payload sizes,
 *	each 1..REFCACHE_OBJ_SIZE_MAX (rounded up to its class,
 *	refcache_size_class()) or 0 for the default class
 * @ids: receives the @count new ids, each object holding one reference
 *
 * May sleep, to make the cache of a class used for the first time; a cache
 * made stays, even if the batch fails.
 *
 * Return: 0; -EINVAL for a bad @count or size; -ENOMEM (also when a
 * class's cache cannot be made) or -ENOSPC, in which case no object of the
 * batch exists and @ids is garbage.
 */
int refcache_create_sized(struct refcache *rc, unsigned int count,
			  const unsigned int *sizes, u32 *ids)
{
	struct refcache_obj **objs;
	unsigned int i;
	int err;

	if (!count || count > REFCACHE_BATCH_MAX)
		return -EINVAL;
	for (i = 0; sizes && i < count; i++)
		if (sizes[i] > REFCACHE_OBJ_SIZE_MAX)
			return -EINVAL;
	for (i = 0; sizes && i < count; i++) {
		if (sizes[i] && !refcache_class_get(rc, sizes[i])) {
			refcache_count_add(&rc->pcpu->alloc_failures, 1);
			return -ENOMEM;
		}
	}
	objs = kvmalloc_array(count, sizeof(*objs), REFCACHE_GFP);
	if (!objs) {
		refcache_count_add(&rc->pcpu->alloc_failures, 1);
		return -ENOMEM;
	}
	if (sizes)
		err = refcache_create_classes(rc, count, sizes, objs, ids);
	else
		err = refcache_create_many(rc, count, NULL, objs, ids);
	kvfree(objs);
	return err;
}
EXPORT_SYMBOL_GPL(refcache_create_sized);

/**
 * refcache_create_batch() - make @count objects of the default class, all or nothing
 * @rc: the table
 * @count: 1..REFCACHE_BATCH_MAX
 * @ids: receives the @count new ids, each object holding one reference
 *
 * Return: as refcache_create_sized().
 */
int refcache_create_batch(struct refcache *rc, unsigned int count, u32 *ids)
{
	return refcache_create_sized(rc, count, NULL, ids);
}
EXPORT_SYMBOL_GPL(refcache_create_batch);

/**
 * refcache_lookup() - find a live object by id and take a reference on it
 * @rc: the table
 * @id: its id
 *
 * Return: the object, or ERR_PTR(-ENOENT) if no live object has that id
 * (including one whose final put already happened), or ERR_PTR(-EOVERFLOW)
 * if it already holds max_refs references.
 */
struct refcache_obj *refcache_lookup(struct refcache *rc, u32 id)
{
	struct refcache_obj *obj;
	int ret = refcache_get_by_id(rc, id, &obj);

	return ret < 0 ? ERR_PTR(ret) : obj;
}
EXPORT_SYMBOL_GPL(refcache_lookup);

/**
 * refcache_get() - take one more reference on an object the caller holds
 * @obj: the object
 *
 * The caller's outside reference makes @obj a root for the collector, so
 * this never waits for it.
 *
 * Return: the new refcount, or -EOVERFLOW at max_refs.
 */
int refcache_get(struct refcache_obj *obj)
{
	struct refcache *rc = refcache_obj_table(obj);
	u32 id = refcache_obj_id(obj);
	int ret = refcache_ref_get(obj, id, READ_ONCE(rc->max_refs));

	if (ret > 0) {
		refcache_count_add(&rc->counts->gets, 1);
		trace_refcache_get(id, ret);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_get);

/**
 * refcache_put() - drop a reference the caller holds
 * @obj: the object; on the final put it is gone when this returns
 *
 * Return: the refcount after the put; 0 means the object was released.
 * -EBUSY if links hold every reference left (the caller's was not its own).
 */
int refcache_put(struct refcache_obj *obj)
{
	u32 id = refcache_state_id(atomic64_read(&obj->state));
	int ret = refcache_put_common(refcache_obj_table(obj), id, obj);

	/* The caller held a reference, so the count was not 0. */
	WARN_ON_ONCE(ret == -ENOENT);
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_put);

/**
 * __refcache_get_id() - refcache_get_id(), every case
 * @rc: the table
 * @id: its id
 *
 * What refcache_get_id() calls when its inline fast path does not apply.
 *
 * Return: as refcache_get_id().
 */
int __refcache_get_id(struct refcache *rc, u32 id)
{
	struct refcache_obj *obj;

	return refcache_get_by_id(rc, id, &obj);
}
EXPORT_SYMBOL_GPL(__refcache_get_id);

/**
 * __refcache_put_id() - refcache_put_id(), every case
 * @rc: the table
 * @id: its id
 *
 * What refcache_put_id() calls when its inline fast path does not apply.
 *
 * Return: as refcache_put_id().
 */
int __refcache_put_id(struct refcache *rc, u32 id)
{
	return refcache_put_common(rc, id, NULL);
}
EXPORT_SYMBOL_GPL(__refcache_put_id);

/**
 * refcache_find_next() - the first live object at or after a position
 * @rc: the table
 * @pos: where to start (0 for the beginning); set to the object's
 *	position, so the next call starts at *@pos + 1. Positions are slot
 *	numbers, the low REFCACHE_SLOT_BITS of an id (id & (REFCACHE_SLOTS -
 *	1)), equal to the id only in a slot's first generation; there is
 *	nothing at or after REFCACHE_SLOTS.
 *
 * For listings. Call under rcu_read_lock(); the object stays readable until
 * rcu_read_unlock(), but no reference is taken, and it may die (and be
 * reused) meanwhile: its id and count may change between two reads of
 * them (refcache_next_info() reads them once). Dying objects are skipped.
 *
 * Return: the object, or NULL when there is none.
 */
struct refcache_obj *refcache_find_next(struct refcache *rc, u32 *pos)
{
	u32 slot, end = refcache_table_end(rc);

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "listing without rcu_read_lock()");
	for (slot = max(*pos, 1U); slot < end; slot++) {
		struct refcache_obj *obj = refcache_table_at(rc, slot);

		if (obj && refcache_state_count(atomic64_read(&obj->state))) {
			*pos = slot;
			return obj;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(refcache_find_next);

/**
 * refcache_next_info() - the first live object at or after a position, read once
 * @rc: the table
 * @pos: as for refcache_find_next(): where to start, set to the object's
 *	position
 * @info: receives its id and refcount (from one load of its state) and
 *	the number of counted and of weak links it holds
 * @targets: receives the ids of the first min(@info->nr_links, @max) of
 *	its counted links' targets, newest link first, from the same walk that
 *	counted them; then, in the room left, those of its weak links, from a
 *	second walk that counted them
 * @max: room in @targets
 *
 * For listings that must be self-consistent while the table changes: no
 * reference is taken, and the object may die right after. Takes the RCU
 * read lock itself, so the caller may sleep between calls (to grow
 * @targets when @info->nr_links + @info->nr_weak exceeded @max, say, and
 * call again at the same *@pos).
 *
 * Return: 0, or -ENOENT when there is no live object at or after *@pos.
 */
int refcache_next_info(struct refcache *rc, u32 *pos,
		       struct refcache_info *info, u32 *targets,
		       unsigned int max)
{
	struct refcache_obj *obj;
	u32 slot = *pos;
	s64 state;
	int ret = -ENOENT;

	rcu_read_lock();
	while ((obj = refcache_find_next(rc, &slot))) {
		state = atomic64_read(&obj->state);
		/* Died since refcache_find_next() looked: the next one. */
		if (refcache_state_count(state)) {
			unsigned int used;

			info->id = refcache_state_id(state);
			info->refcount = refcache_state_count(state);
			info->nr_links = refcache_obj_links(obj, targets, max);
			used = min(info->nr_links, max);
			info->nr_weak = refcache_obj_weak_links(obj,
								targets + used,
								max - used);
			*pos = slot;
			ret = 0;
			break;
		}
		slot++;
	}
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(refcache_next_info);

/**
 * refcache_obj_id() - an object's id
 * @obj: an object the caller holds a reference on, or found under RCU (then
 *	the id may be a newer object's by the time it is used)
 *
 * Return: its id.
 */
u32 refcache_obj_id(const struct refcache_obj *obj)
{
	return refcache_state_id(atomic64_read(&obj->state));
}
EXPORT_SYMBOL_GPL(refcache_obj_id);

/**
 * refcache_obj_refcount() - an object's refcount
 * @obj: as for refcache_obj_id()
 *
 * Return: outside references plus links to it; 0 once it is dying.
 */
unsigned int refcache_obj_refcount(const struct refcache_obj *obj)
{
	return refcache_state_count(atomic64_read(&obj->state));
}
EXPORT_SYMBOL_GPL(refcache_obj_refcount);

/**
 * refcache_obj_payload() - an object's payload
 * @obj: an object the caller holds a reference on
 *
 * The caller may read and write refcache_obj_size() bytes there; the final
 * put checks that they still hold the pattern the create wrote (the canary).
 *
 * Return: the payload.
 */
void *refcache_obj_payload(struct refcache_obj *obj)
{
	return obj->payload;
}
EXPORT_SYMBOL_GPL(refcache_obj_payload);

/**
 * refcache_obj_size() - payload bytes per object of a table
 * @rc: the table
 *
 * Return: its struct refcache_params.obj_size.
 */
unsigned int refcache_obj_size(const struct refcache *rc)
{
	return rc->obj_size;
}
EXPORT_SYMBOL_GPL(refcache_obj_size);

/**
 * refcache_stats() - sum a table's counters
 * @rc: the table
 * @st: filled in
 *
 * Each counter is read once; under concurrent use they may be from slightly
 * different moments, at rest they are exact.
 */
void refcache_stats(struct refcache *rc, struct refcache_stats *st)
{
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		const struct refcache_pcpu *p = per_cpu_ptr(rc->pcpu, cpu);

		st->created += READ_ONCE(p->created);
		st->freed += READ_ONCE(p->freed);
		st->gets += READ_ONCE(p->counts.gets);
		st->puts += READ_ONCE(p->counts.puts);
		st->alloc_failures += READ_ONCE(p->alloc_failures);
		st->canary_failures += READ_ONCE(p->canary_failures);
		st->peak_live = max(st->peak_live, READ_ONCE(p->peak));
	}
	st->links = READ_ONCE(rc->nr_links);
	st->gc_runs = READ_ONCE(rc->gc_runs);
	st->gc_collected = READ_ONCE(rc->gc_collected);
	st->gc_last_ns = READ_ONCE(rc->gc_last_ns);
	st->gc_last_pause_ns = READ_ONCE(rc->gc_last_pause_ns);
	st->gc_last_objects = READ_ONCE(rc->gc_last_objects);
	st->gc_last_links = READ_ONCE(rc->gc_last_links);
	st->gc_last_collected = READ_ONCE(rc->gc_last_collected);
	st->gc_last_bytes = READ_ONCE(rc->gc_last_bytes);
	st->gc_candidates = READ_ONCE(rc->nr_members);
	st->gc_frozen = READ_ONCE(rc->nr_frozen);
	/* Both lower bounds (count.c): their maximum never reads high. */
	st->live = refcache_live(rc);
	st->peak_live = max(st->peak_live, st->live);
	st->obj_size = rc->obj_size;
	st->slab_object_size = kmem_cache_size(rc->cache);
	st->max_refs = READ_ONCE(rc->max_refs);
	st->max_objects = READ_ONCE(rc->max_objects);
	st->id_table_bytes = refcache_table_bytes(rc);
	st->trackers = READ_ONCE(rc->nr_trackers);
	st->tracker_double_puts = READ_ONCE(rc->tracker_double_puts);
	st->tracker_leaks = READ_ONCE(rc->tracker_leaks);
	st->weak_links = READ_ONCE(rc->nr_weak);
	st->weak_cleared = READ_ONCE(rc->weak_cleared);
}
EXPORT_SYMBOL_GPL(refcache_stats);

/**
 * refcache_slab_objects() - objects of all tables taken from their slabs
 *
 * Counted by refcache itself at each allocation and free, per CPU.
 *
 * Return: objects allocated and not yet given back, over all tables.
 */
long refcache_slab_objects(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(refcache_slab_count, cpu);
	return sum;
}
EXPORT_SYMBOL_GPL(refcache_slab_objects);

/**
 * refcache_quiesce() - wait until what the tables freed is back in the slab
 *
 * The links' kfree_rcu(), and objects a debugging SLUB (SLUB_RCU_DEBUG)
 * defers, reach their caches after a grace period: this waits for them, so
 * that what SLUB reports for a cache is final. May sleep.
 */
void refcache_quiesce(void)
{
	rcu_barrier();
}
EXPORT_SYMBOL_GPL(refcache_quiesce);
