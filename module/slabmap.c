// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: where objects live in their slabs, worked out when asked.
 *
 * Nothing here runs on the create, get or put paths: an object's slab and
 * slot follow from its address (the folio SLUB carved it from, and the
 * layout class.c learnt for its class), so they are computed only when a
 * listing, the slab map or the refcache_place tracepoint asks.
 *
 * A slab is shown as a small number, never as an address or a page frame:
 * rc->slab_ids maps the page frame of each slab shown so far to a number
 * from rc->slab_numbers (lowest free first) and to its class, so the number
 * stays the same while the slab holds objects of the table. A full map
 * (refcache_map_build()) drops the entries of slabs it found empty, and
 * their numbers are used again; an entry whose frame now holds a slab of
 * another class is given a new number.
 *
 * Locking: map_lock protects slab_ids and slab_numbers; the table is read
 * under RCU, as every listing reads it: an object found may die at once,
 * and its memory be reused, which the id in its state word tells (read
 * before and after its fields). A dying object's slab cannot go away
 * inside the RCU read section (SLAB_TYPESAFE_BY_RCU).
 */
#include <linux/kfence.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "refcache.h"
#include "refcache_internal.h"
#include "refcache_trace.h"

/* Slots walked per RCU read section while a map is built. */
#define REFCACHE_MAP_STRIDE	1024

/* What a walk reads of one object, under RCU. */
struct refcache_seen {
	unsigned long pfn;
	u32 id;
	u32 prev;
	unsigned int slot;
	u16 size;
	u8 class;
	u8 kfence;
	unsigned int number;
};

void refcache_map_init(struct refcache *rc)
{
	mutex_init(&rc->map_lock);
	xa_init(&rc->slab_ids);
	ida_init(&rc->slab_numbers);
}

void refcache_map_destroy(struct refcache *rc)
{
	xa_destroy(&rc->slab_ids);
	ida_destroy(&rc->slab_numbers);
	mutex_destroy(&rc->map_lock);
}

/*
 * Under RCU: what @obj is and where, if it is live. Its fields are read
 * between two loads of its state word that must agree, so that they are the
 * fields of object @seen->id, not of one that reused the memory meanwhile.
 */
static bool refcache_obj_seen(struct refcache *rc, struct refcache_obj *obj,
			      struct refcache_seen *seen)
{
	s64 state = atomic64_read_acquire(&obj->state);
	const struct refcache_class *cl;
	struct folio *folio;
	unsigned long off, class;

	if (!refcache_state_count(state))
		return false;
	/*
	 * The class from the value of @cls alone: in an object that died
	 * meanwhile, SLUB may have put its free pointer there (struct
	 * refcache_obj), so it is never followed before it is known to be one
	 * of the table's classes.
	 */
	class = (unsigned long)READ_ONCE(obj->cls) - (unsigned long)rc->classes;
	if (class % sizeof(*cl) ||
	    class / sizeof(*cl) >= REFCACHE_NR_CLASSES)
		return false;
	class /= sizeof(*cl);
	cl = &rc->classes[class];
	seen->class = class;
	seen->prev = 0;
	seen->size = cl->size;
	if (class) {
		const struct refcache_obj_tail *tail =
			(const void *)(obj->payload + cl->size);

		seen->prev = READ_ONCE(tail->prev);
		seen->size = READ_ONCE(tail->size);
	}
	/* The fields before the second load: a creator writes them first. */
	smp_rmb();
	if (refcache_state_id(atomic64_read(&obj->state)) !=
	    refcache_state_id(state))
		return false;
	seen->id = refcache_state_id(state);
	seen->kfence = is_kfence_address(obj);
	seen->pfn = 0;
	seen->slot = 0;
	seen->number = 0;
	if (seen->kfence)
		return true;
	folio = virt_to_folio(obj);
	off = (unsigned long)obj - (unsigned long)folio_address(folio);
	seen->pfn = folio_pfn(folio);
	seen->slot = (off - cl->offset) / cl->stride;
	return true;
}

