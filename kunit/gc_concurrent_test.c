// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit test of the cycle collector against concurrent mutators: kthreads
 * create, get, put, link and unlink objects of one random graph while
 * another runs refcache_gc() again and again, then one model decides what
 * the table must look like.
 *
 * What it proves, and how:
 *
 * 1. While the collector runs, no object reachable from an outside
 *    reference is ever freed. Each worker holds outside references of its
 *    own (create, get) and remembers every link it made; only it drops
 *    those references and only it unlinks those links (refcache_unlink()
 *    drops one of several equal links, but the others' count of them is
 *    theirs: a worker's links from an object that is alive are all there).
 *    So a worker knows a set of objects that must be alive whatever the
 *    others do: those it holds, the ballast (below), and, transitively,
 *    the targets of its links from those. After every step it checks the
 *    objects the step touched, and every few steps all of that set, with
 *    a generation check: a get by id (or a lookup) must find the object,
 *    not -ENOENT, with a refcount of at least the references the worker
 *    itself accounts for (its outside references, its links from objects
 *    it knows alive, one for the ballast), and the put after it must
 *    leave at least that many. An object the collector freed in error is
 *    gone from its slot (its id names nothing: -ENOENT), or KASAN sees the
 *    access; a count too low means a reference was dropped that belonged
 *    to someone else. Results of the operations themselves are checked
 *    the same way (a link's and a get's new count, a put's count after).
 *
 *    The steps include the two patterns that an incremental collector
 *    (marking in slices, graph_lock dropped between them) gets wrong
 *    without write barriers: "take", a get by id of the target of a link,
 *    then the unlink of that link (the object now hangs by an outside
 *    reference made during the marking); and "relink", a new link to the
 *    target of a link from another held object, then the unlink of the
 *    old one (the object moved behind a part that may already be marked).
 *    Gets and links also aim at random ids created lately, and at the
 *    worker's orphans: objects it let go of while links still held them,
 *    and rings of new objects it linked and let go of at once, garbage
 *    the collector is about to free; a get or a link that finds one
 *    brings it back to life, and it must then stay alive. The workers'
 *    links wait for graph_lock while the collector holds it, so one more
 *    thread, the resurrector, only gets: the workers' latest orphans, by
 *    id, each held a while and checked the same way. It runs while the
 *    collector marks, on two CPUs, whatever the collector locks.
 *
 *    The ballast is a chain of objects made by the case before the threads
 *    start: its head held from outside, the rest only by the chain's
 *    links, which nobody drops until the end. It makes the walk and the
 *    marking long (many slices for an incremental collector), and it is
 *    reachable only through links the whole time.
 *
 * 2. After the threads stop, one run frees exactly what a reachability
 *    model says is garbage. The case reads the whole graph back from the
 *    table (refcache_find_next() and refcache_obj_links() under RCU); the
 *    roots are exactly the outside references the workers and the case
 *    hold, which they know. Each live object's refcount must be its
 *    outside references plus the links to it; a dry run must count the
 *    objects no root reaches, a real run free exactly those (each gone,
 *    each other one there with its count less the links from garbage).
 *    The workers' links make a web in which a few references reach
 *    nearly everything, so one graph may well have no garbage: the
 *    outside references are then put one by one, the ballast's head
 *    first, then the workers' in random order, with the same round of the
 *    model after each put, down to the last round, with no root, which
 *    must leave the table empty. The counters must add up: creations,
 *    runs and collected objects as the threads and the rounds counted
 *    them.
 *
 * The case also makes sure that what it is about took place, without
 * hoping for the scheduler: the threads run until a time has passed,
 * every worker has taken some hundreds of steps, of every kind, the
 * resurrector has brought an orphan back and found one collected, and
 * the collector has run many times and freed garbage at least once while
 * they ran (within a deadline, far beyond any run, after which the case
 * fails). It prints those counts (kunit_info()), so the log says what was
 * exercised.
 *
 * Only the public API is used: no lock or flag of the collector, so that
 * the test holds for any correct collector, stop-the-world or incremental.
 * Under UML there is one CPU and the kernel is preemptible, but a tick is
 * 10 ms and a run a fraction of one: the workers run inside a run only
 * where it sleeps or lets graph_lock go (as an incremental collector does
 * between its slices, where the woken waiters run). Collectors that let
 * gets, or links and unlinks, through between marking and sweeping
 * without a barrier fail here in UML, by the workers' checks alone; a get
 * that races a stop-the-world mark needs the two CPUs of the QEMU runs.
 * A KASAN or lockdep report from a kthread does not fail a case, so .exit
 * checks the taints and debug_locks as the concurrency suite does.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/bsearch.h>
#include <linux/debug_locks.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/panic.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "refcache.h"
#include "refcache_kunit.h"

/* Worker kthreads; one more brings garbage back, one runs the collector. */
#define CONC_WORKERS	3
/* Outside references one worker holds at most, and links it made. */
#define CONC_HELD	32
#define CONC_LINKS	64
/* The chain the case holds by its head. */
#define CONC_BALLAST	2048
/* Recently created ids, for gets and links that aim at random objects. */
#define CONC_RING	1024
/* Ids a worker let go of while links still held them: maybe garbage. */
#define CONC_ORPHANS	16
/* The same, of all workers, for the resurrector; and what it holds at most. */
#define CONC_ORPHAN_RING	64
#define CONC_RES_HELD	8
/* How long the threads run at least, how many steps, how many collections. */
#define CONC_RUN_MS	2000
#define CONC_MIN_STEPS	500
#define CONC_MIN_RUNS	20
/* A full check of everything a worker knows alive every this many steps. */
#define CONC_CHECK_EVERY	16
/* Longest run: beyond any, within KUnit's timeout. */
#define CONC_DEADLINE	(60 * HZ)
/* Room for the first error a thread saw. */
#define CONC_ERR_LEN	160

/* The kinds of step a worker takes. */
enum refcache_conc_op {
	CONC_CREATE,
	CONC_GET,
	CONC_PUT,
	CONC_LINK,
	CONC_UNLINK,
	CONC_TAKE,
	CONC_RELINK,
	CONC_CYCLE,
	CONC_GARBAGE,
	CONC_LOOKUP,
	CONC_CHECK,
	CONC_NR_OPS,
};

static const char * const refcache_conc_op_names[CONC_NR_OPS] = {
	[CONC_CREATE] = "create",
	[CONC_GET] = "get",
	[CONC_PUT] = "put",
	[CONC_LINK] = "link",
	[CONC_UNLINK] = "unlink",
	[CONC_TAKE] = "take",
	[CONC_RELINK] = "relink",
	[CONC_CYCLE] = "cycle",
	[CONC_GARBAGE] = "garbage",
	[CONC_LOOKUP] = "lookup",
	[CONC_CHECK] = "check",
};

/**
 * struct refcache_conc_link - a link a worker made
 * @from: its holder
 * @to: its target
 */
struct refcache_conc_link {
	u32 from;
	u32 to;
};

struct refcache_conc;

/**
 * struct refcache_conc_worker - one worker thread's own state
 * @c: the case
 * @seed: its random state
 * @held: the ids it holds an outside reference on, one entry per reference
 * @nr_held: entries in @held
 * @links: the links it made and has not unlinked; the holder may have
 *	died since, and the link with it
 * @nr_links: entries in @links
 * @alive: scratch of refcache_conc_check_all(): which of @links are from
 *	an object known alive
 * @orphans: objects whose last reference from this worker it put while
 *	links still held them: garbage unless something else reaches them,
 *	the likeliest ids for a get or a link to bring garbage back
 * @nr_orphans: orphans noted, the last CONC_ORPHANS of them kept
 * @ops: steps taken, by kind
 * @created: objects it created
 * @misses: gets, links and lookups of random ids that found nothing
 * @checks: objects the generation check looked at
 * @errors: results no correct implementation returns
 * @error: the first of them
 * @ready: it has taken CONC_MIN_STEPS steps, of every kind (counted in
 *	refcache_conc.ready)
 *
 * Written only by the thread, read by the case after it stopped it.
 */
struct refcache_conc_worker {
	struct refcache_conc *c;
	u32 seed;
	u32 held[CONC_HELD];
	unsigned int nr_held;
	struct refcache_conc_link links[CONC_LINKS];
	unsigned int nr_links;
	bool alive[CONC_LINKS];
	u32 orphans[CONC_ORPHANS];
	unsigned int nr_orphans;
	unsigned long ops[CONC_NR_OPS];
	unsigned long created;
	unsigned long misses;
	unsigned long checks;
	unsigned int errors;
	char error[CONC_ERR_LEN];
	bool ready;
};

/**
 * struct refcache_conc - the case's table, its threads and what they share
 * @rc: the table
 * @name: the name of its cache, for refcache_kunit_slub_objects()
 * @slab_before: refcache_slab_objects() when the case started
 * @made: @rc exists (.exit runs after a failed .init too)
 * @tasks: the threads started, stopped by .exit if the case did not
 * @nr_tasks: how many
 * @workers: the workers' states
 * @res: the resurrector's (refcache_conc_resurrector_fn())
 * @ballast: the chain, head first; constant while the threads run
 * @ballast_sorted: the same ids in order, for bsearch()
 * @ring: ids created lately (WRITE_ONCE()), 0 where none yet
 * @ring_next: where the next one goes
 * @orphan_ring: the workers' orphans, lately (WRITE_ONCE()), 0 where none
 * @orphan_next: where the next one goes
 * @ready: workers that have taken their steps, and the resurrector
 *	once it has both brought an object back and found one collected
 * @gc_runs: collections the collector thread ran
 * @gc_dry: of which dry runs
 * @gc_freeing: real runs that freed something
 * @gc_collected: objects its real runs freed
 * @gc_errors: runs that failed
 */
struct refcache_conc {
	struct refcache rc;
	char name[REFCACHE_KUNIT_NAME_LEN];
	long slab_before;
	bool made;
	struct task_struct *tasks[CONC_WORKERS + 2];
	unsigned int nr_tasks;
	struct refcache_conc_worker workers[CONC_WORKERS];
	struct refcache_conc_worker res;
	u32 ballast[CONC_BALLAST];
	u32 ballast_sorted[CONC_BALLAST];
	u32 ring[CONC_RING];
	atomic_t ring_next;
	u32 orphan_ring[CONC_ORPHAN_RING];
	atomic_t orphan_next;
	atomic_t ready;
	atomic_long_t gc_runs;
	atomic_long_t gc_dry;
	atomic_long_t gc_freeing;
	atomic_long_t gc_collected;
	atomic_t gc_errors;
};

/* What KASAN, WARN and oops reports leave behind, even from a kthread. */
static const unsigned int refcache_conc_bad_taints[] = {
	TAINT_BAD_PAGE, TAINT_WARN, TAINT_DIE,
};

static bool refcache_conc_tainted(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refcache_conc_bad_taints); i++) {
		if (test_taint(refcache_conc_bad_taints[i]))
			return true;
	}
	return false;
}

