// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: tracked references, as lib/ref_tracker.c offers them.
 *
 * What is tracked. refcache_get_tracked() takes a reference on an object by
 * id, as refcache_get_id() does, and hands out a struct refcache_tracker
 * that stands for it: the object's id and the stack that took it, kept in
 * the stack depot. refcache_put_tracked() drops that reference through the
 * tracker and records the stack of the put. A tracker is
 *
 *   PENDING   while its get is in flight: listed under its id, not counted
 *   HELD      outstanding: listed under its id, counted in nr_trackers
 *   PUTTING   while its put is in flight: still listed and counted
 *   RELEASED  once its put was made: in the quarantine, listed no more
 *   ORPHAN    once its object died while it was HELD: on the orphan list
 *
 * Lock rules. Everything a table's trackers have (the index, the lists, the
 * states, the counters: struct refcache says which fields) is under the
 * xa_lock of rc->tracker_index, a spinlock. It is never held across a get
 * or a put of an object, nor across anything that sleeps; only
 * __xa_insert() drops and retakes it to allocate, which
 * refcache_tracker_list() allows for. The release of an object takes it,
 * sometimes under graph_lock: graph_lock, if held, comes first. Reports
 * are printed after it is dropped, from copies of the stacks' handles, so
 * that a put racing with a report never finds its tracker freed.
 * refcache_destroy() needs no lock: nobody uses the table any more.
 *
 * The index. rc->tracker_index maps an object id (its generation
 * included: a slot's next object is another entry) to a struct
 * refcache_tracker_set, the list of that id's trackers that are PENDING,
 * HELD or PUTTING. An id's first tracker allocates the set (16 bytes) and
 * its entry (xarray nodes of 576 bytes, each shared by up to 64 ids that
 * are close together, as a table's ids are); the id's last tracker frees
 * both. Finding an id's trackers at its release is one xarray lookup (a
 * walk down one level per 6 bits of the highest id indexed: four while
 * the ids are in their slots' first generation, below 2^24; six at most)
 * and a walk of that id's list alone: no other tracker is looked at.
 *
 * The quarantine. The put through a tracker moves it, with the stack of the
 * put, to the tail of rc->tracker_quarantine; once that holds more than
 * REFCACHE_TRACKER_QUARANTINE trackers, its head, the oldest, is freed. A
 * put through a tracker in the quarantine (or one whose put is still in
 * flight) is a double put: it is reported with the object's id and the
 * stacks of the get, of the first put and of this one, counted in
 * tracker_double_puts, and refused with -EINVAL; no count is touched. A
 * put through a tracker already freed from the quarantine is a use after
 * free, as with ref_tracker: KASAN's to catch.
 *
 * What is reported when, with pr_err() lines that name the object by its
 * id and stacks that stack_depot_print() prints (symbols, no addresses):
 *
 * - a double put, as above;
 * - the release of an object (final put, dropped link, collector: all end
 *   in __refcache_retire()) with trackers still HELD: "object 7 released
 *   with 1 tracked reference outstanding", with the stack of each one's
 *   get. They become ORPHANs, counted in tracker_leaks; the put through
 *   one later returns -ENOENT, touches no count and frees it;
 * - refcache_destroy() of a table with trackers still HELD: "table NAME
 *   destroyed with 2 tracked references outstanding", with their gets'
 *   stacks; counted in tracker_leaks, and freed. Orphans and the
 *   quarantine are freed without a word.
 *
 * A report shows at most REFCACHE_TRACKER_SHOWN stacks, and says how many
 * more there were.
 *
 * Races no correct caller makes, handled all the same: the object may die
 * while a tracked get of it is in flight (if the get failed, its PENDING
 * tracker goes without a word; if someone else's put dropped the
 * reference the get had just taken, it is reported as a leak there and
 * then, and handed out as an ORPHAN), or while a tracked put is in flight
 * (as it does when that put was the final one; if the put failed, the
 * tracker is reported as a leak and freed, and the put returns -ENOENT).
 * The release marks such trackers (@died) and takes them off its id's
 * list; the get or put in flight finishes with them.
 *
 * What untracked callers pay: nothing in the inline gets and puts of
 * refcache.h, nothing in the exported ones. The release of an object,
 * __refcache_retire(), tests rc->tracking, a bool beside rc->limit_tight,
 * which the same release reads to give back its room under max_objects:
 * one load from a line already in cache, and a branch not taken until a
 * tracked get is made on the table. From then on every release of an
 * object of the table looks its id up in the index, under the lock.
 *
 * Tracked callers pay, per get and per put, a stack_trace_save() and a
 * stack depot lookup, the lock twice, and, per get, a 32-byte tracker and
 * an index entry while it is outstanding.
 *
 * The stack depot's calls used here (stack_depot_init(), stack_depot_save(),
 * stack_depot_print()) are the same in 6.1 and 6.12: no compat wrapper.
 */
#include <linux/atomic.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/instruction_pointer.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/xarray.h>

#include "refcache.h"
#include "refcache_internal.h"

/* Frames kept of each stack. */
#define REFCACHE_TRACKER_FRAMES	16
/* Stacks one report shows. */
#define REFCACHE_TRACKER_SHOWN	8

/**
 * enum refcache_tracker_state - where a tracker is in its life (see top)
 * @REFCACHE_TRACKER_PENDING: its get is in flight
 * @REFCACHE_TRACKER_HELD: outstanding
 * @REFCACHE_TRACKER_PUTTING: its put is in flight
 * @REFCACHE_TRACKER_RELEASED: its put was made; in the quarantine
 * @REFCACHE_TRACKER_ORPHAN: its object died while it was held
 */
enum refcache_tracker_state {
	REFCACHE_TRACKER_PENDING,
	REFCACHE_TRACKER_HELD,
	REFCACHE_TRACKER_PUTTING,
	REFCACHE_TRACKER_RELEASED,
	REFCACHE_TRACKER_ORPHAN,
};

/**
 * struct refcache_tracker - one tracked reference
 * @node: in its id's set while PENDING, HELD or PUTTING (unless @died); in
 *	the table's quarantine while RELEASED; in its orphans while ORPHAN
 * @id: the object. Constant.
 * @state: enum refcache_tracker_state
 * @died: the object was released while the tracker was PENDING or
 *	PUTTING: the release took it off its set, the get or put in flight
 *	decides what becomes of it
 * @get_stack: the stack of the get (0: not recorded). Constant once listed.
 * @put_stack: the stack of the put, from PUTTING on (0: not recorded)
 *
 * All but the constant fields under the table's tracker_index lock.
 */
struct refcache_tracker {
	struct list_head node;
	u32 id;
	u8 state;
	bool died;
	depot_stack_handle_t get_stack;
	depot_stack_handle_t put_stack;
};

/**
 * struct refcache_tracker_set - one object's trackers, the index's entry
 * @trackers: its PENDING, HELD and PUTTING trackers, oldest first; never
 *	empty while the set is in the index. Under the table's tracker_index
 *	lock.
 */
struct refcache_tracker_set {
	struct list_head trackers;
};

/* Trackers allocated and not yet freed, over all tables. */
static atomic_long_t refcache_tracker_count = ATOMIC_LONG_INIT(0);

/* stack_depot_init() was called (it may fail: then no stack is kept). */
static bool refcache_depot_ready;

/*
 * The caller's stack in the stack depot, or 0. Noinline, so that the frame
 * skipped is this one and the first kept is the tracked get's or put's.
 * Where the architecture cannot walk the stack (UML without frame
 * pointers saves nothing), the one frame @caller, the return address of
 * the tracked get or put, is better than none.
 */
static noinline depot_stack_handle_t refcache_tracker_stack(gfp_t gfp,
							    unsigned long caller)
{
	unsigned long entries[REFCACHE_TRACKER_FRAMES];
	unsigned int n;

	if (!IS_ENABLED(CONFIG_STACKDEPOT) || !IS_ENABLED(CONFIG_STACKTRACE))
		return 0;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	if (!n)
		entries[n++] = caller;
	return stack_depot_save(entries, n, gfp | __GFP_NOWARN);
}

static void refcache_tracker_print(depot_stack_handle_t stack)
{
	if (IS_ENABLED(CONFIG_STACKDEPOT) && stack)
		stack_depot_print(stack);
	else
		pr_err("refcache:  (stack not recorded)\n");
}

/* @n trackers of object @id, the first of whose get stacks are @stacks. */
static void refcache_tracker_report_leaks(u32 id, unsigned int n,
					  const depot_stack_handle_t *stacks)
{
	unsigned int i;

	pr_err("refcache: object %u released with %u tracked reference%s outstanding\n",
	       id, n, n == 1 ? "" : "s");
	for (i = 0; i < min_t(unsigned int, n, REFCACHE_TRACKER_SHOWN); i++) {
		pr_err("refcache: object %u: tracked reference taken at:\n", id);
		refcache_tracker_print(stacks[i]);
	}
	if (n > REFCACHE_TRACKER_SHOWN)
		pr_err("refcache: object %u: %u more tracked references not shown\n",
		       id, n - REFCACHE_TRACKER_SHOWN);
}

static void refcache_tracker_free(struct refcache_tracker *t)
{
	kfree(t);
	atomic_long_dec(&refcache_tracker_count);
}

/* Under the lock: one more tracker outstanding (@n: +1 or -1). */
static void refcache_tracker_count_held(struct refcache *rc, long n)
{
	WRITE_ONCE(rc->nr_trackers, rc->nr_trackers + n);
}

/*
 * The table's first tracked get: make sure of the stack depot, and have
 * releases look for trackers from now on (see refcache_get_tracked() for
 * the ordering). May sleep.
 */
static noinline void refcache_tracker_enable(struct refcache *rc)
{
	if (!READ_ONCE(refcache_depot_ready)) {
		/* Idempotent, serialised by the depot itself. */
		stack_depot_init();
		WRITE_ONCE(refcache_depot_ready, true);
	}
	xa_lock(&rc->tracker_index);
	WRITE_ONCE(rc->tracking, true);
	xa_unlock(&rc->tracker_index);
}

/* Add @t to its id's set, making the set if it is the id's first. */
static int refcache_tracker_list(struct refcache *rc, struct refcache_tracker *t,
				 gfp_t gfp)
{
	struct xarray *xa = &rc->tracker_index;
	struct refcache_tracker_set *set, *spare = NULL;
	int err = 0;

	xa_lock(xa);
	set = xa_load(xa, t->id);
	if (!set) {
		xa_unlock(xa);
		spare = kmalloc(sizeof(*spare), gfp | __GFP_NOWARN);
		if (!spare)
			return -ENOMEM;
		INIT_LIST_HEAD(&spare->trackers);
		xa_lock(xa);
		/* May drop the lock to allocate: -EBUSY if a set came meanwhile. */
		err = __xa_insert(xa, t->id, spare, gfp | __GFP_NOWARN);
		if (!err) {
			set = spare;
			spare = NULL;
		} else if (err == -EBUSY) {
			set = xa_load(xa, t->id);
			err = 0;
		}
	}
	if (set)
		list_add_tail(&t->node, &set->trackers);
	xa_unlock(xa);
	kfree(spare);
	return err ? -ENOMEM : 0;
}

/* Under the lock: take @t off its id's set, and the set away if empty. */
static void refcache_tracker_unlist(struct refcache *rc,
				    struct refcache_tracker *t)
{
	struct refcache_tracker_set *set = xa_load(&rc->tracker_index, t->id);

	list_del(&t->node);
	if (list_empty(&set->trackers)) {
		__xa_erase(&rc->tracker_index, t->id);
		kfree(set);
	}
}

/* The get of PENDING @t returned @ret: hand @t out, or drop it. */
static int refcache_tracker_got(struct refcache *rc, struct refcache_tracker *t,
				int ret, struct refcache_tracker **trackerp)
{
	bool leaked = false;

	xa_lock(&rc->tracker_index);
	if (ret < 0) {
		if (!t->died)
			refcache_tracker_unlist(rc, t);
	} else if (!t->died) {
		t->state = REFCACHE_TRACKER_HELD;
		refcache_tracker_count_held(rc, 1);
	} else {
		/*
		 * The object died since the get: someone else's put dropped
		 * the reference it took. Reported as its release would have.
		 */
		t->state = REFCACHE_TRACKER_ORPHAN;
		list_add_tail(&t->node, &rc->tracker_orphans);
		WRITE_ONCE(rc->tracker_leaks, rc->tracker_leaks + 1);
		leaked = true;
	}
	xa_unlock(&rc->tracker_index);
	if (ret < 0) {
		refcache_tracker_free(t);
		return ret;
	}
	/* Nobody else has @t yet: it cannot be freed under the report. */
	if (leaked)
		refcache_tracker_report_leaks(t->id, 1, &t->get_stack);
	*trackerp = t;
	return ret;
}

int refcache_get_tracked(struct refcache *rc, u32 id,
			 struct refcache_tracker **trackerp, gfp_t gfp)
{
	struct refcache_tracker *t;
	int err;

	if (rc->ops && rc->ops->fail_tracker && rc->ops->fail_tracker(rc))
		return -ENOMEM;
	t = kmalloc(sizeof(*t), gfp | __GFP_NOWARN);
	if (!t)
		return -ENOMEM;
	atomic_long_inc(&refcache_tracker_count);
	if (unlikely(!READ_ONCE(rc->tracking)))
		refcache_tracker_enable(rc);
	t->id = id;
	t->state = REFCACHE_TRACKER_PENDING;
	t->died = false;
	t->put_stack = 0;
	t->get_stack = refcache_tracker_stack(gfp, _RET_IP_);
	err = refcache_tracker_list(rc, t, gfp);
	if (err) {
		refcache_tracker_free(t);
		return err;
	}
	/*
	 * rc->tracking and the listed tracker before the get's update of the
	 * object's count: a release that comes after the get (through a put
	 * that follows it on the count) reads rc->tracking after that put's
	 * acquire, sees it set and finds the tracker.
	 */
	smp_mb();
	return refcache_tracker_got(rc, t, refcache_get_id(rc, id), trackerp);
}
EXPORT_SYMBOL_GPL(refcache_get_tracked);

/* The put through PUTTING @t returned @ret: quarantine @t, or not. */
static int refcache_tracker_done(struct refcache *rc, struct refcache_tracker *t,
				 int ret)
{
	struct refcache_tracker *old = NULL;
	bool leaked = false;

	xa_lock(&rc->tracker_index);
	if (ret >= 0) {
		if (!t->died)
			refcache_tracker_unlist(rc, t);
		refcache_tracker_count_held(rc, -1);
		t->state = REFCACHE_TRACKER_RELEASED;
		list_add_tail(&t->node, &rc->tracker_quarantine);
		if (++rc->tracker_nr_quarantined > REFCACHE_TRACKER_QUARANTINE) {
			old = list_first_entry(&rc->tracker_quarantine,
					       struct refcache_tracker, node);
			list_del(&old->node);
			rc->tracker_nr_quarantined--;
		}
	} else if (!t->died) {
		/* Refused: still outstanding, as the caller still holds it. */
		t->state = REFCACHE_TRACKER_HELD;
		t->put_stack = 0;
	} else {
		/* The object died of something else while the put was refused. */
		refcache_tracker_count_held(rc, -1);
		WRITE_ONCE(rc->tracker_leaks, rc->tracker_leaks + 1);
		leaked = true;
	}
	xa_unlock(&rc->tracker_index);
	if (old)
		refcache_tracker_free(old);
	if (leaked) {
		refcache_tracker_report_leaks(t->id, 1, &t->get_stack);
		refcache_tracker_free(t);
		return -ENOENT;
	}
	return ret;
}

int refcache_put_tracked(struct refcache *rc, struct refcache_tracker *t)
{
	depot_stack_handle_t stack = refcache_tracker_stack(GFP_NOWAIT, _RET_IP_);
	depot_stack_handle_t get_stack, first_put;
	u32 id;

	xa_lock(&rc->tracker_index);
	switch (t->state) {
	case REFCACHE_TRACKER_HELD:
		t->state = REFCACHE_TRACKER_PUTTING;
		t->put_stack = stack;
		xa_unlock(&rc->tracker_index);
		/* PUTTING: nobody else frees @t, or changes its id. */
		return refcache_tracker_done(rc, t, refcache_put_id(rc, t->id));
	case REFCACHE_TRACKER_ORPHAN:
		list_del(&t->node);
		xa_unlock(&rc->tracker_index);
		refcache_tracker_free(t);
		return -ENOENT;
	default:
		/* RELEASED, or PUTTING: a put through @t was made already. */
		WRITE_ONCE(rc->tracker_double_puts, rc->tracker_double_puts + 1);
		id = t->id;
		get_stack = t->get_stack;
		first_put = t->put_stack;
		xa_unlock(&rc->tracker_index);
		break;
	}
	pr_err("refcache: object %u: tracked reference put twice\n", id);
	pr_err("refcache: object %u: tracked reference taken at:\n", id);
	refcache_tracker_print(get_stack);
	pr_err("refcache: object %u: first put at:\n", id);
	refcache_tracker_print(first_put);
	pr_err("refcache: object %u: put again at:\n", id);
	refcache_tracker_print(stack);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(refcache_put_tracked);

long refcache_tracker_objects(void)
{
	return atomic_long_read(&refcache_tracker_count);
}
EXPORT_SYMBOL_GPL(refcache_tracker_objects);

/* refcache_init(): no trackers, nothing to look for. */
void refcache_tracker_init(struct refcache *rc)
{
	rc->tracking = false;
	xa_init(&rc->tracker_index);
	INIT_LIST_HEAD(&rc->tracker_quarantine);
	INIT_LIST_HEAD(&rc->tracker_orphans);
	rc->tracker_nr_quarantined = 0;
	rc->nr_trackers = 0;
	rc->tracker_double_puts = 0;
	rc->tracker_leaks = 0;
}

/**
 * refcache_tracker_release() - object @id dies: report its outstanding trackers
 * @rc: its table, on which a tracked get was made (rc->tracking)
 * @id: the object, dead, being retired
 *
 * Called by __refcache_retire(), once per object, by the owner of its
 * release; any refcache lock but the trackers' may be held.
 */
void refcache_tracker_release(struct refcache *rc, u32 id)
{
	depot_stack_handle_t shown[REFCACHE_TRACKER_SHOWN];
	struct refcache_tracker_set *set;
	struct refcache_tracker *t, *tmp;
	unsigned int n = 0;

	xa_lock(&rc->tracker_index);
	set = __xa_erase(&rc->tracker_index, id);
	if (!set) {
		xa_unlock(&rc->tracker_index);
		return;
	}
	list_for_each_entry_safe(t, tmp, &set->trackers, node) {
		if (t->state != REFCACHE_TRACKER_HELD) {
			/* PENDING or PUTTING: the get or put finishes with it. */
			list_del_init(&t->node);
			t->died = true;
			continue;
		}
		if (n < REFCACHE_TRACKER_SHOWN)
			shown[n] = t->get_stack;
		n++;
		t->state = REFCACHE_TRACKER_ORPHAN;
		list_move_tail(&t->node, &rc->tracker_orphans);
	}
	if (n) {
		refcache_tracker_count_held(rc, -(long)n);
		WRITE_ONCE(rc->tracker_leaks, rc->tracker_leaks + n);
	}
	xa_unlock(&rc->tracker_index);
	kfree(set);
	if (n)
		refcache_tracker_report_leaks(id, n, shown);
}

/**
 * refcache_tracker_destroy() - report and free every tracker of a table
 * @rc: the table, which nobody uses any more, before its objects go
 *
 * Outstanding trackers are reported (counted in tracker_leaks, for what
 * that is still worth) and freed, and so are the orphans and the
 * quarantine; the objects' releases that follow find nothing to look for.
 */
void refcache_tracker_destroy(struct refcache *rc)
{
	struct refcache_tracker_set *set;
	struct refcache_tracker *t, *tmp;
	unsigned long index, n = 0;

	if (rc->nr_trackers)
		pr_err("refcache: table %s destroyed with %lu tracked reference%s outstanding\n",
		       rc->classes[0].name, rc->nr_trackers,
		       rc->nr_trackers == 1 ? "" : "s");
	xa_for_each(&rc->tracker_index, index, set) {
		list_for_each_entry_safe(t, tmp, &set->trackers, node) {
			if (n++ < REFCACHE_TRACKER_SHOWN) {
				pr_err("refcache: object %u: tracked reference taken at:\n",
				       t->id);
				refcache_tracker_print(t->get_stack);
			}
			refcache_tracker_free(t);
		}
		kfree(set);
		cond_resched();
	}
	xa_destroy(&rc->tracker_index);
	if (n > REFCACHE_TRACKER_SHOWN)
		pr_err("refcache: table %s: %lu more tracked references not shown\n",
		       rc->classes[0].name, n - REFCACHE_TRACKER_SHOWN);
	rc->tracker_leaks += n;
	rc->nr_trackers = 0;
	list_for_each_entry_safe(t, tmp, &rc->tracker_orphans, node)
		refcache_tracker_free(t);
	list_for_each_entry_safe(t, tmp, &rc->tracker_quarantine, node)
		refcache_tracker_free(t);
	INIT_LIST_HEAD(&rc->tracker_orphans);
	INIT_LIST_HEAD(&rc->tracker_quarantine);
	rc->tracker_nr_quarantined = 0;
	rc->tracking = false;
}
