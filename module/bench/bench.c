// SPDX-License-Identifier: GPL-2.0
/*
 * refcache_bench: what refcache costs next to what it replaces.
 *
 * Loading the module runs every benchmark once, in a kthread that module
 * init starts and waits for, and leaves the results in the kernel log and
 * in /sys/kernel/debug/refcache_bench/results. Each benchmark times a
 * refcache side (A) and a baseline side (B) for the same number of
 * operations, alternating A and B for a number of rounds so that drift
 * (frequency, other load on the host) hits both; the table shows the median
 * ns/op of each side over the rounds and their ratio A/B, or for throughput
 * the ratio of operations per second.
 *
 * The baselines, the floors, and what each includes:
 *   create+put         kmem_cache_alloc() + kmem_cache_free() on a cache of
 *                      the same object size; beside it the same pair with
 *                      GFP_KERNEL_ACCOUNT, as refcache allocates, to show
 *                      what memory cgroup charging adds (where there is any)
 *   get+put by id      the headline: the id-checked compare-and-exchange
 *                      pair refcache does on an object's state word (id and
 *                      count in one atomic64_t; get: same id, count not 0,
 *                      below max_refs, acquire; put: same id, count above
 *                      1, release), refcache.h's own inline steps, here on
 *                      an object already held: what refcache adds to it is
 *                      finding the object by id
 *   ... / refcount_t   refcount_inc() + refcount_dec_and_test() on a held
 *                      pointer, with no id and no max: on SMP x86 a locked
 *                      xadd costs about what a locked cmpxchg does, but on a
 *                      uniprocessor kernel (UML) no atomic has a lock prefix,
 *                      and an unlocked cmpxchg costs more than an unlocked
 *                      xadd (some 5x on an Intel Xeon, 1.15x on an AMD
 *                      EPYC), so this row depends on the CPU as much as on
 *                      refcache; the row "cmpxchg pair / refcount_t pair"
 *                      shows that by itself
 *   textbook           a global mutex over an XArray of kref'd objects
 *   lookup             rcu + xa_load() + inc-not-zero + dec on the same
 *                      objects (bench_floor_fill())
 *
 * The collector's rows are not A/B tables: the cost of one run at two
 * table sizes (bench_gc_one()), of a run over a few linked objects among
 * many next to one over just those (bench_gc_few()), and the latency of
 * single operations with and without a collector looping beside them
 * (bench_gc_latency()).
 *
 * Why a kthread, and why every timed loop is a noinline function of its
 * own: module init is __init, which carries __cold, and gcc treats a static
 * function that only cold code calls as unlikely executed too and
 * optimizes it for size. Inlined into a benchmark called from init, the
 * floor's refcount_inc() and refcount_dec_and_test() became calls to the
 * out-of-line __refcount_add() and __refcount_sub_and_test() (on an Intel
 * Xeon in UML, 3.43 ns a pair where the inline pair costs 0.86 ns). The
 * thread function's address is taken (kthread_run()), so gcc cannot know
 * where it is called from and compiles it, and what only it calls, as
 * normal code; noinline keeps each side's loop a function of its own,
 * whose code objdump shows.
 *
 * The module also offers /sys/kernel/debug/refcache_bench/null, a file
 * whose write(2) does nothing: the floor for the ctl benchmark that
 * scripts/guest/bench.sh runs from user space.
 *
 * Every table the benchmark uses is its own (refcache_init(), caches
 * "refcache_bench-N"); the default table behind /sys/kernel/debug/refcache
 * is left alone. Like the front end, the benchmark uses the public API
 * (refcache.h) only. A self-check ends the run: every timing must be
 * non-zero, every refcache call must have succeeded, every object must be
 * back in the slab, and the floors must be plausible (the refcount_t pair
 * not dearer than the cmpxchg pair by more than 10%, as an out-of-line
 * refcount would be). The results say "self-check: ok" or "self-check:
 * FAILED" and why.
 */
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/xarray.h>

#include "refcache.h"
#include "refcache_compat.h"

static unsigned long count = 100000;
module_param(count, ulong, 0444);
MODULE_PARM_DESC(count, "operations per side and round (default 100000)");

static unsigned int rounds = 10;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds of A then B, 1..64; medians are reported (default 10)");

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads for the throughput benchmark (default: one per online CPU)");

static unsigned long max_live = 1000000;
module_param(max_live, ulong, 0444);
MODULE_PARM_DESC(max_live, "largest table of the lookup benchmark; also /100 and /1000 (default 1000000)");

static unsigned int obj_size = 64;
module_param(obj_size, uint, 0444);
MODULE_PARM_DESC(obj_size, "payload bytes of the benchmark's objects, 8..4096 (default 64)");

static unsigned int lat_ops = 1000;
module_param(lat_ops, uint, 0444);
MODULE_PARM_DESC(lat_ops, "gc latency: timed operations per kind and phase (default 1000)");

static bool smoke;
module_param(smoke, bool, 0444);
MODULE_PARM_DESC(smoke, "small counts that finish in seconds under KASAN (count 2000, rounds 3, max_live 10000, lat_ops 100)");

#define BENCH_ROUNDS_MAX	64
#define BENCH_POOL		1024	/* objects of the get+put benchmarks */
#define BENCH_RESCHED		4096	/* ops between cond_resched() calls */
#define BENCH_RESULTS		12288
#define BENCH_LAT_OPS_MAX	1000000	/* lat_ops: u32 latencies, 24 MB */

static char bench_results[BENCH_RESULTS];
/* Per-round timings of the benchmark running; one runs at a time. */
static u64 bench_a[BENCH_ROUNDS_MAX], bench_b[BENCH_ROUNDS_MAX];
static u64 bench_c[BENCH_ROUNDS_MAX];
static u64 bench_v[9][BENCH_ROUNDS_MAX];	/* lookup: 3 sizes x 3 ways */
/* The table of the benchmark running: too large for the stack. */
static struct refcache bench_rc;
static size_t bench_len;
static unsigned long bench_errors;	/* failed calls, bad timings, leaks */
static struct dentry *bench_dir;

static __printf(1, 2) void bench_out(const char *fmt, ...)
{
	char line[192];
	va_list args;

	va_start(args, fmt);
	vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	pr_info("refcache_bench: %s", line);
	bench_len += scnprintf(bench_results + bench_len,
			       sizeof(bench_results) - bench_len, "%s", line);
}

static __printf(1, 2) void bench_fail(const char *fmt, ...)
{
	char line[192];
	va_list args;

	va_start(args, fmt);
	vscnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	bench_errors++;
	bench_out("FAIL: %s\n", line);
}