static u32 refcache_conc_rand(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int refcache_conc_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Taints cannot be cleared: on a kernel that is already tainted the case
 * could not notice a report of its own, so it fails instead of passing
 * blind.
 */
static int refcache_conc_init(struct kunit *test)
{
	struct refcache_conc *c;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	test->priv = c;
	KUNIT_ASSERT_FALSE_MSG(test, refcache_conc_tainted(),
			       "kernel already tainted: kthread reports would go unseen");
	refcache_quiesce();
	c->slab_before = refcache_slab_objects();
	KUNIT_ASSERT_EQ(test, refcache_kunit_table(&c->rc, REFCACHE_MAX_REFS_LIMIT,
						   0, NULL, c->name), 0);
	c->made = true;
	return 0;
}

/* Stop every thread still running, the last started first. */
static void refcache_conc_stop(struct refcache_conc *c)
{
	while (c->nr_tasks)
		kthread_stop(c->tasks[--c->nr_tasks]);
}

/* Stops the threads, then destroys the table: also after a failure. */
static void refcache_conc_exit(struct kunit *test)
{
	struct refcache_conc *c = test->priv;

	if (!c)
		return;
	refcache_conc_stop(c);
	if (c->made) {
		refcache_destroy(&c->rc);
		KUNIT_EXPECT_EQ(test, refcache_slab_objects(), c->slab_before);
	}
	KUNIT_EXPECT_FALSE_MSG(test, refcache_conc_tainted(),
			       "a kthread triggered a KASAN, WARN or oops report");
	KUNIT_EXPECT_TRUE_MSG(test, debug_locks, "lockdep reported a problem");
}

/* Thread side: note a result no correct implementation returns. */
static __printf(2, 3) void refcache_conc_error(struct refcache_conc_worker *w,
					       const char *fmt, ...)
{
	va_list args;

	if (w->errors++)
		return;
	va_start(args, fmt);
	vsnprintf(w->error, sizeof(w->error), fmt, args);
	va_end(args);
}

static bool refcache_conc_is_ballast(struct refcache_conc *c, u32 id)
{
	return bsearch(&id, c->ballast_sorted, CONC_BALLAST, sizeof(u32),
		       refcache_conc_cmp_u32);
}

/* Outside references @w holds on @id. */
static unsigned int refcache_conc_held(const struct refcache_conc_worker *w,
				       u32 id)
{
	unsigned int i, n = 0;

	for (i = 0; i < w->nr_held; i++)
		n += w->held[i] == id;
	return n;
}

/* @id is alive for sure: @w holds it, or it is ballast. */
static bool refcache_conc_sure(struct refcache_conc_worker *w, u32 id)
{
	return refcache_conc_held(w, id) || refcache_conc_is_ballast(w->c, id);
}

/*
 * The references on @id that @w accounts for, a lower bound of its count:
 * its outside references, its links to @id from objects alive for sure,
 * and the ballast's own (the head's outside reference, or a chain link).
 */
static unsigned int refcache_conc_lb(struct refcache_conc_worker *w, u32 id)
{
	unsigned int i, n = refcache_conc_held(w, id);

	n += refcache_conc_is_ballast(w->c, id);
	for (i = 0; i < w->nr_links; i++) {
		if (w->links[i].to == id && refcache_conc_sure(w, w->links[i].from))
			n++;
	}
	return n;
}

/*
 * A random id of an object that was created: ballast, an orphan of this
 * worker's, or one made lately by any.
 */
static u32 refcache_conc_any_id(struct refcache_conc_worker *w)
{
	struct refcache_conc *c = w->c;
	u32 r = refcache_conc_rand(&w->seed);

	if (!(r % 16))
		return c->ballast[(r >> 4) % CONC_BALLAST];
	if (r % 16 < 7 && w->nr_orphans)
		return w->orphans[(r >> 4) %
				   min_t(unsigned int, w->nr_orphans, CONC_ORPHANS)];
	/* Before the ring fills up, some are 0: never an id. */
	return READ_ONCE(c->ring[(r >> 4) % CONC_RING]);
}

static u32 refcache_conc_some_held(struct refcache_conc_worker *w)
{
	return w->held[refcache_conc_rand(&w->seed) % w->nr_held];
}

/*
 * The generation check: @id must be live with at least @lb references
 * besides the get's own, and keep them after the put.
 */
static void refcache_conc_expect_live(struct refcache_conc_worker *w, u32 id,
				      unsigned int lb, const char *what)
{
	struct refcache *rc = &w->c->rc;
	int ret;

	w->checks++;
	ret = refcache_get_id(rc, id);
	if (ret < 0) {
		refcache_conc_error(w, "%s: object %u, alive for sure, gone: get %d",
				    what, id, ret);
		return;
	}
	if (ret < (int)lb + 1)
		refcache_conc_error(w, "%s: object %u has refcount %d, %u references known",
				    what, id, ret - 1, lb);
	ret = refcache_put_id(rc, id);
	if (ret < (int)lb)
		refcache_conc_error(w, "%s: put of object %u returned %d, %u references known",
				    what, id, ret, lb);
}

static void refcache_conc_ring_add(struct refcache_conc *c, u32 id)
{
	unsigned int i = (unsigned int)atomic_inc_return(&c->ring_next) % CONC_RING;

	WRITE_ONCE(c->ring[i], id);
}

/* Note orphan @id of @w, for itself and for the resurrector. */
static void refcache_conc_orphan(struct refcache_conc_worker *w, u32 id)
{
	struct refcache_conc *c = w->c;
	unsigned int i = (unsigned int)atomic_inc_return(&c->orphan_next) %
			 CONC_ORPHAN_RING;

	w->orphans[w->nr_orphans++ % CONC_ORPHANS] = id;
	WRITE_ONCE(c->orphan_ring[i], id);
}

/* Drop outside reference @i of @w; the count after must cover the rest. */
static void refcache_conc_put_held(struct refcache_conc_worker *w, unsigned int i)
{
	u32 id = w->held[i];
	int ret;

	w->held[i] = w->held[--w->nr_held];
	ret = refcache_put_id(&w->c->rc, id);
	if (ret < (int)refcache_conc_lb(w, id))
		refcache_conc_error(w, "put of held %u returned %d, %u references left known",
				    id, ret, refcache_conc_lb(w, id));
	else if (ret > 0 && !refcache_conc_held(w, id))
		refcache_conc_orphan(w, id);
	w->ops[CONC_PUT]++;
}

static void refcache_conc_put(struct refcache_conc_worker *w)
{
	if (w->nr_held)
		refcache_conc_put_held(w, refcache_conc_rand(&w->seed) % w->nr_held);
}

/* Room for @n more outside references: drop some if need be. */
static void refcache_conc_make_room(struct refcache_conc_worker *w, unsigned int n)
{
	while (w->nr_held + n > CONC_HELD)
		refcache_conc_put(w);
}

/*
 * Create one to three objects, by refcache_create() or a batch. Nobody
 * else knows their ids yet: each has exactly the creator's reference.
 */
static void refcache_conc_create(struct refcache_conc_worker *w)
{
	struct refcache *rc = &w->c->rc;
	unsigned int i, n = 1 + refcache_conc_rand(&w->seed) % 3;
	struct refcache_obj *obj;
	u32 ids[3];
	int ret;

	refcache_conc_make_room(w, n);
	if (n == 1) {
		obj = refcache_create(rc);
		if (IS_ERR(obj)) {
			refcache_conc_error(w, "create failed: %ld", PTR_ERR(obj));
			return;
		}
		ids[0] = refcache_obj_id(obj);
	} else {
		ret = refcache_create_batch(rc, n, ids);
		if (ret) {
			refcache_conc_error(w, "create of %u failed: %d", n, ret);
			return;
		}
	}
	for (i = 0; i < n; i++) {
		ret = refcache_get_id(rc, ids[i]);
		if (ret != 2)
			refcache_conc_error(w, "new object %u: get returned %d, not 2",
					    ids[i], ret);
		if (ret > 0 && refcache_put_id(rc, ids[i]) != 1)
			refcache_conc_error(w, "new object %u: put not back to 1", ids[i]);
		w->held[w->nr_held++] = ids[i];
		refcache_conc_ring_add(w->c, ids[i]);
	}
	w->created += n;
	w->ops[CONC_CREATE]++;
}

/*
 * Get a reference: on an object held already (which must succeed), or on
 * any id (which may find nothing, unless it is alive for sure); keep it.
 */
static void refcache_conc_get(struct refcache_conc_worker *w)
{
	u32 id;
	unsigned int lb;
	int ret;

	refcache_conc_make_room(w, 1);
	if (w->nr_held && !(refcache_conc_rand(&w->seed) % 4))
		id = refcache_conc_some_held(w);
	else
		id = refcache_conc_any_id(w);
	lb = refcache_conc_lb(w, id);
	ret = refcache_get_id(&w->c->rc, id);
	w->ops[CONC_GET]++;
	if (ret == -ENOENT && !refcache_conc_sure(w, id)) {
		w->misses++;
		return;
	}
	if (ret < (int)lb + 1) {
		refcache_conc_error(w, "get of object %u returned %d, %u references known",
				    id, ret, lb);
		if (ret <= 0)
			return;
	}
	w->held[w->nr_held++] = id;
}

/* Index of a link of @w from an object alive for sure, or -1. */
static int refcache_conc_sure_link(struct refcache_conc_worker *w)
{
	unsigned int i, k, start;

	if (!w->nr_links)
		return -1;
	start = refcache_conc_rand(&w->seed) % w->nr_links;
	for (k = 0; k < w->nr_links; k++) {
		i = (start + k) % w->nr_links;
		if (refcache_conc_sure(w, w->links[i].from))
			return i;
	}
	return -1;
}

static void refcache_conc_forget_link(struct refcache_conc_worker *w, unsigned int i)
{
	w->links[i] = w->links[--w->nr_links];
}

/*
 * Drop link @i of @w. From an object alive for sure it must still be
 * there; else its holder may have died, and the link with it.
 */
static void refcache_conc_unlink_at(struct refcache_conc_worker *w, unsigned int i)
{
	struct refcache_conc_link l = w->links[i];
	bool sure = refcache_conc_sure(w, l.from);
	int ret;

	refcache_conc_forget_link(w, i);
	ret = refcache_unlink(&w->c->rc, l.from, l.to);
	w->ops[CONC_UNLINK]++;
	if (!sure && ret == -ENOENT)
		return;
	if (ret < 0 || (sure && ret < (int)refcache_conc_lb(w, l.to)))
		refcache_conc_error(w, "unlink %u -> %u returned %d, %u references known",
				    l.from, l.to, ret, refcache_conc_lb(w, l.to));
}

static void refcache_conc_unlink(struct refcache_conc_worker *w)
{
	if (w->nr_links)
		refcache_conc_unlink_at(w, refcache_conc_rand(&w->seed) % w->nr_links);
}

/*
 * Link @from (held) to @to; false if @to was not there, which is an error
 * if it is alive for sure or @must.
 */
static bool refcache_conc_link_to(struct refcache_conc_worker *w, u32 from, u32 to,
				  bool must, const char *what)
{
	int ret;

	while (w->nr_links >= CONC_LINKS)
		refcache_conc_unlink(w);
	ret = refcache_link(&w->c->rc, from, to);
	if (ret > 0) {
		w->links[w->nr_links++] = (struct refcache_conc_link){ from, to };
		if (ret < (int)refcache_conc_lb(w, to))
			refcache_conc_error(w, "%s %u -> %u returned %d, %u references known",
					    what, from, to, ret,
					    refcache_conc_lb(w, to));
		return true;
	}
	/* From a held object: only a target that died may refuse. */
	if (ret != -ENOENT || must || refcache_conc_sure(w, to))
		refcache_conc_error(w, "%s %u -> %u returned %d, the target known alive",
				    what, from, to, ret);
	return false;
}

/* Link a held object to another held one, or to any id. */
static void refcache_conc_link(struct refcache_conc_worker *w)
{
	u32 from, to;

	if (!w->nr_held) {
		refcache_conc_create(w);
		return;
	}
	from = refcache_conc_some_held(w);
	if (refcache_conc_rand(&w->seed) % 2)
		to = refcache_conc_some_held(w);
	else
		to = refcache_conc_any_id(w);
	w->ops[CONC_LINK]++;
	if (!refcache_conc_link_to(w, from, to, false, "link"))
		w->misses++;
}

/*
 * The get barrier's pattern: get the target of a link from an object
 * alive for sure (it must be there), then drop the link: the target now
 * hangs by the new outside reference alone, as far as this worker knows.
 */
static void refcache_conc_take(struct refcache_conc_worker *w)
{
	struct refcache_conc_link l;
	unsigned int lb;
	int i, ret;

	refcache_conc_make_room(w, 1);
	i = refcache_conc_sure_link(w);
	if (i < 0) {
		refcache_conc_link(w);
		return;
	}
	l = w->links[i];
	lb = refcache_conc_lb(w, l.to);
	ret = refcache_get_id(&w->c->rc, l.to);
	w->ops[CONC_TAKE]++;
	if (ret < (int)lb + 1) {
		refcache_conc_error(w, "take: get of %u (from %u) returned %d, %u references known",
				    l.to, l.from, ret, lb);
		if (ret <= 0)
			return;
	}
	w->held[w->nr_held++] = l.to;
	refcache_conc_unlink_at(w, i);
}

/*
 * The link barrier's pattern: link another held object to the target of
 * a link from an object alive for sure, then drop the old link: the
 * target moved from one holder to another.
 */
static void refcache_conc_relink(struct refcache_conc_worker *w)
{
	struct refcache_conc_link l;
	int i;

	i = refcache_conc_sure_link(w);
	if (i < 0 || !w->nr_held) {
		refcache_conc_link(w);
		return;
	}
	l = w->links[i];
	w->ops[CONC_RELINK]++;
	/* Room first, so that the old link keeps its place. */
	while (w->nr_links >= CONC_LINKS) {
		refcache_conc_unlink(w);
		i = refcache_conc_sure_link(w);
		if (i < 0)
			return;
		l = w->links[i];
	}
	if (!refcache_conc_link_to(w, refcache_conc_some_held(w), l.to, true, "relink"))
		return;
	refcache_conc_unlink_at(w, i);
}

/*
 * Link two to four held objects (not always distinct) in a ring: garbage
 * once nothing outside holds any of them, unless something else links to
 * one.
 */
static void refcache_conc_cycle(struct refcache_conc_worker *w)
{
	unsigned int i, n = 2 + refcache_conc_rand(&w->seed) % 3;
	u32 ids[4];

	if (!w->nr_held) {
		refcache_conc_create(w);
		return;
	}
	for (i = 0; i < n; i++)
		ids[i] = refcache_conc_some_held(w);
	w->ops[CONC_CYCLE]++;
	for (i = 0; i < n; i++)
		refcache_conc_link_to(w, ids[i], ids[(i + 1) % n], true, "cycle");
}

/*
 * Make garbage: two or three new objects linked in a ring, then put. They
 * are orphans, for the gets and links that bring garbage back, racing the
 * collector that frees it.
 */
static void refcache_conc_garbage(struct refcache_conc_worker *w)
{
	struct refcache *rc = &w->c->rc;
	unsigned int i, n = 2 + refcache_conc_rand(&w->seed) % 2;
	u32 ids[3];
	int ret;

	ret = refcache_create_batch(rc, n, ids);
	if (ret) {
		refcache_conc_error(w, "create of %u failed: %d", n, ret);
		return;
	}
	w->created += n;
	w->ops[CONC_GARBAGE]++;
	for (i = 0; i < n; i++) {
		ret = refcache_link(rc, ids[i], ids[(i + 1) % n]);
		if (ret != 2)
			refcache_conc_error(w, "garbage: link %u -> %u returned %d, not 2",
					    ids[i], ids[(i + 1) % n], ret);
	}
	for (i = 0; i < n; i++) {
		ret = refcache_put_id(rc, ids[i]);
		if (ret != 1)
			refcache_conc_error(w, "garbage: put of %u returned %d, not 1",
					    ids[i], ret);
		refcache_conc_orphan(w, ids[i]);
		refcache_conc_ring_add(w->c, ids[i]);
	}
}

/* Look up a held object or any id, and check what the pointer says. */
static void refcache_conc_lookup(struct refcache_conc_worker *w)
{
	struct refcache_obj *obj;
	unsigned int lb;
	u32 id;
	int ret;

	if (w->nr_held && refcache_conc_rand(&w->seed) % 2)
		id = refcache_conc_some_held(w);
	else
		id = refcache_conc_any_id(w);
	lb = refcache_conc_lb(w, id);
	obj = refcache_lookup(&w->c->rc, id);
	w->ops[CONC_LOOKUP]++;
	if (IS_ERR(obj)) {
		if (PTR_ERR(obj) == -ENOENT && !refcache_conc_sure(w, id))
			w->misses++;
		else
			refcache_conc_error(w, "lookup of object %u, alive for sure: %ld",
					    id, PTR_ERR(obj));
		return;
	}
	if (refcache_obj_id(obj) != id)
		refcache_conc_error(w, "lookup of %u found object %u", id,
				    refcache_obj_id(obj));
	if (refcache_obj_refcount(obj) < lb + 1)
		refcache_conc_error(w, "lookup of %u: refcount %u, %u references known",
				    id, refcache_obj_refcount(obj), lb);
	ret = refcache_put(obj);
	if (ret < (int)lb)
		refcache_conc_error(w, "put of looked up %u returned %d, %u references known",
				    id, ret, lb);
}

/* Under the fixpoint of refcache_conc_check_all(): @id known alive. */
static bool refcache_conc_known(struct refcache_conc_worker *w, u32 id)
{
	unsigned int i;

	if (refcache_conc_sure(w, id))
		return true;
	for (i = 0; i < w->nr_links; i++) {
		if (w->alive[i] && w->links[i].to == id)
			return true;
	}
	return false;
}

/* Under the fixpoint: the references on @id that @w accounts for. */
static unsigned int refcache_conc_known_refs(struct refcache_conc_worker *w, u32 id)
{
	unsigned int i, n = refcache_conc_held(w, id);

	n += refcache_conc_is_ballast(w->c, id);
	for (i = 0; i < w->nr_links; i++)
		n += w->alive[i] && w->links[i].to == id;
	return n;
}

/*
 * Everything @w knows alive: what it holds, the ballast, and whatever its
 * links reach from those, link by link. Each must be there, with at least
 * the references @w accounts for.
 */
static void refcache_conc_check_all(struct refcache_conc_worker *w)
{
	bool changed = true;
	unsigned int i;

	memset(w->alive, 0, sizeof(w->alive));
	while (changed) {
		changed = false;
		for (i = 0; i < w->nr_links; i++) {
			if (!w->alive[i] && refcache_conc_known(w, w->links[i].from)) {
				w->alive[i] = true;
				changed = true;
			}
		}
	}
	for (i = 0; i < w->nr_held; i++)
		refcache_conc_expect_live(w, w->held[i],
					  refcache_conc_known_refs(w, w->held[i]),
					  "check of held");
	for (i = 0; i < w->nr_links; i++) {
		u32 to = w->links[i].to;

		if (w->alive[i])
			refcache_conc_expect_live(w, to, refcache_conc_known_refs(w, to),
						  "check of linked");
	}
	w->ops[CONC_CHECK]++;
}

/* One random step; then the objects it touched are checked. */
static void refcache_conc_step(struct refcache_conc_worker *w, unsigned long n)
{
	u32 r = refcache_conc_rand(&w->seed) % 32;

	if (r < 4)
		refcache_conc_create(w);
	else if (r < 8)
		refcache_conc_get(w);
	else if (r < 13)
		refcache_conc_put(w);
	else if (r < 20)
		refcache_conc_link(w);
	else if (r < 21)
		refcache_conc_unlink(w);
	else if (r < 23)
		refcache_conc_take(w);
	else if (r < 25)
		refcache_conc_relink(w);
	else if (r < 27)
		refcache_conc_cycle(w);
	else if (r < 28)
		refcache_conc_garbage(w);
	else
		refcache_conc_lookup(w);
	if (w->nr_held)
		refcache_conc_expect_live(w, w->held[w->nr_held - 1],
					  refcache_conc_lb(w, w->held[w->nr_held - 1]),
					  "after a step");
	if (!(n % CONC_CHECK_EVERY))
		refcache_conc_check_all(w);
}

static bool refcache_conc_did_all(const struct refcache_conc_worker *w)
{
	unsigned int k;

	for (k = 0; k < CONC_NR_OPS; k++) {
		if (!w->ops[k])
			return false;
	}
	return true;
}

/* Thread: random steps until stopped, then a last full check. */
static int refcache_conc_worker_fn(void *data)
{
	struct refcache_conc_worker *w = data;
	unsigned long n;

	for (n = 1; !kthread_should_stop(); n++) {
		refcache_conc_step(w, n);
		if (!w->ready && n >= CONC_MIN_STEPS && refcache_conc_did_all(w)) {
			w->ready = true;
			atomic_inc(&w->c->ready);
		}
		cond_resched();
	}
	refcache_conc_check_all(w);
	return 0;
}

/*
 * Thread: bring garbage back. Gets (and only gets: no graph operation, so
 * that this thread never waits for graph_lock and does run while the
 * collector marks) of the workers' latest orphans, each kept a while and
 * checked at every turn. Counts what it brought back as gets, what it
 * found collected as misses.
 */
static int refcache_conc_resurrector_fn(void *data)
{
	struct refcache_conc_worker *w = data;
	struct refcache_conc *c = w->c;
	unsigned int lb;
	u32 id;
	int ret;

	while (!kthread_should_stop()) {
		id = READ_ONCE(c->orphan_ring[refcache_conc_rand(&w->seed) %
					      CONC_ORPHAN_RING]);
		if (id) {
			if (w->nr_held == CONC_RES_HELD)
				refcache_conc_put(w);
			lb = refcache_conc_lb(w, id);
			ret = refcache_get_id(&c->rc, id);
			if (ret == -ENOENT && !lb) {
				w->misses++;
			} else if (ret < (int)lb + 1) {
				refcache_conc_error(w, "get of orphan %u: %d, %u references known",
						    id, ret, lb);
			} else {
				w->held[w->nr_held++] = id;
				w->ops[CONC_GET]++;
			}
		}
		if (w->nr_held) {
			id = refcache_conc_some_held(w);
			refcache_conc_expect_live(w, id, refcache_conc_lb(w, id),
						  "resurrected");
		}
		if (!w->ready && w->ops[CONC_GET] && w->misses) {
			w->ready = true;
			atomic_inc(&c->ready);
		}
		cond_resched();
	}
	refcache_conc_check_all(w);
	return 0;
}

/* Thread: collect, every fourth run dry, until stopped. */
static int refcache_conc_collector_fn(void *data)
{
	struct refcache_conc *c = data;
	unsigned long i;
	long n;

	for (i = 0; !kthread_should_stop(); i++) {
		bool dry = !(i % 4);

		n = refcache_gc(&c->rc, dry);
		if (n < 0) {
			atomic_inc(&c->gc_errors);
		} else if (dry) {
			atomic_long_inc(&c->gc_dry);
		} else if (n) {
			atomic_long_inc(&c->gc_freeing);
			atomic_long_add(n, &c->gc_collected);
		}
		atomic_long_inc(&c->gc_runs);
		cond_resched();
	}
	return 0;
}

static void refcache_conc_start(struct kunit *test, int (*fn)(void *), void *data,
				const char *what, unsigned int i)
{
	struct refcache_conc *c = test->priv;
	struct task_struct *t;

	KUNIT_ASSERT_LT(test, c->nr_tasks, (unsigned int)ARRAY_SIZE(c->tasks));
	t = kthread_run(fn, data, "refcache-%s/%u", what, i);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "could not start %s thread %u", what, i);
	c->tasks[c->nr_tasks++] = t;
}