/*
 * Under map_lock: the number of the slab at page frame @pfn, of @class,
 * given one if it has none. 0 if no memory for that.
 */
static unsigned int refcache_slab_number(struct refcache *rc, unsigned long pfn,
					 unsigned int class)
{
	void *entry = xa_load(&rc->slab_ids, pfn);
	unsigned long v;
	int number;

	lockdep_assert_held(&rc->map_lock);
	if (entry && xa_to_value(entry) % REFCACHE_NR_CLASSES == class)
		return xa_to_value(entry) / REFCACHE_NR_CLASSES;
	/*
	 * New, or the frame holds a slab of another class now: a new number,
	 * taken before the old one is given back, so the two differ.
	 */
	number = ida_alloc_min(&rc->slab_numbers, 1, GFP_KERNEL);
	if (number < 0)
		return 0;
	v = (unsigned long)number * REFCACHE_NR_CLASSES + class;
	if (xa_is_err(xa_store(&rc->slab_ids, pfn, xa_mk_value(v), GFP_KERNEL))) {
		ida_free(&rc->slab_numbers, number);
		return 0;
	}
	if (entry)
		ida_free(&rc->slab_numbers,
			 xa_to_value(entry) / REFCACHE_NR_CLASSES);
	return number;
}

/* @seen, with its slab's number, as a struct refcache_where. */
static int refcache_where_fill(struct refcache *rc,
			       const struct refcache_seen *seen,
			       struct refcache_where *where)
{
	unsigned int number = 0;

	if (!seen->kfence) {
		mutex_lock(&rc->map_lock);
		number = refcache_slab_number(rc, seen->pfn, seen->class);
		mutex_unlock(&rc->map_lock);
		if (!number)
			return -ENOMEM;
	}
	where->id = seen->id;
	where->prev = seen->prev;
	/* Only the classes above 0 record it (struct refcache_obj_tail). */
	where->reuse_known = seen->class != REFCACHE_CLASS_DEFAULT;
	where->size = seen->size;
	where->class = seen->class;
	where->slab = number;
	where->slot = seen->slot;
	return 0;
}

/**
 * refcache_obj_where() - where an object lives
 * @rc: its table
 * @obj: an object the caller holds a reference on
 * @where: filled in
 *
 * May sleep (to number a slab shown for the first time).
 *
 * Return: 0, -ENOENT if @obj is dead, or -ENOMEM.
 */
int refcache_obj_where(struct refcache *rc, struct refcache_obj *obj,
		       struct refcache_where *where)
{
	struct refcache_seen seen;
	bool live;

	rcu_read_lock();
	live = refcache_obj_seen(rc, obj, &seen);
	rcu_read_unlock();
	return live ? refcache_where_fill(rc, &seen, where) : -ENOENT;
}
EXPORT_SYMBOL_GPL(refcache_obj_where);

/**
 * refcache_next_where() - the first live object at or after a position, and where it is
 * @rc: the table
 * @pos: as for refcache_find_next(): where to start, set to the object's
 *	position
 * @where: filled in
 *
 * For listings, as refcache_next_info(): no reference is taken, and the
 * object may die right after. May sleep.
 *
 * Return: 0, -ENOENT when there is no live object at or after *@pos, or
 * -ENOMEM.
 */
int refcache_next_where(struct refcache *rc, u32 *pos,
			struct refcache_where *where)
{
	struct refcache_seen seen;
	struct refcache_obj *obj;
	u32 slot = *pos;
	bool live = false;

	rcu_read_lock();
	while (!live && (obj = refcache_find_next(rc, &slot))) {
		live = refcache_obj_seen(rc, obj, &seen);
		if (!live)
			slot++;
	}
	rcu_read_unlock();
	if (!live)
		return -ENOENT;
	*pos = slot;
	return refcache_where_fill(rc, &seen, where);
}
EXPORT_SYMBOL_GPL(refcache_next_where);

/**
 * refcache_trace_place() - the refcache_place event of a new object
 * @rc: its table
 * @obj: the object, just published, its reference still the creator's
 *
 * Called only while the event is enabled.
 */