/* A cheap generator for ids: the same sequence on both sides of a pair. */
static inline u32 bench_rand(u32 *state)
{
	u32 x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static inline void bench_resched(unsigned long i)
{
	if (!(i % BENCH_RESCHED))
		cond_resched();
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ns/op with two decimals, as an integer in hundredths. */
static u64 bench_per_op(u64 ns, unsigned long ops)
{
	return ops ? div64_u64(ns * 100, ops) : 0;
}

/*
 * One row from the medians @med_a and @med_b (total ns of @ops operations
 * a round), as ns/op and the ratio a/b. Both must be non-zero.
 */
static void bench_row_med(const char *name, u64 med_a, u64 med_b,
			  unsigned long ops)
{
	u64 ma = bench_per_op(med_a, ops);
	u64 mb = bench_per_op(med_b, ops);
	u64 ratio = mb ? div64_u64(ma * 100, mb) : 0;

	bench_out("%-34s %9llu.%02llu %9llu.%02llu %6llu.%02llux\n", name,
		  ma / 100, ma % 100, mb / 100, mb % 100,
		  ratio / 100, ratio % 100);
	if (!ma || !mb)
		bench_fail("%s: a side took no time", name);
}

/* One row from the rounds @a and @b, which it sorts. */
static void bench_row(const char *name, u64 *a, u64 *b, unsigned long ops)
{
	bench_row_med(name, bench_median(a, rounds), bench_median(b, rounds),
		      ops);
}

/* Each table of the benchmark gets a cache of its own name. */
static int bench_init_table(struct refcache *rc)
{
	static atomic_t seq = ATOMIC_INIT(0);
	char name[32];
	struct refcache_params params = {
		.name = name,
		.obj_size = obj_size,
		.max_refs = REFCACHE_MAX_REFS_LIMIT,
	};

	snprintf(name, sizeof(name), "refcache_bench-%d",
		 atomic_inc_return(&seq));
	return refcache_init(rc, &params);
}

/* 1. create + final put vs kmem_cache_alloc + kmem_cache_free. */

/* The final put returns the object to the slab there and then. */
static noinline u64 bench_create_put(struct refcache *rc)
{
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		struct refcache_obj *obj = refcache_create(rc);

		if (IS_ERR(obj) || refcache_put(obj) != 0)
			bench_errors++;
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

/*
 * @gfp: GFP_KERNEL, the floor; or GFP_KERNEL_ACCOUNT, as refcache allocates
 * (charged to the memory cgroup, where the kernel has them: not UML's).
 */
static noinline u64 bench_slab_pair(struct kmem_cache *cache, gfp_t gfp)
{
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		void *p = kmem_cache_alloc(cache, gfp);

		if (!p)
			bench_errors++;
		kmem_cache_free(cache, p);
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

static int bench_create(void)
{
	u64 *a = bench_a, *b = bench_b, *c = bench_c, ma, mb, mc;
	struct refcache *rc = &bench_rc;
	struct kmem_cache *cache;
	struct refcache_stats st;
	unsigned int r;
	int err;

	err = bench_init_table(rc);
	if (err)
		return err;
	refcache_stats(rc, &st);
	cache = kmem_cache_create("refcache_bench_obj", st.slab_object_size,
				  0, REFCACHE_SLAB_NO_MERGE, NULL);
	if (!cache) {
		refcache_destroy(rc);
		return -ENOMEM;
	}
	for (r = 0; r < rounds; r++) {
		a[r] = bench_create_put(rc);
		b[r] = bench_slab_pair(cache, GFP_KERNEL);
		c[r] = bench_slab_pair(cache, GFP_KERNEL_ACCOUNT);
	}
	ma = bench_median(a, rounds);
	mb = bench_median(b, rounds);
	mc = bench_median(c, rounds);
	bench_row_med("create+put / slab alloc+free", ma, mb, count);
	/* What memcg charging adds to refcache's side (nothing in UML). */
	bench_row_med("  slab accounted / slab alloc+free", mc, mb, count);
	kmem_cache_destroy(cache);
	refcache_stats(rc, &st);
	if (st.created != st.freed || st.live)
		bench_fail("create: %lu created, %lu freed, %ld live",
			   st.created, st.freed, st.live);
	if (refcache_destroy(rc))
		bench_fail("create: objects left in the table");
	return 0;
}

/*
 * 2. get + put by id vs the same id-checked cmpxchg pair on a held pointer,
 * and vs refcount_inc() + refcount_dec_and_test().
 */

static int bench_make_pool(struct refcache *rc, u32 *ids, unsigned int n)
{
	int err = bench_init_table(rc);

	if (err)
		return err;
	err = refcache_create_batch(rc, n, ids);
	if (err)
		refcache_destroy(rc);
	return err;
}

/* Drop the creation references of @n objects and free the table. */
static void bench_drop_pool(struct refcache *rc, const u32 *ids,
			    unsigned long n, const char *what)
{
	struct refcache_stats st;
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (refcache_put_id(rc, ids[i]) != 0)
			bench_errors++;
		bench_resched(i + 1);
	}
	refcache_quiesce();
	refcache_stats(rc, &st);
	if (st.created != n || st.freed != n || st.live)
		bench_fail("%s: %lu created, %lu freed, %ld live", what,
			   st.created, st.freed, st.live);
	if (refcache_destroy(rc))
		bench_fail("%s: objects left in the table", what);
}

/* @count gets and puts of object @id, which has @refs references held. */
static noinline u64 bench_getput_id(struct refcache *rc, u32 id, int refs)
{
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		if (refcache_get_id(rc, id) != refs + 1 ||
		    refcache_put_id(rc, id) != refs)
			bench_errors++;
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

/*
 * The floor of a get and put by id: the very compare-and-exchange steps of
 * refcache_get_id() and refcache_put_id() (__refcache_ref_get() and
 * __refcache_ref_put_not_last() in refcache.h), on an object of the
 * benchmark's own that it already holds: no lookup by id, no counters.
 * @id and @max_refs are read with READ_ONCE(), as refcache reads max_refs,
 * so the compiler cannot fold them into the loop as constants.
 */
struct bench_floors {
	struct refcache_obj *obj;
	u32 id;
	unsigned int max_refs;
	refcount_t ref;		/* the refcount_t floor */
};

static noinline u64 bench_getput_cmpxchg(struct bench_floors *f)
{
	u32 id = READ_ONCE(f->id);
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		if (__refcache_ref_get(f->obj, id, READ_ONCE(f->max_refs),
				       NULL) != 2 ||
		    __refcache_ref_put_not_last(f->obj, id, NULL) != 1)
			bench_errors++;
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

static noinline u64 bench_getput_counter(refcount_t *ref)
{
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		refcount_inc(ref);
		if (refcount_dec_and_test(ref))
			bench_errors++;
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

/*
 * The three sides run in the same rounds, and all three rows come from the
 * same three medians.
 */
static int bench_getput(void)
{
	u64 *a = bench_a, *b = bench_b, *c = bench_c, ma, mb, mc;
	struct refcache *rc = &bench_rc;
	struct bench_floors *f;
	unsigned int r;
	u32 id;
	int err;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (f)
		f->obj = kzalloc(sizeof(*f->obj), GFP_KERNEL);
	err = f && f->obj ? bench_make_pool(rc, &id, 1) : -ENOMEM;
	if (err) {
		if (f)
			kfree(f->obj);
		kfree(f);
		return err;
	}
	/* As the refcache object: @id, the creation reference, max_refs. */
	f->id = id;
	f->max_refs = REFCACHE_MAX_REFS_LIMIT;
	atomic64_set(&f->obj->state, refcache_state(id, 1));
	refcount_set(&f->ref, 1);
	for (r = 0; r < rounds; r++) {
		a[r] = bench_getput_id(rc, id, 1);
		b[r] = bench_getput_cmpxchg(f);
		c[r] = bench_getput_counter(&f->ref);
	}
	ma = bench_median(a, rounds);
	mb = bench_median(b, rounds);
	mc = bench_median(c, rounds);
	bench_row_med("get+put by id / id-checked cmpxchg", ma, mb, count);
	bench_row_med("get+put by id / refcount_t pair", ma, mc, count);
	bench_row_med("cmpxchg pair / refcount_t pair", mb, mc, count);
	/*
	 * Without CONFIG_SMP, LOCK_PREFIX is empty; an x86 SMP kernel that can
	 * only ever have one CPU patches the lock prefixes of the kernel and
	 * of every module out at load and never back (alternative.c). Both
	 * have num_possible_cpus() == 1 (it is the constant 1 without SMP),
	 * so that is the test, not CONFIG_SMP alone, which would miss the
	 * second. An SMP kernel booted with one CPU present of several
	 * possible also runs unlocked until a second comes up, which a module
	 * cannot tell; the header line's CPU count shows that case.
	 */
	if (num_possible_cpus() == 1)
		bench_out("  %s: uniprocessor, atomics without lock prefix\n",
			  IS_ENABLED(CONFIG_UML) ? "UML" : "1 CPU possible");
	/*
	 * An inline refcount_t pair is two atomics, like the cmpxchg pair,
	 * with fewer checks: locked, about as dear; unlocked, far cheaper.
	 * Dearer by more than noise means it was not inline after all.
	 */
	if (mc * 100 > mb * 110) {
		u64 pb = bench_per_op(mb, count), pc = bench_per_op(mc, count);

		bench_fail("floors implausible: %s %llu.%02llu ns > 1.1 x %s %llu.%02llu ns",
			   "refcount_t pair", pc / 100, pc % 100,
			   "cmpxchg pair", pb / 100, pb % 100);
	}
	if (atomic64_read(&f->obj->state) != refcache_state(id, 1) ||
	    refcount_read(&f->ref) != 1)
		bench_fail("get+put: a floor's count moved");
	bench_drop_pool(rc, &id, 1, "get+put");
	kfree(f->obj);
	kfree(f);
	return 0;
}

/*
 * get+put by id of an object that a link points at (another held object
 * links to it), next to the same on an object without links, in the same
 * rounds. What refcache adds for the target of a link: the graph flag in
 * its state word sends the put off the inline fast path (refcache.h), and
 * a get would wait while a collection decides about it (none runs here).
 * Objects that links point at are the ones a program with a graph gets
 * and puts most, so the target is that they cost no more than 10% extra.
 * UML is uniprocessor and its atomics carry no lock prefix: the fixed cost
 * both sides share is smaller there than on SMP, which makes the ratio
 * lean against the linked side.
 */
static int bench_getput_linked(void)
{
	u64 *a = bench_a, *b = bench_b, ma, mb;
	struct refcache *rc = &bench_rc;
	u32 ids[3];	/* the holder, the target of its link, one without */
	unsigned int r;
	int err;

	err = bench_make_pool(rc, ids, ARRAY_SIZE(ids));
	if (err)
		return err;
	/* The target: its creation reference and the link. */
	if (refcache_link(rc, ids[0], ids[1]) != 2) {
		bench_fail("get+put linked: link failed");
		bench_drop_pool(rc, ids, ARRAY_SIZE(ids), "get+put linked");
		return 0;
	}
	for (r = 0; r < rounds; r++) {
		a[r] = bench_getput_id(rc, ids[1], 2);
		b[r] = bench_getput_id(rc, ids[2], 1);
	}
	ma = bench_median(a, rounds);
	mb = bench_median(b, rounds);
	bench_row_med("get+put by id, linked / unlinked", ma, mb, count);
	bench_out("  target: linked within 1.10x of unlinked: %s\n",
		  ma * 100 <= mb * 110 ? "met" : "not met");
	if (refcache_unlink(rc, ids[0], ids[1]) != 1)
		bench_fail("get+put linked: unlink failed");
	bench_drop_pool(rc, ids, ARRAY_SIZE(ids), "get+put linked");
	return 0;
}

/*
 * 3. The textbook driver: a global mutex over an XArray of kref'd objects.
 * A lookup takes the mutex, finds the object and takes a reference; the
 * put is kref_put_mutex(), so the final put erases the object under the
 * same mutex and a lookup can never revive it.
 */
struct tb_obj {
	struct kref ref;
	u32 id;
};

static DEFINE_MUTEX(tb_lock);
static DEFINE_XARRAY_ALLOC1(tb_ids);

static void tb_release(struct kref *ref)
{
	struct tb_obj *obj = container_of(ref, struct tb_obj, ref);

	xa_erase(&tb_ids, obj->id);
	mutex_unlock(&tb_lock);
	kfree(obj);
}

static struct tb_obj *tb_lookup(u32 id)
{
	struct tb_obj *obj;

	mutex_lock(&tb_lock);
	obj = xa_load(&tb_ids, id);
	if (obj)
		kref_get(&obj->ref);
	mutex_unlock(&tb_lock);
	return obj;
}

static void tb_put(struct tb_obj *obj)
{
	kref_put_mutex(&obj->ref, tb_release, &tb_lock);
}

static int tb_create_pool(u32 *ids, unsigned int n)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		struct tb_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

		if (!obj)
			return -ENOMEM;
		kref_init(&obj->ref);
		err = xa_alloc(&tb_ids, &obj->id, obj, xa_limit_32b, GFP_KERNEL);
		if (err) {
			kfree(obj);
			return err;
		}
		ids[i] = obj->id;
	}
	return 0;
}

static void tb_destroy_pool(void)
{
	struct tb_obj *obj;
	unsigned long index;

	xa_for_each(&tb_ids, index, obj)
		tb_put(obj);
	if (!xa_empty(&tb_ids))
		bench_fail("textbook: objects left in the table");
}

enum bench_side { SIDE_REFCACHE, SIDE_TEXTBOOK };

struct bench_mt {
	enum bench_side side;
	struct refcache *rc;
	const u32 *ids;		/* rc's pool, or the textbook's */
	unsigned long ops;	/* per thread */
	struct completion start;
	struct completion done;
	atomic_t running;
};

/* @ops get+put pairs by id on random objects of the pool; returns errors. */
static noinline unsigned long bench_pool_ops(enum bench_side side,
					     struct refcache *rc,
					     const u32 *ids, unsigned long ops,
					     u32 seed)
{
	unsigned long i, errors = 0;

	for (i = 1; i <= ops; i++) {
		u32 id = ids[bench_rand(&seed) % BENCH_POOL];

		if (side == SIDE_REFCACHE) {
			if (refcache_get_id(rc, id) < 2 ||
			    refcache_put_id(rc, id) < 1)
				errors++;
		} else {
			struct tb_obj *obj = tb_lookup(id);

			if (obj)
				tb_put(obj);
			else
				errors++;
		}
		bench_resched(i);
	}
	return errors;
}

static int bench_mt_thread(void *data)
{
	struct bench_mt *mt = data;
	unsigned long errors;

	wait_for_completion(&mt->start);
	errors = bench_pool_ops(mt->side, mt->rc, mt->ids, mt->ops,
				0x9e3779b9U ^ (u32)(uintptr_t)current);
	if (atomic_dec_and_test(&mt->running))
		complete(&mt->done);
	/* Wait for kthread_stop(), which collects the result. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return errors ? -EIO : 0;
}

/* Total wall time of @n threads doing count get+put pairs each. */
static u64 bench_mt_run(struct bench_mt *mt, unsigned int n)
{
	struct task_struct **tasks;
	unsigned int i, started = 0;
	int cpu = -1;
	u64 t0, t = 0;

	tasks = kcalloc(n, sizeof(*tasks), GFP_KERNEL);
	if (!tasks) {
		bench_errors++;
		return 0;
	}
	init_completion(&mt->start);
	init_completion(&mt->done);
	atomic_set(&mt->running, n);
	for (i = 0; i < n; i++) {
		tasks[i] = kthread_create(bench_mt_thread, mt, "rcbench/%u", i);
		if (IS_ERR(tasks[i]))
			break;
		/* One thread per CPU, round robin over the online ones. */
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		if (num_online_cpus() > 1)
			kthread_bind(tasks[i], cpu);
		get_task_struct(tasks[i]);
		wake_up_process(tasks[i]);
		started++;
	}
	if (started == n) {
		t0 = ktime_get_ns();
		complete_all(&mt->start);
		wait_for_completion(&mt->done);
		t = ktime_get_ns() - t0;
	} else {
		bench_errors++;
		complete_all(&mt->start);
	}
	for (i = 0; i < started; i++) {
		if (kthread_stop(tasks[i]))
			bench_errors++;
		put_task_struct(tasks[i]);
	}
	kfree(tasks);
	return t;
}

static int bench_textbook(void)
{
	unsigned int r, nthreads = threads ? threads : num_online_cpus();
	u64 *a = bench_a, *b = bench_b, ma, mb, tput;
	struct refcache *rc = &bench_rc;
	u32 *rc_ids, *tb_ids_arr;
	struct bench_mt *mt;
	char name[40];
	int err = -ENOMEM;

	rc_ids = kcalloc(BENCH_POOL, sizeof(u32), GFP_KERNEL);
	tb_ids_arr = kcalloc(BENCH_POOL, sizeof(u32), GFP_KERNEL);
	mt = kzalloc(sizeof(*mt), GFP_KERNEL);
	if (!rc_ids || !tb_ids_arr || !mt)
		goto out;
	err = tb_create_pool(tb_ids_arr, BENCH_POOL);
	if (err)
		goto out_tb;
	err = bench_make_pool(rc, rc_ids, BENCH_POOL);
	if (err)
		goto out_tb;

	/* Single-threaded: ns per get+put pair, in this thread. */
	for (r = 0; r < rounds; r++) {
		u64 t0 = ktime_get_ns();

		bench_errors += bench_pool_ops(SIDE_REFCACHE, rc, rc_ids,
					       count, 1);
		a[r] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		bench_errors += bench_pool_ops(SIDE_TEXTBOOK, NULL, tb_ids_arr,
					       count, 1);
		b[r] = ktime_get_ns() - t0;
	}
	bench_row("get+put by id / textbook, 1 thr", a, b, count);

	/*
	 * Throughput of @nthreads threads: the table shows ns per pair of the
	 * whole machine (wall time / all pairs), so the ratio A/B is the
	 * inverse of the throughput ratio, which has its own line.
	 */
	mt->ops = count;
	for (r = 0; r < rounds; r++) {
		mt->side = SIDE_REFCACHE;
		mt->rc = rc;
		mt->ids = rc_ids;
		a[r] = bench_mt_run(mt, nthreads);
		mt->side = SIDE_TEXTBOOK;
		mt->rc = NULL;
		mt->ids = tb_ids_arr;
		b[r] = bench_mt_run(mt, nthreads);
	}
	snprintf(name, sizeof(name), "get+put by id / textbook, %u kthr",
		 nthreads);
	ma = bench_median(a, rounds);
	mb = bench_median(b, rounds);
	bench_row_med(name, ma, mb, count * nthreads);
	tput = ma ? div64_u64(mb * 100, ma) : 0;
	bench_out("  throughput refcache/textbook, %u kthreads: %llu.%02llux (%u CPUs online)\n",
		  nthreads, tput / 100, tput % 100, num_online_cpus());
	bench_drop_pool(rc, rc_ids, BENCH_POOL, "textbook");
out_tb:
	tb_destroy_pool();
out:
	kfree(mt);
	kfree(tb_ids_arr);
	kfree(rc_ids);
	return err;
}

/* 4. get+put by id on random live ids, at three table sizes. */

struct bench_table {
	struct refcache rc;
	unsigned long n;
	u32 *ids;
	struct xarray floor;
};

static int bench_table_fill(struct bench_table *t)
{
	unsigned long done = 0;
	int err;

	err = bench_init_table(&t->rc);
	if (err)
		return err;
	t->ids = kvmalloc_array(t->n, sizeof(u32), GFP_KERNEL);
	if (!t->ids) {
		refcache_destroy(&t->rc);
		return -ENOMEM;
	}
	/*
	 * bench_lookup_run() relies on ids 1..n, which a fresh table hands out
	 * in order only while one CPU's slot batches serve every create: stay
	 * on this CPU (the creates may still sleep).
	 */
	migrate_disable();
	while (done < t->n) {
		unsigned int batch = min_t(unsigned long, t->n - done,
					   REFCACHE_BATCH_MAX);

		err = refcache_create_batch(&t->rc, batch, t->ids + done);
		if (err)
			break;
		done += batch;
		cond_resched();
	}
	migrate_enable();
	if (err)
		goto fail;
	for (done = 0; done < t->n; done++) {
		if (t->ids[done] != done + 1) {
			err = -EILSEQ;
			goto fail;
		}
	}
	return 0;

fail:
	refcache_destroy(&t->rc);
	kvfree(t->ids);
	t->ids = NULL;
	return err;
}

enum bench_lookup_way {
	LOOKUP_BY_ID,	/* refcache_get_id() + refcache_put_id() */
	LOOKUP_OBJ,	/* refcache_lookup() + refcache_put(): one walk */
	LOOKUP_FLOOR,	/* the same objects through a bare XArray */
};

/*
 * The floor of a lookup by id: what the common pattern does (an XArray of
 * the objects, xa_load() under RCU, get-unless-zero and a decrement of a
 * counter in the object), with none of refcache's checks. Its counter is
 * the first word of each object's payload (refcache_obj_payload(), never 0:
 * the canary pattern), a few bytes from refcache's own, so the floor
 * touches the same objects in the same order and has the same cache
 * misses, plus those of its radix tree. The atomics leave every word as it
 * was, so the canary still holds at the final put.
 */
static int bench_floor_fill(struct bench_table *t)
{
	unsigned long i;

	for (i = 0; i < t->n; i++) {
		struct refcache_obj *obj = refcache_lookup(&t->rc, t->ids[i]);

		if (IS_ERR(obj))
			return PTR_ERR(obj);
		/* The pool's reference keeps it; nobody else uses the table. */
		if (refcache_put(obj) != 1 ||
		    xa_err(xa_store(&t->floor, t->ids[i],
				    refcache_obj_payload(obj), GFP_KERNEL)))
			return -ENOMEM;
		bench_resched(i + 1);
	}
	return 0;
}

/*
 * @count get+put pairs on random live ids: a fresh table's ids are 1..n
 * (bench_table_fill() checks), so no array of ids adds its own cache
 * misses.
 */
static noinline u64 bench_lookup_run(struct bench_table *t,
				     enum bench_lookup_way way)
{
	u32 seed = 2463534242U;
	unsigned long i;
	u64 t0 = ktime_get_ns();

	for (i = 1; i <= count; i++) {
		u32 id = 1 + bench_rand(&seed) % t->n;
		struct refcache_obj *obj;
		atomic64_t *word;

		switch (way) {
		case LOOKUP_BY_ID:
			if (refcache_get_id(&t->rc, id) != 2 ||
			    refcache_put_id(&t->rc, id) != 1)
				bench_errors++;
			break;
		case LOOKUP_OBJ:
			obj = refcache_lookup(&t->rc, id);
			if (IS_ERR(obj) || refcache_put(obj) != 1)
				bench_errors++;
			break;
		case LOOKUP_FLOOR:
			rcu_read_lock();
			word = xa_load(&t->floor, id);
			if (!word || !atomic64_add_unless(word, 1, 0) ||
			    !atomic64_dec_return(word))
				bench_errors++;
			rcu_read_unlock();
			break;
		}
		bench_resched(i);
	}
	return ktime_get_ns() - t0;
}

static void bench_table_free(struct bench_table *t)
{
	xa_destroy(&t->floor);
	bench_drop_pool(&t->rc, t->ids, t->n, "lookup");
	kvfree(t->ids);
}

static int bench_lookup(void)
{
	u64 (*v)[BENCH_ROUNDS_MAX] = bench_v;
	u64 med[3], flo[3], ratio;
	struct bench_table *t;
	unsigned int r, s;
	int err = 0;

	t = kcalloc(3, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[0].n = max(max_live / 1000, 1UL);
	t[1].n = max(max_live / 10, 1UL);
	t[2].n = max_live;
	for (s = 0; s < 3; s++) {
		xa_init(&t[s].floor);
		err = bench_table_fill(&t[s]);
		if (err)
			break;
		err = bench_floor_fill(&t[s]);
		if (err) {
			bench_table_free(&t[s]);
			break;
		}
	}
	if (err) {
		while (s--)
			bench_table_free(&t[s]);
		kfree(t);
		return err;
	}
	for (r = 0; r < rounds; r++) {
		for (s = 0; s < 3; s++) {
			v[s][r] = bench_lookup_run(&t[s], LOOKUP_BY_ID);
			v[s + 3][r] = bench_lookup_run(&t[s], LOOKUP_OBJ);
			v[s + 6][r] = bench_lookup_run(&t[s], LOOKUP_FLOOR);
		}
	}
	bench_out("lookup at N live, random ids (ns per get+put): A by id, B lookup+put(obj),\n");
	bench_out("  C floor: rcu + xa_load + inc-not-zero + dec on the same objects\n");
	bench_out("%-12s %12s %12s %12s %10s\n", "N", "A", "B", "C", "A/C");
	for (s = 0; s < 3; s++) {
		u64 ob = bench_per_op(bench_median(v[s + 3], rounds), count);

		med[s] = bench_per_op(bench_median(v[s], rounds), count);
		flo[s] = bench_per_op(bench_median(v[s + 6], rounds), count);
		ratio = flo[s] ? div64_u64(med[s] * 100, flo[s]) : 0;
		bench_out("%-12lu %9llu.%02llu %9llu.%02llu %9llu.%02llu %7llu.%02llux\n",
			  t[s].n, med[s] / 100, med[s] % 100, ob / 100, ob % 100,
			  flo[s] / 100, flo[s] % 100, ratio / 100, ratio % 100);
		if (!med[s] || !ob || !flo[s])
			bench_fail("lookup at %lu took no time", t[s].n);
	}
	if (med[0] && flo[0]) {
		u64 fr = div64_u64(flo[2] * 100, flo[0]);

		ratio = div64_u64(med[2] * 100, med[0]);
		bench_out("  lookup %lu live / %lu live: %llu.%02llux (floor: %llu.%02llux)\n",
			  t[2].n, t[0].n, ratio / 100, ratio % 100,
			  fr / 100, fr % 100);
	}
	for (s = 0; s < 3; s++)
		bench_table_free(&t[s]);
	kfree(t);
	return 0;
}

/*
 * The collector: @n objects, first without links ("gc" has nothing to do),
 * then linked i -> i + 1. With the head held from
 * outside, "gc dry" walks every object and link and finds nothing; with the
 * chain closed into a ring and no outside reference, "gc" collects all of
 * it. gc_last_pause_ns is the longest the run held graph_lock at a stretch
 * or its final window (nothing else uses these tables meanwhile, so
 * nobody actually waited).
 */
static int bench_gc_one(unsigned long n)
{
	struct refcache_stats st;
	unsigned long i, done;
	struct refcache *rc;
	u32 *ids;
	long ret;
	int err = -ENOMEM;

	/* Not on the stack: a table's directory of chunks is 16 KiB. */
	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (!rc || !ids)
		goto out;
	err = bench_init_table(rc);
	if (err)
		goto out;
	for (done = 0; done < n && !err; done += REFCACHE_BATCH_MAX) {
		unsigned long batch = min_t(unsigned long, n - done,
					    REFCACHE_BATCH_MAX);

		err = refcache_create_batch(rc, batch, ids + done);
	}
	/* Before any link: nothing to collect, and nothing to mark. */
	if (!err) {
		ret = refcache_gc(rc, false);
		refcache_stats(rc, &st);
		if (ret || st.live != n)
			bench_fail("gc without links freed %ld, %ld live", ret,
				   st.live);
		bench_out("gc, %7lu without links:     %8llu ns\n", n,
			  st.gc_last_ns);
	}
	for (i = 0; !err && i + 1 < n; i++) {
		if (refcache_link(rc, ids[i], ids[i + 1]) < 0)
			err = -EIO;
		bench_resched(i + 1);
	}
	for (i = 1; !err && i < n; i++) {
		if (refcache_put_id(rc, ids[i]) < 0)
			err = -EIO;
		bench_resched(i + 1);
	}
	if (err)
		goto destroy;

	ret = refcache_gc(rc, true);
	refcache_stats(rc, &st);
	if (ret)
		bench_fail("gc dry over a held chain found %ld", ret);
	bench_out("gc dry, %7lu held in a chain: %8llu us, %5llu ns/obj, pause %llu us\n",
		  n, st.gc_last_ns / 1000, st.gc_last_ns / n,
		  st.gc_last_pause_ns / 1000);

	/* Close the ring, drop the head: only links hold anything now. */
	if (refcache_link(rc, ids[n - 1], ids[0]) < 0 ||
	    refcache_put_id(rc, ids[0]) < 0) {
		err = -EIO;
		goto destroy;
	}
	ret = refcache_gc(rc, false);
	refcache_stats(rc, &st);
	if (ret != n || st.live)
		bench_fail("gc of a garbage ring of %lu freed %ld, %ld live",
			   n, ret, st.live);
	bench_out("gc, %7lu in a garbage ring: %8llu us, %5llu ns/obj, pause %llu us\n",
		  n, st.gc_last_ns / 1000, st.gc_last_ns / n,
		  st.gc_last_pause_ns / 1000);
destroy:
	refcache_destroy(rc);
out:
	kvfree(ids);
	kfree(rc);
	return err;
}

static int bench_gc(void)
{
	return bench_gc_one(max_live / 100) ?: bench_gc_one(max_live);
}

/* Create @n objects in batches; their ids go to @ids. */
static int bench_fill(struct refcache *rc, u32 *ids, unsigned long n)
{
	unsigned long done;
	int err = 0;

	for (done = 0; done < n && !err; done += REFCACHE_BATCH_MAX) {
		err = refcache_create_batch(rc, min_t(unsigned long, n - done,
						      REFCACHE_BATCH_MAX),
					    ids + done);
		cond_resched();
	}
	return err;
}

#define BENCH_US_LEN	24

/* @ns as microseconds with one decimal, in @buf (BENCH_US_LEN bytes). */
static const char *bench_us(char *buf, u64 ns)
{
	snprintf(buf, BENCH_US_LEN, "%llu.%llu us", ns / 1000, ns % 1000 / 100);
	return buf;
}

#define BENCH_FEW	1000	/* the linked objects of bench_gc_few() */

/*
 * Link BENCH_FEW objects of @ids, from @first every @stride-th, into
 * two-object cycles and drop their creation references: garbage.
 */
static int bench_few_link(struct refcache *rc, const u32 *ids,
			  unsigned long first, unsigned long stride)
{
	unsigned int k;

	for (k = 0; k < BENCH_FEW; k += 2) {
		u32 a = ids[first + k * stride], b = ids[first + (k + 1) * stride];

		if (refcache_link(rc, a, b) != 2 || refcache_link(rc, b, a) != 2 ||
		    refcache_put_id(rc, a) != 1 || refcache_put_id(rc, b) != 1)
			return -EIO;
	}
	return 0;
}

/*
 * One run over a table of @live objects with BENCH_FEW of them garbage:
 * its duration, and a failure unless it found them all.
 */
static u64 bench_few_gc(struct refcache *rc, long live, bool dry_run)
{
	struct refcache_stats st;
	long ret = refcache_gc(rc, dry_run);

	refcache_stats(rc, &st);
	if (ret != BENCH_FEW || st.live != live - (dry_run ? 0 : BENCH_FEW))
		bench_fail("gc%s of %u in %ld objects found %ld, %ld live",
			   dry_run ? " dry" : "", BENCH_FEW, live, ret, st.live);
	return st.gc_last_ns;
}

/*
 * A round's small table: BENCH_FEW objects, all of them linked as in the
 * large one; dry run and run, then freed. Returns 0 or the error.
 */
static int bench_few_small(struct refcache *rc, u32 *ids, u64 *dry, u64 *gc)
{
	int err = bench_init_table(rc);

	if (err)
		return err;
	err = bench_fill(rc, ids, BENCH_FEW) ?: bench_few_link(rc, ids, 0, 1);
	if (!err) {
		*dry = bench_few_gc(rc, BENCH_FEW, true);
		*gc = bench_few_gc(rc, BENCH_FEW, false);
	}
	if (refcache_destroy(rc) && !err)
		bench_fail("gc few: objects left in the small table");
	return err;
}

/*
 * What a collection costs when a few objects of a large table have links:
 * BENCH_FEW linked objects among max_live (the rest held, without links),
 * next to a table of just those BENCH_FEW linked the same way, in the same
 * rounds. Each round links 500 two-object cycles that nothing holds, then
 * times "gc dry" (finds them, changes nothing) and "gc" (frees them) on
 * both tables (gc_last_ns); the rows show the medians and the ratio large /
 * small. In the large table round r uses every (max_live / BENCH_FEW)-th
 * object from the r-th, spread over the table, so that its size stays
 * (a collection frees what it finds, and a freed slot is reused only much
 * later, table.c); the small table is made anew each round. A collector
 * that walks the whole table costs what the table costs (a ratio near
 * max_live / BENCH_FEW); the target is that a run costs what the linked
 * objects cost, a ratio near 1.
 */
static int bench_gc_few(void)
{
	u64 *dry_big = bench_v[0], *dry_few = bench_v[1];
	u64 *gc_big = bench_v[2], *gc_few = bench_v[3];
	unsigned long i, stride = max_live / BENCH_FEW;
	unsigned int r, nr = min_t(unsigned long, rounds, stride);
	u64 db, df, gb, gf, rd, rg;
	char x[BENCH_US_LEN], y[BENCH_US_LEN];
	struct refcache_stats st;
	struct refcache *rc;
	u32 *ids, *few;
	long live = max_live;
	int err = -ENOMEM;

	if (max_live < 2 * BENCH_FEW)
		return 0;
	/* Not on the stack: a table's directory of chunks is 16 KiB. */
	rc = kcalloc(2, sizeof(*rc), GFP_KERNEL);
	ids = kvmalloc_array(max_live, sizeof(*ids), GFP_KERNEL);
	few = kcalloc(BENCH_FEW, sizeof(*few), GFP_KERNEL);
	if (!rc || !ids || !few)
		goto out;
	err = bench_init_table(&rc[0]);
	if (err)
		goto out;
	err = bench_fill(&rc[0], ids, max_live);
	if (err) {
		refcache_destroy(&rc[0]);
		goto out;
	}
	for (r = 0; r < nr && !err; r++) {
		err = bench_few_link(&rc[0], ids, r, stride);
		if (err)
			break;
		dry_big[r] = bench_few_gc(&rc[0], live, true);
		gc_big[r] = bench_few_gc(&rc[0], live, false);
		live -= BENCH_FEW;
		err = bench_few_small(&rc[1], few, &dry_few[r], &gc_few[r]);
	}
	if (err) {
		bench_fail("gc few: error %d", err);
		/* A round that failed may have left cycles: collect them. */
		refcache_gc(&rc[0], false);
		nr = min_t(unsigned long, r + 1, stride);
		err = 0;
	} else {
		db = bench_median(dry_big, nr);
		df = bench_median(dry_few, nr);
		gb = bench_median(gc_big, nr);
		gf = bench_median(gc_few, nr);
		rd = df ? div64_u64(db * 100, df) : 0;
		rg = gf ? div64_u64(gb * 100, gf) : 0;
		bench_out("gc dry, %u linked among %lu: %s; %u alone: %s; %llu.%02llux\n",
			  BENCH_FEW, max_live, bench_us(x, db), BENCH_FEW,
			  bench_us(y, df), rd / 100, rd % 100);
		bench_out("gc,     %u linked among %lu: %s; %u alone: %s; %llu.%02llux\n",
			  BENCH_FEW, max_live, bench_us(x, gb), BENCH_FEW,
			  bench_us(y, gf), rg / 100, rg % 100);
		if (!db || !df || !gb || !gf)
			bench_fail("gc few: a run took no time");
	}
	/* The objects of the rounds are gone: their ids name nothing now. */
	for (i = 0; i < max_live; i++) {
		bool used = i / stride < BENCH_FEW && i % stride < nr;
		int ret = refcache_put_id(&rc[0], ids[i]);

		if (ret && !(used && ret == -ENOENT))
			bench_errors++;
		bench_resched(i + 1);
	}
	refcache_quiesce();
	refcache_stats(&rc[0], &st);
	if (st.live || st.links)
		bench_fail("gc few: %ld objects, %lu links left", st.live,
			   st.links);
	if (refcache_destroy(&rc[0]))
		bench_fail("gc few: objects left in the table");
out:
	kfree(few);
	kvfree(ids);
	kfree(rc);
	return err;
}

/*
 * Latency of single operations while the collector runs: a table of
 * max_live objects in a chain (i -> i + 1, the head held from outside) with
 * random extra links between its members until there are as many links as
 * objects, all of it reachable. A latency kthread does one operation at a
 * time on random objects of it and times each alone: get+put by id; link
 * a -> b, then unlink a -> b; create one object and put it (its final put).
 * Between two operations it sleeps briefly (usleep_range()), as an
 * interactive user would, so that on one CPU it competes with the
 * collector instead of taking turns with it. Phase 1: lat_ops operations
 * of each kind, no collection. Phase 2: the same thread, the same
 * operations on the same objects, while another kthread runs
 * refcache_gc(rc, false) again and again. Both kthreads run on the same
 * CPU (UML has only one anyway). Each phase's rows show the maximum and
 * the 99.9th percentile (nearest rank) of every kind and of all together:
 * what a collection makes a user wait, which a collector that works in
 * short slices, dropping the lock between them, keeps short.
 *
 * The sleep: the UML kernels have HZ=100 and no high-resolution timers,
 * so a timer fires on a tick only, and usleep_range(20, 50) sleeps about
 * 10 ms there (the "slept" line shows what the kernel gave); a phase of
 * 1000 operations of each kind then lasts some 30 s. The bench kernel is
 * PREEMPT_NONE: a woken latency thread runs once the collector calls
 * cond_resched() (its walks do, every 1024 slots); the test kernel
 * (--smoke) preempts. UML is uniprocessor and its atomics carry no lock
 * prefix, and the host's two cores are shared with other work: the maxima
 * are noisy, the percentiles less so. With the collector of one long run
 * under graph_lock, every get+put and link+unlink of phase 2 waits for
 * the end of a run, and on one CPU the next run begins while the thread
 * sleeps: phase 2 takes two runs per round of the three kinds, about two
 * minutes at 1,000,000 objects.
 */
#define BENCH_LAT_SLEEP_MIN	20	/* us */
#define BENCH_LAT_SLEEP_MAX	50

enum bench_lat_kind { LAT_GETPUT, LAT_LINK, LAT_CREATE, LAT_KINDS };

static const char * const bench_lat_names[LAT_KINDS] = {
	[LAT_GETPUT] = "get+put",
	[LAT_LINK] = "link+unlink",
	[LAT_CREATE] = "create+put",
};

/**
 * struct bench_lat - what the latency benchmark's threads share
 * @rc: the table
 * @ids: its objects, @n of them
 * @n: see @ids
 * @ns: per phase, the latencies in ns, lat_ops of each kind, kind by kind
 * @slept: per phase, ns the latency thread slept between operations
 * @errors: failed calls of the latency thread
 * @phase_done: per phase, completed when the latency thread finished it
 * @go: completed when phase 2 may start (the collector runs), or @stop
 * @stop: phase 2 is off: the collector's thread did not start
 * @gc_started: completed by the collector's thread before its first run
 * @gc_runs: its runs (WRITE_ONCE(): read while it runs)
 * @gc_errors: its runs that failed or freed anything
 * @gc_max_ns: the longest of its runs (gc_last_ns)
 * @gc_max_pause_ns: the longest pause of its runs (gc_last_pause_ns)
 */
struct bench_lat {
	struct refcache *rc;
	const u32 *ids;
	unsigned long n;
	u32 *ns[2];
	u64 slept[2];
	unsigned long errors;
	struct completion phase_done[2];
	struct completion go;
	bool stop;
	struct completion gc_started;
	unsigned long gc_runs;
	unsigned long gc_errors;
	u64 gc_max_ns;
	u64 gc_max_pause_ns;
};

/* One operation of @kind on objects @a and @b; false if a call failed. */
static bool bench_lat_op(struct refcache *rc, enum bench_lat_kind kind,
			 u32 a, u32 b)
{
	u32 id;

	switch (kind) {
	case LAT_GETPUT:
		/* Every object has a link or the outside reference. */
		return refcache_get_id(rc, a) >= 2 && refcache_put_id(rc, a) >= 1;
	case LAT_LINK:
		/* The newest link a -> b goes: this one. */
		return refcache_link(rc, a, b) >= 2 &&
		       refcache_unlink(rc, a, b) >= 1;
	case LAT_CREATE:
		return !refcache_create_batch(rc, 1, &id) &&
		       refcache_put_id(rc, id) == 0;
	default:
		return false;
	}
}

/* One phase: lat_ops operations of each kind, the kinds in turn. */
static noinline void bench_lat_phase(struct bench_lat *l, unsigned int phase)
{
	u32 *ns = l->ns[phase];
	u32 seed = 0x9e3779b9U;	/* the same operations in both phases */
	unsigned int i, k;

	for (i = 0; i < lat_ops; i++) {
		for (k = 0; k < LAT_KINDS; k++) {
			u32 a = l->ids[bench_rand(&seed) % l->n];
			u32 b = l->ids[bench_rand(&seed) % l->n];
			u64 t0, t1;

			t0 = ktime_get_ns();
			if (!bench_lat_op(l->rc, k, a, b))
				l->errors++;
			t1 = ktime_get_ns();
			ns[k * lat_ops + i] = min_t(u64, t1 - t0, U32_MAX);
			usleep_range(BENCH_LAT_SLEEP_MIN, BENCH_LAT_SLEEP_MAX);
			l->slept[phase] += ktime_get_ns() - t1;
		}
	}
}

/* Until kthread_stop(), which collects the result. */
static void bench_wait_stop(void)
{
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
}

static int bench_lat_thread(void *data)
{
	struct bench_lat *l = data;

	bench_lat_phase(l, 0);
	complete(&l->phase_done[0]);
	wait_for_completion(&l->go);
	if (!l->stop)
		bench_lat_phase(l, 1);
	complete(&l->phase_done[1]);
	bench_wait_stop();
	return 0;
}

/* The collector, again and again until kthread_stop(). */
static int bench_lat_gc_thread(void *data)
{
	struct bench_lat *l = data;
	struct refcache_stats st;

	complete(&l->gc_started);
	while (!kthread_should_stop()) {
		/* Everything is reachable: nothing to free. */
		if (refcache_gc(l->rc, false))
			l->gc_errors++;
		refcache_stats(l->rc, &st);
		l->gc_max_ns = max(l->gc_max_ns, st.gc_last_ns);
		l->gc_max_pause_ns = max(l->gc_max_pause_ns,
					 st.gc_last_pause_ns);
		WRITE_ONCE(l->gc_runs, l->gc_runs + 1);
		cond_resched();
	}
	return 0;
}

/* Start @fn on CPU @cpu with a reference on its task, or NULL. */
static struct task_struct *bench_start(int (*fn)(void *), void *data,
				       const char *name, int cpu)
{
	struct task_struct *task = kthread_create(fn, data, "%s", name);

	if (IS_ERR(task))
		return NULL;
	kthread_bind(task, cpu);
	get_task_struct(task);
	wake_up_process(task);
	return task;
}

static void bench_stop(struct task_struct *task)
{
	if (kthread_stop(task))
		bench_errors++;
	put_task_struct(task);
}

static int bench_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* The @pm-th per mille of the @n sorted values @v (nearest rank). */
static u32 bench_permille(const u32 *v, unsigned int n, unsigned int pm)
{
	unsigned int rank = DIV_ROUND_UP(n * pm, 1000);

	return v[rank ? rank - 1 : 0];
}

/* A phase's maximum and 99.9th percentile, of its @n sorted latencies. */
static const char *bench_lat_phase_str(char *buf, size_t len, const u32 *v,
				       unsigned int n)
{
	char max[BENCH_US_LEN], p999[BENCH_US_LEN];

	snprintf(buf, len, "max %s p99.9 %s", bench_us(max, v[n - 1]),
		 bench_us(p999, bench_permille(v, n, 999)));
	return buf;
}

/*
 * One row: @name's latencies, @n of each phase, in @v[0] and @v[1], which
 * it sorts.
 */
static void bench_lat_row(const char *name, u32 **v, unsigned int n,
			  unsigned long runs, unsigned long objects,
			  unsigned long links)
{
	/* "max " and " p99.9 " around two bench_us() strings. */
	char p0[2 * BENCH_US_LEN + 12], p1[2 * BENCH_US_LEN + 12];

	sort(v[0], n, sizeof(u32), bench_cmp_u32, NULL);
	sort(v[1], n, sizeof(u32), bench_cmp_u32, NULL);
	bench_out("gc latency, %lu objects %lu links, %s: no gc %s; gc looping (%lu runs) %s\n",
		  objects, links, name,
		  bench_lat_phase_str(p0, sizeof(p0), v[0], n), runs,
		  bench_lat_phase_str(p1, sizeof(p1), v[1], n));
	if (!v[0][n - 1] || !v[1][n - 1])
		bench_fail("gc latency, %s: no time", name);
}

/* The chain, the extra links, and the creation references of all but the head. */
static int bench_lat_graph(struct refcache *rc, const u32 *ids, unsigned long n)
{
	unsigned long i, links;
	u32 seed = 88675123U;

	for (i = 0; i + 1 < n; i++) {
		if (refcache_link(rc, ids[i], ids[i + 1]) < 0)
			return -EIO;
		bench_resched(i + 1);
	}
	for (links = n - 1; links < n; links++) {
		if (refcache_link(rc, ids[bench_rand(&seed) % n],
				  ids[bench_rand(&seed) % n]) < 0)
			return -EIO;
	}
	for (i = 1; i < n; i++) {
		if (refcache_put_id(rc, ids[i]) < 1)
			return -EIO;
		bench_resched(i);
	}
	return 0;
}

static int bench_gc_latency(void)
{
	unsigned long n = max_live, total = LAT_KINDS * lat_ops, runs;
	int cpu = cpumask_first(cpu_online_mask);
	struct task_struct *lat, *gc = NULL;
	struct refcache_stats st;
	struct bench_lat *l;
	struct refcache *rc;
	u32 *ids, *v[2];
	unsigned int k;
	int err = -ENOMEM;

	/* Not on the stack: a table's directory of chunks is 16 KiB. */
	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	ids = kvmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (l) {
		l->ns[0] = kvmalloc_array(total, sizeof(u32), GFP_KERNEL);
		l->ns[1] = kvmalloc_array(total, sizeof(u32), GFP_KERNEL);
	}
	if (!rc || !l || !ids || !l->ns[0] || !l->ns[1])
		goto out;
	err = bench_init_table(rc);
	if (err)
		goto out;
	err = bench_fill(rc, ids, n);
	if (err)
		goto destroy;
	err = bench_lat_graph(rc, ids, n);
	if (err)
		goto destroy;

	l->rc = rc;
	l->ids = ids;
	l->n = n;
	init_completion(&l->phase_done[0]);
	init_completion(&l->phase_done[1]);
	init_completion(&l->go);
	init_completion(&l->gc_started);
	lat = bench_start(bench_lat_thread, l, "rcbench/lat", cpu);
	if (!lat) {
		err = -ENOMEM;
		goto destroy;
	}
	/* Phases last a minute: TASK_IDLE, not a hung task. */
	wait_for_completion_state(&l->phase_done[0], TASK_IDLE);
	gc = bench_start(bench_lat_gc_thread, l, "rcbench/gc", cpu);
	if (gc)
		wait_for_completion(&l->gc_started);
	else
		l->stop = true;
	complete(&l->go);
	wait_for_completion_state(&l->phase_done[1], TASK_IDLE);
	/* The runs of phase 2: the collector may begin another meanwhile. */
	runs = READ_ONCE(l->gc_runs);
	if (gc)
		bench_stop(gc);
	bench_stop(lat);
	if (!gc) {
		bench_fail("gc latency: no collector thread");
		goto check;
	}
	if (l->errors || l->gc_errors)
		bench_fail("gc latency: %lu operations, %lu collections failed",
			   l->errors, l->gc_errors);

	/* Per kind, then all together (each phase's array, sorted). */
	for (k = 0; k < LAT_KINDS; k++) {
		u32 *kv[2] = { l->ns[0] + k * lat_ops, l->ns[1] + k * lat_ops };

		bench_lat_row(bench_lat_names[k], kv, lat_ops, runs, n, n);
	}
	v[0] = l->ns[0];
	v[1] = l->ns[1];
	bench_lat_row("all kinds", v, total, runs, n, n);
	bench_out("  gc looping: longest run %llu us, pause %llu us\n",
		  l->gc_max_ns / 1000, l->gc_max_pause_ns / 1000);
	bench_out("  usleep_range(%u, %u) slept %llu us, %llu us with gc (HZ %u, %u CPUs)\n",
		  BENCH_LAT_SLEEP_MIN, BENCH_LAT_SLEEP_MAX,
		  div64_u64(l->slept[0], total) / 1000,
		  div64_u64(l->slept[1], total) / 1000, HZ, num_online_cpus());

check:
	/* The graph, and nothing else: every create was put, every link undone. */
	refcache_quiesce();
	refcache_stats(rc, &st);
	if (st.live != n || st.links != n)
		bench_fail("gc latency: %ld objects, %lu links; %lu of each expected",
			   st.live, st.links, n);
	/* The chain dies with its head; what the extra links hold, collected. */
	if (refcache_put_id(rc, ids[0]) < 0 || refcache_gc(rc, false) < 0)
		bench_fail("gc latency: could not drop the graph");
	refcache_quiesce();
	refcache_stats(rc, &st);
	if (st.live || st.links)
		bench_fail("gc latency: %ld objects, %lu links left", st.live,
			   st.links);
	err = 0;
destroy:
	if (refcache_destroy(rc) && !err)
		bench_fail("gc latency: objects left in the table");
out:
	if (l) {
		kvfree(l->ns[0]);
		kvfree(l->ns[1]);
	}
	kfree(l);
	kvfree(ids);
	kfree(rc);
	return err;
}

/* The floor of the ctl benchmark: a debugfs write that does nothing. */
static ssize_t bench_null_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	return len;
}

static const struct file_operations bench_null_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = bench_null_write,
	.llseek = noop_llseek,
};

static int bench_results_show(struct seq_file *m, void *v)
{
	seq_write(m, bench_results, bench_len);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_results);

static void bench_run(void)
{
	long slab0 = refcache_slab_objects(), slab1;
	int err;

	/* Lower case: the tests' log check fails a run on "KASAN". */
	bench_out("count %lu, rounds %u, %u CPUs online%s%s%s\n",
		  count, rounds, num_online_cpus(),
		  IS_ENABLED(CONFIG_KASAN) ? ", kasan" : "",
		  IS_ENABLED(CONFIG_PROVE_LOCKING) ? ", lockdep" : "",
		  smoke ? ", smoke" : "");
	bench_out("%-34s %12s %12s %10s\n", "benchmark: A / B", "A ns/op",
		  "B ns/op", "A/B");
	err = bench_create();
	if (err)
		bench_fail("create benchmark: error %d", err);
	err = bench_getput();
	if (err)
		bench_fail("get+put benchmark: error %d", err);
	err = bench_getput_linked();
	if (err)
		bench_fail("get+put linked benchmark: error %d", err);
	err = bench_textbook();
	if (err)
		bench_fail("textbook benchmark: error %d", err);
	err = bench_lookup();
	if (err)
		bench_fail("lookup benchmark: error %d", err);
	err = bench_gc();
	if (err)
		bench_fail("collector benchmark: error %d", err);
	err = bench_gc_few();
	if (err)
		bench_fail("gc few among many benchmark: error %d", err);
	err = bench_gc_latency();
	if (err)
		bench_fail("gc latency benchmark: error %d", err);

	refcache_quiesce();
	slab1 = refcache_slab_objects();
	if (slab1 != slab0)
		bench_fail("%ld objects taken from the slab and not returned",
			   slab1 - slab0);
	if (bench_errors)
		bench_out("self-check: FAILED (%lu errors)\n", bench_errors);
	else
		bench_out("self-check: ok\n");
}

/*
 * The benchmark's thread. Its address is taken, so gcc compiles it and
 * bench_run() as normal code, not as the cold code of init (see the top of
 * the file). kthread_complete_and_exit() wakes init and ends the thread in
 * kernel code, never returning here: init may return and the module go
 * once init is woken.
 */
static int bench_thread(void *done)
{
	bench_run();
	kthread_complete_and_exit(done, 0);
}

static int __init refcache_bench_init(void)
{
	DECLARE_COMPLETION_ONSTACK(done);
	struct task_struct *task;

	if (smoke) {
		count = 2000;
		rounds = 3;
		max_live = 10000;
		lat_ops = 100;
	}
	if (!count || !rounds || rounds > BENCH_ROUNDS_MAX || !max_live ||
	    !lat_ops || lat_ops > BENCH_LAT_OPS_MAX ||
	    max_live > U32_MAX || obj_size < sizeof(u64) ||
	    obj_size > REFCACHE_OBJ_SIZE_MAX) {
		pr_err("refcache_bench: bad count, rounds, max_live, lat_ops or obj_size\n");
		return -EINVAL;
	}
	bench_dir = debugfs_create_dir("refcache_bench", NULL);
	debugfs_create_file("null", 0200, bench_dir, NULL, &bench_null_fops);
	task = kthread_run(bench_thread, &done, "refcache_bench");
	if (IS_ERR(task)) {
		debugfs_remove_recursive(bench_dir);
		return PTR_ERR(task);
	}
	/*
	 * Minutes on a slow machine: TASK_IDLE, so that the hung task
	 * detector does not report insmod waiting.
	 */
	wait_for_completion_state(&done, TASK_IDLE);
	debugfs_create_file("results", 0444, bench_dir, NULL,
			    &bench_results_fops);
	return 0;
}

static void __exit refcache_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(refcache_bench_init);
module_exit(refcache_bench_exit);

MODULE_DESCRIPTION("refcache benchmark: refcache next to bare slab, refcount and a textbook driver");
MODULE_AUTHOR("refcache developers");
MODULE_LICENSE("GPL");