/* The chain: ballast[0] -> ballast[1] -> ..., held by its head alone. */
static void refcache_conc_make_ballast(struct kunit *test)
{
	struct refcache_conc *c = test->priv;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, refcache_create_batch(&c->rc, CONC_BALLAST, c->ballast), 0);
	for (i = 0; i + 1 < CONC_BALLAST; i++)
		KUNIT_ASSERT_EQ(test, refcache_link(&c->rc, c->ballast[i], c->ballast[i + 1]),
				2);
	for (i = 1; i < CONC_BALLAST; i++)
		KUNIT_ASSERT_EQ(test, refcache_put_id(&c->rc, c->ballast[i]), 1);
	memcpy(c->ballast_sorted, c->ballast, sizeof(c->ballast));
	sort(c->ballast_sorted, CONC_BALLAST, sizeof(u32), refcache_conc_cmp_u32, NULL);
}

/*
 * Wait until the threads have run CONC_RUN_MS, every worker has taken
 * every kind of step, and the collector has run CONC_MIN_RUNS times and
 * freed garbage at least once; or until the deadline.
 */
static void refcache_conc_wait(struct kunit *test, unsigned long start)
{
	struct refcache_conc *c = test->priv;

	while (time_before(jiffies, start + CONC_DEADLINE)) {
		if (time_after_eq(jiffies, start + msecs_to_jiffies(CONC_RUN_MS)) &&
		    atomic_read(&c->ready) == CONC_WORKERS + 1 &&
		    atomic_long_read(&c->gc_runs) >= CONC_MIN_RUNS &&
		    atomic_long_read(&c->gc_freeing) > 0)
			return;
		msleep(20);
	}
}