void refcache_trace_place(struct refcache *rc, struct refcache_obj *obj)
{
	struct refcache_where w;

	if (!refcache_obj_where(rc, obj, &w))
		trace_refcache_place(w.id, w.size,
				     refcache_obj_payload_size(obj), w.slab,
				     w.slot, w.reuse_known ? w.prev : -1LL);
}

/* By class, then @kx (@ky of @y), then slot: for sort(). */
static int refcache_seen_cmp(const struct refcache_seen *x,
			     const struct refcache_seen *y,
			     unsigned long kx, unsigned long ky)
{
	if (x->class != y->class)
		return x->class < y->class ? -1 : 1;
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

static int refcache_seen_by_frame(const void *a, const void *b)
{
	const struct refcache_seen *x = a, *y = b;

	return refcache_seen_cmp(x, y, x->pfn, y->pfn);
}

static int refcache_seen_by_number(const void *a, const void *b)
{
	const struct refcache_seen *x = a, *y = b;

	return refcache_seen_cmp(x, y, x->number, y->number);
}

/*
 * Every live object of @rc, read under RCU a stretch of slots at a time;
 * *@n of them. NULL if there is no memory for them.
 */
static struct refcache_seen *refcache_map_walk(struct refcache *rc,
					       unsigned long *n)
{
	unsigned long cap = max(refcache_live(rc), 0L) + 64, nr = 0;
	struct refcache_seen *seen, *bigger;
	u32 pos = 1;

	seen = kvmalloc_array(cap, sizeof(*seen), REFCACHE_GFP);
	if (!seen)
		return NULL;
	for (;;) {
		u32 stop = pos + REFCACHE_MAP_STRIDE;
		struct refcache_obj *obj;
		bool more = false;

		rcu_read_lock();
		while (nr < cap && (obj = refcache_find_next(rc, &pos))) {
			if (pos >= stop) {
				more = true;
				break;
			}
			if (refcache_obj_seen(rc, obj, &seen[nr]))
				nr++;
			pos++;
		}
		rcu_read_unlock();
		if (nr == cap) {
			bigger = kvmalloc_array(cap * 2, sizeof(*seen),
						REFCACHE_GFP);
			if (!bigger) {
				kvfree(seen);
				return NULL;
			}
			memcpy(bigger, seen, nr * sizeof(*seen));
			kvfree(seen);
			seen = bigger;
			cap *= 2;
			more = true;
		}
		if (!more)
			break;
		cond_resched();
	}
	*n = nr;
	return seen;
}

/*
 * Under map_lock: number the slabs of @seen (sorted by frame), and forget
 * the numbers of slabs not among them. 0, or -ENOMEM.
 */
static int refcache_map_number(struct refcache *rc, struct refcache_seen *seen,
			       unsigned long n)
{
	unsigned long i, pfn;
	void *entry;

	lockdep_assert_held(&rc->map_lock);
	xa_for_each(&rc->slab_ids, pfn, entry)
		xa_clear_mark(&rc->slab_ids, pfn, XA_MARK_0);
	for (i = 0; i < n; i++) {
		if (seen[i].kfence)
			continue;
		if (i && !seen[i - 1].kfence && seen[i - 1].pfn == seen[i].pfn &&
		    seen[i - 1].class == seen[i].class) {
			seen[i].number = seen[i - 1].number;
			continue;
		}
		seen[i].number = refcache_slab_number(rc, seen[i].pfn,
						      seen[i].class);
		if (!seen[i].number)
			return -ENOMEM;
		xa_set_mark(&rc->slab_ids, seen[i].pfn, XA_MARK_0);
	}
	xa_for_each(&rc->slab_ids, pfn, entry) {
		if (xa_get_mark(&rc->slab_ids, pfn, XA_MARK_0))
			continue;
		ida_free(&rc->slab_numbers,
			 xa_to_value(entry) / REFCACHE_NR_CLASSES);
		xa_erase(&rc->slab_ids, pfn);
	}
	return 0;
}

/* The map of @seen, numbered and sorted by number: slabs and slots. */
static int refcache_map_fill(struct refcache_map *map,
			     const struct refcache_seen *seen, unsigned long n)
{
	unsigned long i, s = 0;

	map->slots = kvmalloc_array(max(n, 1UL), sizeof(*map->slots),
				    REFCACHE_GFP);
	map->slabs = kvmalloc_array(max(n, 1UL), sizeof(*map->slabs),
				    REFCACHE_GFP);
	if (!map->slots || !map->slabs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct refcache_seen *o = &seen[i];
		struct refcache_class_stats *cs = &map->classes[o->class];

		/*
		 * The same slot of the same slab twice: an object died while
		 * the walk went on and another took its memory, later in the
		 * table. Both were live at some moment of the walk, not at
		 * once: the map shows the first.
		 */
		if (i && !o->kfence && !seen[i - 1].kfence &&
		    !refcache_seen_by_number(o, &seen[i - 1]))
			continue;
		cs->objects++;
		cs->asked += o->size;
		cs->used += cs->stride;
		if (o->kfence) {
			map->kfence[o->class]++;
			continue;
		}
		if (!map->nr_slabs ||
		    map->slabs[map->nr_slabs - 1].number != o->number ||
		    map->slabs[map->nr_slabs - 1].class != o->class) {
			map->slabs[map->nr_slabs++] = (struct refcache_map_slab){
				.number = o->number,
				.class = o->class,
				.first = s,
			};
			map->slabs_of[o->class]++;
		}
		map->slabs[map->nr_slabs - 1].used++;
		map->slots[s++] = (struct refcache_map_slot){
			.id = o->id,
			.prev = o->prev,
			.slot = o->slot,
		};
	}
	map->nr_slots = s;
	return 0;
}

/**
 * refcache_map_build() - a snapshot of where every live object of a table is
 * @rc: the table
 *
 * Walks the whole table (a stretch of slots at a time, so the table may
 * change meanwhile: an object that dies or is born during the walk may or
 * may not be in it). Slabs this finds empty lose their numbers. May sleep.
 *
 * Return: the map, or ERR_PTR(-ENOMEM).
 */
struct refcache_map *refcache_map_build(struct refcache *rc)
{
	struct refcache_seen *seen;
	struct refcache_map *map;
	unsigned long n = 0;
	unsigned int class;
	int err;

	map = kvzalloc(sizeof(*map), REFCACHE_GFP);
	if (!map)
		return ERR_PTR(-ENOMEM);
	seen = refcache_map_walk(rc, &n);
	if (!seen) {
		kvfree(map);
		return ERR_PTR(-ENOMEM);
	}
	/*
	 * The classes after the walk: a class's cache is made before its
	 * first object and lives as long as the table, so every class the
	 * walk saw an object of is here with its name and layout, even one
	 * whose cache a create made while the walk ran.
	 */
	for (class = 0; class < REFCACHE_NR_CLASSES; class++)
		if (refcache_class_stats(rc, class, &map->classes[class])) {
			map->classes[class].objects = 0;
			map->classes[class].asked = 0;
			map->classes[class].used = 0;
		}
	sort(seen, n, sizeof(*seen), refcache_seen_by_frame, NULL);
	mutex_lock(&rc->map_lock);
	err = refcache_map_number(rc, seen, n);
	mutex_unlock(&rc->map_lock);
	if (!err) {
		sort(seen, n, sizeof(*seen), refcache_seen_by_number, NULL);
		err = refcache_map_fill(map, seen, n);
	}
	kvfree(seen);
	if (err) {
		refcache_map_free(map);
		return ERR_PTR(err);
	}
	return map;
}
EXPORT_SYMBOL_GPL(refcache_map_build);

/**
 * refcache_map_free() - free a map
 * @map: from refcache_map_build(), or NULL
 */
void refcache_map_free(struct refcache_map *map)
{
	if (!map)
		return;
	kvfree(map->slots);
	kvfree(map->slabs);
	kvfree(map);
}
EXPORT_SYMBOL_GPL(refcache_map_free);