/**
 * struct refcache_conc_node - one live object of the graph read back
 * @id: its id
 * @ref: its refcount
 * @first: its first link target in the targets array
 * @nr: its links
 * @ext: outside references held on it
 * @in: links to it
 * @from_garbage: of which from garbage
 * @reach: an outside reference reaches it
 */
struct refcache_conc_node {
	u32 id;
	unsigned int ref;
	unsigned int first;
	unsigned int nr;
	unsigned int ext;
	unsigned int in;
	unsigned int from_garbage;
	bool reach;
};

static int refcache_conc_cmp_node(const void *a, const void *b)
{
	return refcache_conc_cmp_u32(&((const struct refcache_conc_node *)a)->id,
				     &((const struct refcache_conc_node *)b)->id);
}

/**
 * struct refcache_conc_graph - the table as the model sees it
 * @nodes: the live objects, by id
 * @nr: how many
 * @targets: their links' targets, each node's together
 * @nr_targets: how many
 * @overflow: the table held more than there was room for
 * @garbage: live objects no outside reference reaches
 * @kept_links: links of the others
 */
struct refcache_conc_graph {
	struct refcache_conc_node *nodes;
	unsigned int nr;
	u32 *targets;
	unsigned int nr_targets;
	bool overflow;
	unsigned int garbage;
	unsigned long kept_links;
};

static struct refcache_conc_node *refcache_conc_node(struct refcache_conc_graph *g,
						     u32 id)
{
	struct refcache_conc_node key = { .id = id };

	return bsearch(&key, g->nodes, g->nr, sizeof(key), refcache_conc_cmp_node);
}

/*
 * Read every live object, its count and its links, under RCU (nothing
 * asserted there: a failing assertion may sleep), with room for what the
 * table's counters say it holds. Nothing else runs on the table now.
 */
static void refcache_conc_read_graph(struct kunit *test, struct refcache_conc_graph *g)
{
	struct refcache_conc *c = test->priv;
	unsigned int max, max_links;
	struct refcache_obj *obj;
	struct refcache_stats st;
	u32 pos = 0;

	memset(g, 0, sizeof(*g));
	refcache_stats(&c->rc, &st);
	max = st.live + 1;
	max_links = st.links + 1;
	g->nodes = kunit_kcalloc(test, max, sizeof(*g->nodes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->nodes);
	g->targets = kunit_kcalloc(test, max_links, sizeof(u32), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->targets);
	rcu_read_lock();
	for (; (obj = refcache_find_next(&c->rc, &pos)); pos++) {
		struct refcache_conc_node *n;

		if (g->nr == max) {
			g->overflow = true;
			break;
		}
		n = &g->nodes[g->nr++];
		n->id = refcache_obj_id(obj);
		n->ref = refcache_obj_refcount(obj);
		n->first = g->nr_targets;
		n->nr = refcache_obj_links(obj, g->targets + g->nr_targets,
					   max_links - g->nr_targets);
		if (n->nr > max_links - g->nr_targets) {
			g->overflow = true;
			break;
		}
		g->nr_targets += n->nr;
	}
	rcu_read_unlock();
	KUNIT_ASSERT_FALSE_MSG(test, g->overflow, "more objects or links than stats said");
	KUNIT_EXPECT_EQ(test, (long)g->nr, st.live);
	KUNIT_EXPECT_EQ(test, (unsigned long)g->nr_targets, st.links);
	sort(g->nodes, g->nr, sizeof(*g->nodes), refcache_conc_cmp_node, NULL);
}

static void refcache_conc_free_graph(struct kunit *test, struct refcache_conc_graph *g)
{
	kunit_kfree(test, g->nodes);
	kunit_kfree(test, g->targets);
}

/*
 * The model: count the outside references @roots (@nr of them) and the
 * links to each node, check each count against them, and mark what the
 * outside references reach; the rest is the garbage. Returns how many
 * facts disagreed.
 */
static unsigned int refcache_conc_model(struct kunit *test, struct refcache_conc_graph *g,
					const u32 *roots, unsigned int nr)
{
	struct refcache_conc_node *n, *t, **stack;
	unsigned int i, k, sp = 0, bad = 0;

	for (i = 0; i < nr; i++) {
		n = refcache_conc_node(g, roots[i]);
		if (n)
			n->ext++;
		else if (bad++ < 5)
			KUNIT_FAIL(test, "object %u, held from outside, is not live", roots[i]);
	}
	for (i = 0; i < g->nr_targets; i++) {
		t = refcache_conc_node(g, g->targets[i]);
		if (t)
			t->in++;
		else if (bad++ < 5)
			KUNIT_FAIL(test, "a link points at %u, not live", g->targets[i]);
	}
	for (i = 0; i < g->nr; i++) {
		n = &g->nodes[i];
		if (n->ref != n->ext + n->in && bad++ < 5)
			KUNIT_FAIL(test, "object %u: refcount %u, %u outside refs and %u links",
				   n->id, n->ref, n->ext, n->in);
	}

	stack = kunit_kcalloc(test, g->nr + 1, sizeof(*stack), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, stack);
	for (i = 0; i < g->nr; i++) {
		n = &g->nodes[i];
		n->reach = n->ext > 0;
		if (n->reach)
			stack[sp++] = n;
	}
	while (sp) {
		n = stack[--sp];
		for (k = 0; k < n->nr; k++) {
			t = refcache_conc_node(g, g->targets[n->first + k]);
			if (t && !t->reach) {
				t->reach = true;
				stack[sp++] = t;
			}
		}
	}
	for (i = 0; i < g->nr; i++) {
		n = &g->nodes[i];
		if (n->reach) {
			g->kept_links += n->nr;
			continue;
		}
		g->garbage++;
		for (k = 0; k < n->nr; k++) {
			t = refcache_conc_node(g, g->targets[n->first + k]);
			if (t)
				t->from_garbage++;
		}
	}
	kunit_kfree(test, stack);
	return bad;
}

/*
 * After the collection: the garbage is gone, everything else is there,
 * with its count less the links from garbage. Returns how many objects
 * disagreed.
 */
static unsigned int refcache_conc_expect_collected(struct kunit *test,
						   struct refcache_conc_graph *g)
{
	struct refcache_conc *c = test->priv;
	unsigned int i, bad = 0;
	int ret, want;

	for (i = 0; i < g->nr; i++) {
		struct refcache_conc_node *n = &g->nodes[i];

		ret = refcache_get_id(&c->rc, n->id);
		if (!n->reach) {
			if (ret != -ENOENT && bad++ < 5)
				KUNIT_FAIL(test, "garbage %u: get returned %d after gc",
					   n->id, ret);
			continue;
		}
		want = n->ref - n->from_garbage;
		if (ret != want + 1 && bad++ < 5)
			KUNIT_FAIL(test, "kept object %u: get returned %d, model %d",
				   n->id, ret, want + 1);
		if (ret > 0) {
			ret = refcache_put_id(&c->rc, n->id);
			if (ret != want && bad++ < 5)
				KUNIT_FAIL(test, "kept object %u: put returned %d, model %d",
					   n->id, ret, want);
		}
	}
	return bad;
}

/*
 * One round of the model: read the graph held by the outside references
 * @roots (@nr of them), then a dry run must count exactly its garbage and
 * a real run free exactly that. Returns the garbage, or -1 if anything
 * disagreed.
 */
static long refcache_conc_round(struct kunit *test, const u32 *roots, unsigned int nr,
				unsigned int round)
{
	struct refcache_conc *c = test->priv;
	struct refcache_conc_graph g;
	struct refcache_stats st;
	unsigned int bad;
	long dry, ret;

	refcache_conc_read_graph(test, &g);
	bad = refcache_conc_model(test, &g, roots, nr);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "round %u: the graph disagrees with its holders",
			    round);
	dry = refcache_gc(&c->rc, true);
	if (!round) {
		refcache_stats(&c->rc, &st);
		kunit_info(test, "after the threads: %u live, %u links, %u held from outside, %u garbage; a dry run takes %llu us\n",
			   g.nr, g.nr_targets, nr, g.garbage,
			   div_u64(st.gc_last_ns, NSEC_PER_USEC));
	}
	KUNIT_EXPECT_EQ_MSG(test, dry, (long)g.garbage, "round %u: dry run", round);
	refcache_stats(&c->rc, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.live, (long)g.nr, "round %u: the dry run freed", round);
	ret = refcache_gc(&c->rc, false);
	KUNIT_EXPECT_EQ_MSG(test, ret, (long)g.garbage, "round %u: gc", round);
	refcache_stats(&c->rc, &st);
	KUNIT_EXPECT_EQ_MSG(test, st.live, (long)(g.nr - g.garbage), "round %u: live after gc",
			    round);
	KUNIT_EXPECT_EQ_MSG(test, st.links, g.kept_links, "round %u: links after gc", round);
	KUNIT_EXPECT_EQ_MSG(test, st.gc_last_collected, (long)g.garbage,
			    "round %u: the run's figure", round);
	bad += refcache_conc_expect_collected(test, &g);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "round %u: gc disagrees with the model", round);
	refcache_conc_free_graph(test, &g);
	if (bad || dry != g.garbage || ret != g.garbage ||
	    st.live != (long)(g.nr - g.garbage) || st.links != g.kept_links)
		return -1;
	return g.garbage;
}

/*
 * Every outside reference left, in the order they go: the ballast's head,
 * then the workers' and the resurrector's, at random. Returns how many.
 */
static unsigned int refcache_conc_roots(struct kunit *test, u32 **rootsp)
{
	struct refcache_conc *c = test->priv;
	unsigned int i, k, nr = 0;
	u32 seed = 0x9e3779b9, *roots;

	roots = kunit_kcalloc(test, (CONC_WORKERS + 1) * CONC_HELD + 1, sizeof(u32),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, roots);
	roots[nr++] = c->ballast[0];
	for (k = 0; k < c->res.nr_held; k++)
		roots[nr++] = c->res.held[k];
	c->res.nr_held = 0;
	for (i = 0; i < CONC_WORKERS; i++) {
		for (k = 0; k < c->workers[i].nr_held; k++)
			roots[nr++] = c->workers[i].held[k];
		c->workers[i].nr_held = 0;
	}
	for (i = nr; i > 2; i--) {
		k = 1 + refcache_conc_rand(&seed) % (i - 1);
		swap(roots[i - 1], roots[k]);
	}
	*rootsp = roots;
	return nr;
}

static void refcache_conc_report(struct kunit *test)
{
	struct refcache_conc *c = test->priv;
	unsigned int i;

	for (i = 0; i < CONC_WORKERS; i++) {
		struct refcache_conc_worker *w = &c->workers[i];
		const unsigned long *o = w->ops;

		kunit_info(test,
			   "worker %u: create %lu get %lu put %lu link %lu unlink %lu take %lu relink %lu cycle %lu garbage %lu lookup %lu check %lu; %lu misses, %lu objects checked, holds %u, %u links\n",
			   i, o[CONC_CREATE], o[CONC_GET], o[CONC_PUT], o[CONC_LINK],
			   o[CONC_UNLINK], o[CONC_TAKE], o[CONC_RELINK], o[CONC_CYCLE],
			   o[CONC_GARBAGE], o[CONC_LOOKUP], o[CONC_CHECK], w->misses, w->checks,
			   w->nr_held, w->nr_links);
	}
	kunit_info(test, "resurrector: %lu orphans brought back, %lu found collected, %lu objects checked\n",
		   c->res.ops[CONC_GET], c->res.misses, c->res.checks);
	kunit_info(test, "collector: %ld runs (%ld dry), %ld freed garbage, %ld objects collected\n",
		   atomic_long_read(&c->gc_runs), atomic_long_read(&c->gc_dry),
		   atomic_long_read(&c->gc_freeing), atomic_long_read(&c->gc_collected));
}

/*
 * The facts the threads report: no error, and all they were to do done.
 * Returns the errors.
 */
static unsigned int refcache_conc_expect_threads(struct kunit *test)
{
	struct refcache_conc *c = test->priv;
	unsigned int i, k, errors = 0;

	for (i = 0; i < CONC_WORKERS; i++) {
		struct refcache_conc_worker *w = &c->workers[i];

		errors += w->errors;
		KUNIT_EXPECT_EQ_MSG(test, w->errors, 0U, "worker %u, first error: %s",
				    i, w->error);
		for (k = 0; k < CONC_NR_OPS; k++)
			KUNIT_EXPECT_GT_MSG(test, w->ops[k], 0UL, "worker %u never did a %s",
					    i, refcache_conc_op_names[k]);
		KUNIT_EXPECT_GT(test, w->checks, 0UL);
	}
	errors += c->res.errors;
	KUNIT_EXPECT_EQ_MSG(test, c->res.errors, 0U, "resurrector, first error: %s",
			    c->res.error);
	KUNIT_EXPECT_GT_MSG(test, c->res.ops[CONC_GET], 0UL, "no orphan brought back");
	KUNIT_EXPECT_GT_MSG(test, c->res.misses, 0UL, "no orphan found collected");
	KUNIT_EXPECT_EQ(test, atomic_read(&c->gc_errors), 0);
	KUNIT_EXPECT_GE(test, atomic_long_read(&c->gc_runs), (long)CONC_MIN_RUNS);
	KUNIT_EXPECT_GT(test, atomic_long_read(&c->gc_dry), 0L);
	KUNIT_EXPECT_GT_MSG(test, atomic_long_read(&c->gc_freeing), 0L,
			    "the collector never freed garbage while the workers ran");
	return errors + atomic_read(&c->gc_errors);
}

static void refcache_gc_concurrent_matches_reachability_model(struct kunit *test)
{
	struct refcache_conc *c = test->priv;
	struct refcache *rc = &c->rc;
	unsigned long start, created = CONC_BALLAST, collected = 0, t;
	unsigned int i, r, nr, partial = 0;
	struct refcache_stats st;
	u32 *roots;
	long garbage;

	refcache_conc_make_ballast(test);
	for (i = 0; i < CONC_WORKERS; i++) {
		c->workers[i].c = c;
		c->workers[i].seed = 0x2545f491 * (i + 1);
	}
	c->res.c = c;
	c->res.seed = 0x9e3779b9;
	start = jiffies;
	refcache_conc_start(test, refcache_conc_collector_fn, c, "gc", 0);
	for (i = 0; i < CONC_WORKERS; i++)
		refcache_conc_start(test, refcache_conc_worker_fn, &c->workers[i],
				    "mut", i);
	refcache_conc_start(test, refcache_conc_resurrector_fn, &c->res, "res", 0);
	refcache_conc_wait(test, start);
	t = jiffies - start;
	KUNIT_EXPECT_LT_MSG(test, t, (unsigned long)CONC_DEADLINE,
			    "the threads did not do all they were to do in time");
	/* The others first, each with a last check under the collector. */
	while (c->nr_tasks > 1)
		kthread_stop(c->tasks[--c->nr_tasks]);
	refcache_conc_stop(c);
	kunit_info(test, "%u workers, the resurrector and the collector ran %u ms\n",
		   CONC_WORKERS, jiffies_to_msecs(t));
	refcache_conc_report(test);
	/* A table that lost live objects may not even be safe to read. */
	KUNIT_ASSERT_EQ_MSG(test, refcache_conc_expect_threads(test), 0U,
			    "no model of a table the threads found wrong");
	for (i = 0; i < CONC_WORKERS; i++)
		created += c->workers[i].created;

	/*
	 * Round 0 is the graph as the threads left it, held by exactly their
	 * references and the ballast's head. Then the references go one by
	 * one, the head first (the chain then goes by refcount, but for what
	 * the workers' links hold of it), each followed by a round on what
	 * is left; the last round has no outside reference and must free
	 * everything.
	 */
	nr = refcache_conc_roots(test, &roots);
	for (r = 0; r <= nr; r++) {
		garbage = refcache_conc_round(test, roots + r, nr - r, r);
		if (garbage < 0)
			break;
		collected += garbage;
		partial += garbage && r < nr;
		if (r < nr)
			KUNIT_EXPECT_GE_MSG(test, refcache_put_id(rc, roots[r]), 0,
					    "put of %u, held from outside", roots[r]);
	}
	kunit_info(test, "%u rounds of the model, %u of them with garbage and survivors, %lu collected\n",
		   r, partial, collected);
	refcache_stats(rc, &st);
	KUNIT_EXPECT_EQ(test, st.live, 0L);
	KUNIT_EXPECT_EQ(test, st.links, 0UL);
	KUNIT_EXPECT_EQ(test, refcache_kunit_slub_objects(test, rc, c->name), 0L);

	/* The table's counters agree with the threads' own. */
	KUNIT_EXPECT_EQ(test, st.created, created);
	KUNIT_EXPECT_EQ(test, st.freed, st.created);
	KUNIT_EXPECT_EQ(test, st.gc_runs,
			(unsigned long)atomic_long_read(&c->gc_runs) + 2 * (nr + 1));
	KUNIT_EXPECT_EQ(test, st.gc_collected,
			(unsigned long)atomic_long_read(&c->gc_collected) + collected);
}

static struct kunit_case refcache_gc_concurrent_test_cases[] = {
	KUNIT_CASE_SLOW(refcache_gc_concurrent_matches_reachability_model),
	{}
};

static struct kunit_suite refcache_gc_concurrent_test_suite = {
	.name = "refcache_gc_concurrent",
	.init = refcache_conc_init,
	.exit = refcache_conc_exit,
	.test_cases = refcache_gc_concurrent_test_cases,
};

kunit_test_suite(refcache_gc_concurrent_test_suite);
