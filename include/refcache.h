/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache: reference-counted objects on their own kmem_cache slab.
 *
 * In-kernel API. The debugfs front end, the benchmark and the KUnit tests
 * are all clients of exactly these functions.
 *
 * A struct refcache is one id table with its own statistics and its own
 * slab caches, one per size class, named after its owner's name (struct
 * refcache_params). The module's front end owns one table, behind
 * /sys/kernel/debug/refcache/, whose default cache is "refcache_obj" (and
 * "refcache_obj_<size>" for the classes it uses); tests and the benchmark
 * make their own tables, with caches of their own names, so they cannot
 * disturb it or each other.
 *
 * Object life:
 *
 *   refcache_create*()  slab -> table, refcount 1
 *   refcache_get*()     refcount + 1, refused at max_refs (-EOVERFLOW)
 *   refcache_link()     one object takes a counted reference on another
 *   refcache_put*()     refcount - 1; at 0 the object drops its own links,
 *                       leaves the table and returns to the slab
 *   refcache_gc()       frees what only links keep alive (cycles)
 *
 * A refcount is the sum of outside references (create, get, lookup) and
 * links. A put drops an outside reference and is refused with -EBUSY when
 * only links are left: those go with refcache_unlink() or the collector.
 * Gets, puts, links and unlinks may sleep.
 *
 * Gets and puts may also be tracked (refcache_get_tracked(),
 * refcache_put_tracked(); module/tracker.c): a tracker remembers who took
 * a reference, catches a second put through it and names the references
 * left outstanding when their object dies or the table is destroyed.
 *
 * Ids are a slot number with a generation on top (refcache_internal.h):
 * a fresh table hands out 1, 2, 3, ...; a slot used again gets a new
 * generation, so a stale id names nothing. A counter never goes from 0 back
 * to 1: every lookup is a get-unless-zero.
 *
 * Each table takes its objects from slab caches of its own,
 * SLAB_TYPESAFE_BY_RCU: the final put returns an object to the slab at once
 * (no grace period, no callback), and a lookup that races with it finds
 * either the old object, dead, or a new one with another id, never freed
 * memory (struct refcache_obj.state).
 */
#ifndef _REFCACHE_H
#define _REFCACHE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/tracepoint-defs.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

struct refcache;
struct refcache_obj;

/*
 * Ids. The low REFCACHE_SLOT_BITS of an id name a slot of the table, the
 * high bits are that slot's generation (refcache_internal.h). Slots come in
 * chunks of REFCACHE_CHUNK_SLOTS (64 KiB of entries), found through a
 * directory in struct refcache itself.
 */
#define REFCACHE_SLOT_BITS	24
#define REFCACHE_SLOTS		BIT(REFCACHE_SLOT_BITS)
#define REFCACHE_CHUNK_BITS	13
#define REFCACHE_CHUNK_SLOTS	BIT(REFCACHE_CHUNK_BITS)
#define REFCACHE_CHUNKS		(REFCACHE_SLOTS >> REFCACHE_CHUNK_BITS)

/* Upper bound of one create batch (the "create COUNT" limit). */
#define REFCACHE_BATCH_MAX	65536U
/* Largest max_refs: far below refcount_t's saturation point. */
#define REFCACHE_MAX_REFS_LIMIT	BIT(30)
/* Largest payload (struct refcache_params.obj_size, or a create's size). */
#define REFCACHE_OBJ_SIZE_MAX	4096U

/*
 * Size classes, as pymalloc's: a create may ask for a payload of 1..4096
 * bytes (refcache_create_sized()), rounded up to a class, and each class
 * is a SLAB_TYPESAFE_BY_RCU cache of its own, made on first use. Up to 512
 * bytes the classes are 16 bytes apart (16, 32, ..., 512: 32 classes, as
 * pymalloc's); above, four per power of two (640, 768, 896, 1024, 1280,
 * ..., 3584, 4096: 12 classes), so that rounding wastes at most a fifth.
 * Class 0 is the table's default, struct refcache_params.obj_size bytes,
 * whatever that is: what a create without a size makes.
 */
#define REFCACHE_CLASS_DEFAULT	0
#define REFCACHE_CLASSES_SMALL	32
#define REFCACHE_CLASS_SMALL_MAX	512U
#define REFCACHE_NR_CLASSES	(1 + REFCACHE_CLASSES_SMALL + 12)

/**
 * struct refcache_ops - optional hooks, for tests
 * @fail_alloc: return true to make the next object allocation fail as if the
 *	slab were out of memory.
 * @released: called once per object whose final put was an outside put,
 *	after that put and before it leaves the id table (the object is
 *	"dying": refcount 0, still listed). Not called for objects that die
 *	of a dropped link or are collected.
 * @fail_tracker: return true to make the next refcache_get_tracked() fail
 *	with -ENOMEM as if its tracker could not be allocated; consulted
 *	before the allocation, so nothing is allocated or counted then.
 * @weak_cleared: called once per weak link cleared because its target
 *	(@to) is dying, while the target is still in its slot and its memory
 *	not yet returned to the slab; under graph_lock, so it must not call
 *	refcache's functions (refcache_slab_objects() excepted).
 *
 * All but @weak_cleared run in the context of the caller of the refcache
 * function that triggered them, with no refcache lock held; @released may
 * use the get/put/lookup functions.
 */
struct refcache_ops {
	bool (*fail_alloc)(struct refcache *rc);
	void (*released)(struct refcache *rc, u32 id);
	bool (*fail_tracker)(struct refcache *rc);
	void (*weak_cleared)(struct refcache *rc, u32 from, u32 to);
};

/**
 * struct refcache_params - what a table is made with (refcache_init())
 * @name: the name of its default class's slab cache (copied), as
 *	/sys/kernel/slab/ shows it, and the stem of its other classes' caches
 *	("<name>_<size>"); unique among the caches of the system
 * @obj_size: payload bytes per object, 0..REFCACHE_OBJ_SIZE_MAX
 * @max_refs: the highest refcount a get or link may produce,
 *	1..REFCACHE_MAX_REFS_LIMIT (refcache_set_max_refs())
 * @max_objects: most live objects, 0 for no limit
 *	(refcache_set_max_objects())
 * @ops: test hooks, or NULL
 */
struct refcache_params {
	const char *name;
	unsigned int obj_size;
	unsigned int max_refs;
	unsigned int max_objects;
	const struct refcache_ops *ops;
};

/**
 * struct refcache_info - one object as a listing sees it
 * @id: its id
 * @refcount: outside references plus links to it, read with @id (one load)
 * @nr_links: counted links it holds, counted in the same walk that copied
 *	their targets (refcache_next_info())
 * @nr_weak: weak links it holds, counted in the same walk
 */
struct refcache_info {
	u32 id;
	unsigned int refcount;
	unsigned int nr_links;
	unsigned int nr_weak;
};

/**
 * struct refcache_referrer - an object that links to another
 *	(refcache_referrers())
 * @id: its id
 * @links: its counted links to the other
 * @weak: its weak links to the other
 */
struct refcache_referrer {
	u32 id;
	unsigned int links;
	unsigned int weak;
};

/**
 * struct refcache_where - where an object lives, as a listing sees it
 * @id: its id
 * @prev: the id of the dead object whose memory it reuses, 0 if no object
 *	had that memory before; 0 also where @reuse_known is false
 * @reuse_known: whether @prev is recorded: for objects of the size classes
 *	above 0 (struct refcache_obj_tail), not for the default class, whose
 *	objects carry nothing but their header and payload
 * @size: the payload bytes its create asked for
 * @class: its size class (struct refcache.classes)
 * @slab: the number refcache gave its slab (small, from 1; the same while
 *	the slab holds objects of the table), or 0 for an object SLUB took
 *	from KFENCE's pool, which belongs to no slab
 * @slot: its index in the slab, counted from 0 (0 for KFENCE)
 */
struct refcache_where {
	u32 id;
	u32 prev;
	bool reuse_known;
	unsigned int size;
	unsigned int class;
	unsigned int slab;
	unsigned int slot;
};

/**
 * struct refcache_class_stats - one size class's figures
 * @name: its cache's name (valid while the table is)
 * @size: payload bytes per object
 * @stride: bytes per object in a slab, header and SLUB's metadata included
 * @per_slab: objects per slab
 * @objects: live objects
 * @asked: payload bytes their creates asked for
 * @used: slab bytes they occupy, @objects * @stride: the difference to
 *	@asked is the class's internal fragmentation
 */
struct refcache_class_stats {
	const char *name;
	unsigned int size;
	unsigned int stride;
	unsigned int per_slab;
	unsigned long objects;
	unsigned long asked;
	unsigned long used;
};

/**
 * struct refcache_map_slot - one live object in a slab map
 * @id: its id
 * @prev: as struct refcache_where.prev
 * @slot: its index in its slab
 */
struct refcache_map_slot {
	u32 id;
	u32 prev;
	unsigned int slot;
};

/**
 * struct refcache_map_slab - one slab in a slab map
 * @number: as struct refcache_where.slab
 * @class: its size class
 * @used: live objects in it: @slots[@first .. @first + @used - 1] of the
 *	map, by slot
 * @first: see @used
 */
struct refcache_map_slab {
	unsigned int number;
	unsigned int class;
	unsigned int used;
	unsigned long first;
};

/**
 * struct refcache_map - where a table's live objects are, in one snapshot
 * @classes: per class (those whose cache exists), its figures; objects and
 *	asked counted from the snapshot itself
 * @nr_slabs: entries in @slabs
 * @slabs: the slabs that hold live objects, by class, then by number
 * @slots: the live objects, by slab (in the order of @slabs), then by slot
 * @nr_slots: entries in @slots
 * @kfence: per class, live objects in KFENCE's memory (in no slab, not in
 *	@slots)
 * @slabs_of: per class, entries of @slabs
 *
 * Made by refcache_map_build(), freed by refcache_map_free().
 */
struct refcache_map {
	struct refcache_class_stats classes[REFCACHE_NR_CLASSES];
	unsigned long nr_slabs;
	struct refcache_map_slab *slabs;
	struct refcache_map_slot *slots;
	unsigned long nr_slots;
	unsigned long kfence[REFCACHE_NR_CLASSES];
	unsigned long slabs_of[REFCACHE_NR_CLASSES];
};

struct refcache_pcpu;
struct refcache_link;
struct refcache_gc_chunk;

/**
 * enum refcache_gc_phase - where a run of the collector is (gc.c)
 * @REFCACHE_GC_IDLE: no run is deciding anything; gets do not look
 * @REFCACHE_GC_MARK: marking, in slices; a get of an object with the graph
 *	flag shades it (marks it, for the collector to trace)
 * @REFCACHE_GC_FINAL: the last marks are being drawn; a get of a candidate
 *	not marked waits on gc_wait, one of a marked object goes on
 * @REFCACHE_GC_KILL: a candidate not marked is garbage: gets and links of
 *	it fail with -ENOENT while the collector sets its count to 0
 * @REFCACHE_GC_PHASE: the bits of the phase
 * @REFCACHE_GC_ODD: the run uses the second of the two mark bitmaps
 */
enum refcache_gc_phase {
	REFCACHE_GC_IDLE = 0,
	REFCACHE_GC_MARK = 1,
	REFCACHE_GC_FINAL = 2,
	REFCACHE_GC_KILL = 3,
	REFCACHE_GC_PHASE = 3,
	REFCACHE_GC_ODD = 4,
};

struct kmem_cache;

/**
 * struct refcache_class - one size class of a table: its slab cache
 * @rc: the table. Constant.
 * @index: the class's index in refcache.classes (0: the default), kept so
 *	that a final put tells the classes apart without loading the table.
 *	Constant.
 * @cache: NULL until the first create of the class makes it (class 0's is
 *	made by refcache_init()); then set once, with release, under
 *	refcache.class_lock, and read with acquire (or under the lock). It
 *	lives until the table is destroyed.
 * @name: the cache's name: the table's, with "_<size>" for classes above 0
 *	(kmalloc'ed), as /sys/kernel/slab/ shows it
 * @size: payload bytes of each object of the class. Constant.
 * @stride: bytes from one object to the next in a slab, header and SLUB's
 *	own metadata included. This and the next two are learnt by watching
 *	where a fresh cache puts a slab's worth of objects (class.c), before
 *	@cache is published; constant after.
 * @offset: where the first object of a slab starts (SLUB's left red zone)
 * @per_slab: objects per slab
 * @objects: live objects of the class, for classes above 0 (class 0 is the
 *	rest of the table); atomic
 * @asked: the payload bytes their creates asked for; atomic
 */
struct refcache_class {
	struct refcache *rc;
	unsigned int index;
	struct kmem_cache *cache;
	const char *name;
	unsigned int size;
	unsigned int stride;
	unsigned int offset;
	unsigned int per_slab;
	atomic_long_t objects;
	atomic_long_t asked;
};

/**
 * struct refcache_obj - one counted object
 * @state: the id (high 32 bits), REFCACHE_STATE_GRAPH (bit 31) and the
 *	reference count (bits 0-30) in one atomic word, so that a single
 *	compare-and-exchange both checks which object this is and changes
 *	its count: the memory of a dead object may be reused at once for
 *	another (the cache is SLAB_TYPESAFE_BY_RCU), and a reader that found
 *	it a moment ago must not count on the wrong one. The count is
 *	outside references plus @links_in (plus a graph operation's pins);
 *	it never moves away from 0 and never exceeds max_refs plus two pins
 *	(far below 2^30), so it cannot carry into the flag or the id. The id
 *	is written only while the count is 0, together with the count 1 of a
 *	new object (release), and read with the count (acquire). The flag is
 *	graph.c's: set while links point here or a graph operation pins the
 *	object, so that gets and puts decide on their fast path with the
 *	compare-and-exchange they do anyway.
 * @links_in: links that point here. Under rc->graph_lock; an object with
 *	any has REFCACHE_STATE_GRAPH set, which is what code without the
 *	lock looks at.
 * @gc_next: the slot of the next object on a work list of the collector or
 *	of a cascading release (0 ends it); under rc->graph_lock.
 * @cls: its size class (struct refcache.classes), and through it the table
 *	it lives in; set by the creator. While the object is free, SLUB may
 *	keep its free pointer here (6.12 does for the default class, as
 *	refcache_cache_create() asks; 6.1 keeps it after the object, as both
 *	do for the other classes, whose caches have a constructor), so only
 *	the creator, holders of a reference and the owner of the release read
 *	it, never a reader that found the object under RCU alone.
 * @links: outgoing links, newest first (struct refcache_link.next). An RCU
 *	list: writers hold rc->graph_lock, readers rcu_read_lock(). A new
 *	object starts with none; once the count is 0 it is only taken apart.
 * @payload: its class's bytes (struct refcache_class.size), a pattern
 *	derived from the id; in the classes above 0 a struct
 *	refcache_obj_tail follows.
 *
 * 32 bytes in front of the payload: an object of the default class is
 * nothing else.
 */
struct refcache_obj {
	atomic64_t state;
	unsigned int links_in;
	u32 gc_next;
	struct refcache_class *cls;
	struct refcache_link __rcu *links;
	u8 payload[];
};

/* The header the README's memory figures count on. */
static_assert(sizeof(struct refcache_obj) == 32);

/**
 * struct refcache_obj_tail - what an object of a size class above 0 adds
 *	after its payload
 * @prev: the id of the object that had this memory before, 0 if none had:
 *	the creator reads it from the state word it is about to overwrite (a
 *	dead object's id stays there, and these caches' constructor zeroes
 *	the state of memory fresh from the page allocator, class.c)
 * @size: the payload bytes the create asked for
 *
 * Set by the creator before the object is published, then constant; read
 * under RCU alone by slabmap.c (marked accesses). 8 bytes, which only
 * objects created with a size pay.
 */
struct refcache_obj_tail {
	u32 prev;
	u32 size;
};

/**
 * struct refcache_counts - a table's counts of outside gets and puts, per CPU
 * @gets: outside gets (incl. lookups)
 * @puts: outside puts
 *
 * Changed only on their own CPU with preemption off (__this_cpu_inc()
 * inside an RCU-sched read section, or refcache_count_add() in core.c),
 * read by any with READ_ONCE().
 */
struct refcache_counts {
	unsigned long gets;
	unsigned long puts;
};

/**
 * struct refcache - one id table of objects
 * @cache: the cache of the default class, @classes[0].cache, here for the
 *	fast paths. Set at init, never changed.
 * @table_lock: protects @end, @free_head, @free_tail, @nr_free and the
 *	tagged entries of the shared free list; a spinlock, taken only to move
 *	a batch of free slots between it and a CPU (struct refcache_pcpu).
 * @end: slots below this have been handed out at least once; grows.
 * @free_head: oldest slot on the shared free list (0: none)
 * @free_tail: newest slot on it
 * @nr_free: slots on it
 * @nr_chunks: chunks allocated; under @table_lock, read with READ_ONCE()
 * @pcpu: per-CPU free slots and counters
 * @counts: the gets and puts of @pcpu, for the inline fast paths below
 * @obj_size: payload bytes per object; set at init, never changed.
 * @max_refs: a get or link that would take an object's refcount above this
 *	fails with -EOVERFLOW. Read locklessly; changed with WRITE_ONCE()
 *	(refcache_set_max_refs()).
 * @max_objects: a create that would take the objects in the table above
 *	this fails with -ENOMEM (0: no limit). Under @limit_lock; read with
 *	READ_ONCE() for the statistics. Enforced through @budget.
 * @limit_lock: serialises changes of @max_objects and of @limit_tight, and
 *	the draining of the CPUs' credits (count.c).
 * @limit_tight: the table is near its limit: every create and free goes
 *	through @budget, no CPU holds credits. Set under @limit_lock, then a
 *	grace period before the credits are drained; cleared under it. Read
 *	locklessly by creates and frees, inside their per-CPU lock.
 * @tracking: a tracked get (refcache_get_tracked(), tracker.c) was made
 *	on the table, so a dying object's trackers must be looked for. Set
 *	once, never cleared but by refcache_destroy(): written with
 *	WRITE_ONCE() under @tracker_index's lock, then smp_mb() before the
 *	get; read locklessly by every release, beside @limit_tight, which
 *	that release reads anyway.
 * @budget: creates the limit still allows, less the credits the CPUs hold
 *	(struct refcache_pcpu.credit): @max_objects (or, with no limit,
 *	REFCACHE_UNLIMITED) = @budget + credits + objects. Never below 0 but
 *	after a lowered limit.
 * @live: the part of the live count the CPUs have folded in; with their
 *	own parts (struct refcache_pcpu.live, never negative) it is the
 *	number of objects. A CPU's own part plus @live is thus a lower bound
 *	of that number, which is what the peak is made of (count.c).
 * @graph_lock: serialises every change to the object graph: adding and
 *	removing links (each object's link list and links_in, @nr_links), the
 *	release of an object that has links, and the collector.
 * @pinned: the objects a graph operation holds with a pin (graph.c);
 *	written under @graph_lock, read locklessly by outside puts of objects
 *	with the graph flag.
 * @gc_phase: where the collector is (enum refcache_gc_phase, in the low
 *	bits) and which of the two mark bitmaps the run uses
 *	(REFCACHE_GC_ODD); one byte, so that a reader gets both at once.
 *	Written under @graph_lock (store-release), read locklessly inside RCU
 *	read sections (load-acquire) by gets of objects with the graph flag,
 *	which take gc.c's slow path while it is not REFCACHE_GC_IDLE.
 * @gc_dirty: something that can make garbage happened since the start of
 *	the last run that collected: an outside put of an object with the
 *	graph flag, an unlink, the release of an object with links, an
 *	unfreeze. A run finds it clear and skips. Cleared by the collector
 *	under @graph_lock, then smp_mb(); set by puts after their decrement
 *	and smp_mb__after_atomic() (gc.c), by the others under @graph_lock.
 * @gc_wait: where gets of objects the collector may be about to free wait
 *	(REFCACHE_GC_FINAL)
 * @gc_run_lock: serialises runs of the collector; taken before
 *	@graph_lock, which a run drops between its slices.
 * @gc_chunks: per chunk of the id table, the collector's bitmaps of its
 *	slots (struct refcache_gc_chunk, gc.c), or NULL where no object ever
 *	had a link; the array itself is allocated at the first link. Both are
 *	allocated under @graph_lock and published with release, read with
 *	acquire, and freed only with the table.
 * @gc_nr_chunks: bitmaps allocated in @gc_chunks; under @graph_lock.
 * @gc_gray_chunks: chunks whose gray bitmap may have bits set (atomic
 *	bitops by anyone who shades an object; cleared by the collector).
 * @gc_gray_any: some bit of @gc_gray_chunks may be set (set after it,
 *	cleared by the collector with xchg() before it looks).
 * @nr_members: objects with links in or out (the collector's candidates);
 *	under @graph_lock.
 * @gc_frozen: per chunk, the frozen bits of its slots (refcache_gc_freeze()),
 *	for every chunk of @gc_chunks once anything was frozen; NULL before.
 *	Under @graph_lock, freed with the table.
 * @nr_frozen: objects frozen; under @graph_lock.
 * @nr_links: links in the table; under @graph_lock, read with READ_ONCE().
 * @gc_runs: collections run (dry runs included); under @graph_lock.
 * @gc_collected: objects collected, in all runs; under @graph_lock.
 * @gc_last_ns: duration of the last run, in ns; under @graph_lock.
 * @gc_last_pause_ns: the longest the last run made anyone wait: its
 *	longest slice under @graph_lock, or its REFCACHE_GC_FINAL window, for
 *	gets of objects it had not marked; under @graph_lock.
 * @gc_last_objects: objects the last run looked at (its candidates);
 *	under @graph_lock.
 * @gc_last_links: links the last run followed while it marked; under
 *	@graph_lock.
 * @gc_last_collected: objects the last run freed (or, dry, would have);
 *	under @graph_lock.
 * @gc_last_bytes: memory the last run used: the bitmaps of the chunks with
 *	candidates, and its mark stack; under @graph_lock.
 * @gc_threshold: run the collector from a work item after this many
 *	creations and links since the last run (0: never). Read locklessly.
 * @gc_pending: creations and links since the last run, for @gc_threshold.
 * @gc_work: the automatic collection.
 * @class_lock: serialises the making of the caches of @classes.
 * @classes: the size classes; each cache's memory only ever holds this
 *	table's objects of that class.
 * @map_lock: protects @slab_ids and @slab_numbers, the numbers slabs are
 *	shown with (slabmap.c).
 * @slab_ids: each slab that has been shown, by page frame, to its number
 *	and class; an entry goes when a full map finds its slab empty.
 * @slab_numbers: the numbers in use.
 * @tracker_index: the outstanding trackers (tracker.c), by object id, each
 *	id to its list of them. Its xa_lock is the lock of everything the
 *	trackers have: this index and those lists, every tracker's state,
 *	@tracker_quarantine, @tracker_orphans and the four counters below.
 * @tracker_quarantine: trackers whose put was made, oldest first, kept to
 *	catch a second put through them; at most
 *	REFCACHE_TRACKER_QUARANTINE. Under @tracker_index's lock.
 * @tracker_orphans: trackers whose object died while they were
 *	outstanding, waiting for the put through them (or the table's
 *	destruction) to free them. Under @tracker_index's lock.
 * @tracker_nr_quarantined: trackers in @tracker_quarantine. Under
 *	@tracker_index's lock.
 * @nr_trackers: trackers outstanding: their get made, their put not yet.
 *	Under @tracker_index's lock, read with READ_ONCE() for the statistics.
 * @tracker_double_puts: puts through a tracker whose put was already made.
 *	As @nr_trackers.
 * @tracker_leaks: trackers still outstanding when their object died or
 *	the table was destroyed. As @nr_trackers.
 * @ops: optional hooks, NULL in production.
 * @nr_weak: weak links in the table; under @graph_lock, read with
 *	READ_ONCE() by releases (beside @ops, which they read too): while it
 *	is 0 no release looks for weak links to clear.
 * @weak_cleared: weak links cleared because their target died; under
 *	@graph_lock.
 * @link_heads: per chunk of the id table, an hlist head per slot: the
 *	links (counted and weak) that point at the slot's object
 *	(struct refcache_link.in); NULL where no link ever pointed into the
 *	chunk, and the array itself NULL before the first link. Allocated
 *	under @graph_lock before a link is made, freed with the table;
 *	heads are changed under @graph_lock and read under it, but for the
 *	lockless look of refcache_weak_release().
 * @priv: for the owner of the table.
 * @dir: the id table's directory: pointers to chunks of
 *	REFCACHE_CHUNK_SLOTS slot entries (table.c), here rather than
 *	allocated so that a lookup has one load less to wait for. A chunk is
 *	installed (with release) before @end passes into it and stays until
 *	the table is destroyed; entries are read under RCU, written as
 *	table.c says.
 */
struct refcache {
	struct kmem_cache *cache;
	spinlock_t table_lock; /* the shared free list and @end: see above */
	u32 end;
	u32 free_head;
	u32 free_tail;
	u32 nr_free;
	u32 nr_chunks;
	struct refcache_pcpu __percpu *pcpu;
	struct refcache_counts __percpu *counts;
	unsigned int obj_size;
	unsigned int max_refs;
	unsigned int max_objects; /* under limit_lock */
	/* Next to @pcpu: every create and free reads both. */
	bool limit_tight;
	/* Beside @limit_tight: every release reads both. */
	bool tracking;
	struct mutex limit_lock; /* max_objects, limit_tight, draining credits */
	atomic_long_t budget;
	atomic_long_t live;
	struct mutex graph_lock; /* the object graph: see above */
	struct refcache_obj *pinned[2];
	u8 gc_phase;
	bool gc_dirty;
	wait_queue_head_t gc_wait;
	struct mutex gc_run_lock; /* one run at a time */
	struct refcache_gc_chunk **gc_chunks;
	unsigned int gc_nr_chunks;
	bool gc_gray_any;
	unsigned long gc_gray_chunks[BITS_TO_LONGS(REFCACHE_CHUNKS)];
	unsigned long nr_members;
	unsigned long **gc_frozen;
	unsigned long nr_frozen;
	unsigned long nr_links;
	unsigned long gc_runs;
	unsigned long gc_collected;
	u64 gc_last_ns;
	u64 gc_last_pause_ns;
	unsigned long gc_last_objects;
	unsigned long gc_last_links;
	long gc_last_collected;
	unsigned long gc_last_bytes;
	unsigned int gc_threshold;
	atomic_t gc_pending;
	struct work_struct gc_work;
	struct mutex class_lock; /* making the caches of classes[] */
	struct refcache_class classes[REFCACHE_NR_CLASSES];
	struct mutex map_lock; /* slab_ids, slab_numbers */
	struct xarray slab_ids;
	struct ida slab_numbers;
	struct xarray tracker_index; /* its xa_lock: all the trackers' state */
	struct list_head tracker_quarantine;
	struct list_head tracker_orphans;
	unsigned int tracker_nr_quarantined;
	unsigned long nr_trackers;
	unsigned long tracker_double_puts;
	unsigned long tracker_leaks;
	const struct refcache_ops *ops;
	unsigned long nr_weak;
	unsigned long weak_cleared;
	struct hlist_head **link_heads;
	void *priv;
	unsigned long *dir[REFCACHE_CHUNKS];
};

/* A consistent-enough snapshot of a table's counters (see refcache_stats()). */
struct refcache_stats {
	long live;
	long peak_live;
	unsigned long created;
	unsigned long freed;
	unsigned long gets;
	unsigned long puts;
	unsigned long alloc_failures;
	unsigned long canary_failures;
	unsigned long links;
	unsigned long gc_runs;
	unsigned long gc_collected;
	u64 gc_last_ns;
	u64 gc_last_pause_ns;
	unsigned long gc_last_objects;
	unsigned long gc_last_links;
	long gc_last_collected;
	unsigned long gc_last_bytes;
	unsigned long gc_candidates;
	unsigned long gc_frozen;
	unsigned int obj_size;
	unsigned int slab_object_size;
	unsigned int max_refs;
	unsigned int max_objects;
	unsigned long id_table_bytes;
	/* Tracked references (tracker.c): outstanding, double puts, leaks. */
	unsigned long trackers;
	unsigned long tracker_double_puts;
	unsigned long tracker_leaks;
	/* Weak links: now, and cleared since their targets died. */
	unsigned long weak_links;
	unsigned long weak_cleared;
};

int __must_check refcache_init(struct refcache *rc,
			       const struct refcache_params *params);
unsigned long refcache_destroy(struct refcache *rc);

int refcache_set_max_refs(struct refcache *rc, unsigned int max_refs);
void refcache_set_max_objects(struct refcache *rc, unsigned int max_objects);
void refcache_set_gc_threshold(struct refcache *rc, unsigned int threshold);
long refcache_gc_freeze(struct refcache *rc);
long refcache_gc_unfreeze(struct refcache *rc);

struct refcache_obj *refcache_create(struct refcache *rc);
int __must_check refcache_create_batch(struct refcache *rc, unsigned int count,
				       u32 *ids);
int __must_check refcache_create_sized(struct refcache *rc, unsigned int count,
				       const unsigned int *sizes, u32 *ids);
unsigned int refcache_size_class(unsigned int size);
void refcache_shrink(struct refcache *rc);

struct refcache_obj *__must_check refcache_lookup(struct refcache *rc, u32 id);
int __must_check refcache_get(struct refcache_obj *obj);
int __must_check refcache_put(struct refcache_obj *obj);
int __must_check __refcache_get_id(struct refcache *rc, u32 id);
int __must_check __refcache_put_id(struct refcache *rc, u32 id);

int __must_check refcache_link(struct refcache *rc, u32 from, u32 to);
int __must_check refcache_unlink(struct refcache *rc, u32 from, u32 to);
int __must_check refcache_link_weak(struct refcache *rc, u32 from, u32 to);
int __must_check refcache_unlink_weak(struct refcache *rc, u32 from, u32 to);
int __must_check refcache_follow(struct refcache *rc, u32 from, u32 to);
long refcache_referrers(struct refcache *rc, u32 id,
			struct refcache_referrer *out, unsigned int max);
long refcache_gc(struct refcache *rc, bool dry_run);
unsigned int refcache_obj_links(const struct refcache_obj *obj, u32 *ids,
				unsigned int max);
unsigned int refcache_obj_weak_links(const struct refcache_obj *obj, u32 *ids,
				     unsigned int max);

struct refcache_obj *refcache_find_next(struct refcache *rc, u32 *pos);
int refcache_next_info(struct refcache *rc, u32 *pos,
		       struct refcache_info *info, u32 *targets,
		       unsigned int max);
int refcache_next_outside(struct refcache *rc, u32 *pos, u32 *id,
			  unsigned int *refs);

u32 refcache_obj_id(const struct refcache_obj *obj);
unsigned int refcache_obj_refcount(const struct refcache_obj *obj);
void *refcache_obj_payload(struct refcache_obj *obj);
unsigned int refcache_obj_size(const struct refcache *rc);
unsigned int refcache_obj_payload_size(const struct refcache_obj *obj);
bool refcache_class_stats(struct refcache *rc, unsigned int class,
			  struct refcache_class_stats *cs);

int refcache_next_where(struct refcache *rc, u32 *pos,
			struct refcache_where *where);
int refcache_obj_where(struct refcache *rc, struct refcache_obj *obj,
		       struct refcache_where *where);
struct refcache_map *refcache_map_build(struct refcache *rc);
void refcache_map_free(struct refcache_map *map);

void refcache_stats(struct refcache *rc, struct refcache_stats *st);
long refcache_slab_objects(void);
void refcache_quiesce(void);

/*
 * Tracked references, as lib/ref_tracker.c offers them (module/tracker.c):
 * a get that hands out a tracker, remembering the stack that took the
 * reference, and a put through that tracker, which catches a second put
 * through it and tells which stacks did the first. A tracker still
 * outstanding when its object dies, or when the table is destroyed, is
 * reported with the stack of its get. Untracked gets and puts are
 * unchanged and may be mixed with tracked ones on the same object.
 */
struct refcache_tracker;

/* Released trackers a table keeps to catch double puts (the quarantine). */
#define REFCACHE_TRACKER_QUARANTINE	32

/**
 * refcache_get_tracked() - take a reference on object @id, with a tracker
 * @rc: the table
 * @id: the object's id
 * @trackerp: receives the tracker that stands for the reference, on success
 * @gfp: for the tracker and the record of the caller's stack; __GFP_NOWARN
 *	is added
 *
 * The reference is the one refcache_get_id() takes, counted as one; the
 * tracker is what refcache_put_tracked() must be given to drop it, and
 * belongs to the caller until then. Any caller that may call
 * refcache_get_id() on @id may call this, and it may be mixed with
 * untracked gets and puts of the same object. @rc's struct refcache_ops
 * fail_tracker hook, if set, is asked first.
 *
 * On failure nothing is left behind: no tracker, the count unchanged,
 * *@trackerp untouched.
 *
 * Context: process context, no refcache lock held; may sleep (the get may
 * wait for the collector, the table's first tracked get sets up the stack
 * depot), whatever @gfp says.
 *
 * Return: the new refcount; -ENOMEM if the tracker (or its entry in the
 * table's index) could not be allocated; -ENOENT or -EOVERFLOW as
 * refcache_get_id().
 */
int __must_check refcache_get_tracked(struct refcache *rc, u32 id,
				      struct refcache_tracker **trackerp,
				      gfp_t gfp);

/**
 * refcache_put_tracked() - drop the reference a tracker stands for
 * @rc: the table the tracker's get was made on
 * @tracker: from refcache_get_tracked() on @rc
 *
 * Drops the reference as refcache_put_id() does (the final put releases
 * the object before this returns) and retires @tracker into the table's
 * quarantine, with the stack of this put: the last
 * REFCACHE_TRACKER_QUARANTINE retired trackers are kept, so that a second
 * put through one of them is caught. Only the holder of @tracker may call
 * this, once; @tracker must not be used after a put that returned 0 or
 * more, or -ENOENT: once it leaves the quarantine its memory is gone.
 *
 * Context: process context, no refcache lock held; may sleep, as
 * refcache_put_id().
 *
 * Return:
 * * the refcount after the put, 0 or more (0: the object was released);
 * * -EBUSY (or any other error of refcache_put_id()): the put was refused;
 *   the tracker is still outstanding, and the caller still holds it.
 * * -EINVAL: a put through @tracker was already made: reported with the
 *   object's id and the stacks of the get, of that first put and of this
 *   one; no count is touched and the tracker stays in the quarantine.
 * * -ENOENT: the object died while @tracker was outstanding (an untracked
 *   put, say, dropped the reference it stood for), which its release
 *   reported; no count is touched and @tracker is freed.
 */
int refcache_put_tracked(struct refcache *rc, struct refcache_tracker *tracker);

/**
 * refcache_tracker_objects() - trackers of all tables not yet freed
 *
 * Counted by refcache at each tracker's allocation and free, for tests, as
 * refcache_slab_objects() is: outstanding trackers, those in quarantines
 * and those whose object died, over all tables. Any context.
 *
 * Return: trackers allocated and not yet freed.
 */
long refcache_tracker_objects(void);

/*
 * The fast paths of refcache_get_id() and refcache_put_id(), inline for
 * in-kernel callers, and what they need: the state word, the slot lookup,
 * the get-unless-zero. They handle the common case (a live object, not at
 * max_refs; for a put, not the final one and with no links pointing at
 * it; no tracepoint enabled) and leave everything else to the exported
 * __refcache_get_id() and __refcache_put_id(), which do the whole job and
 * may sleep. The module uses the same helpers (refcache_internal.h).
 */
/* The object's state word (struct refcache_obj.state): id, graph flag, count. */
#define REFCACHE_STATE_GRAPH	BIT_ULL(31)
#define REFCACHE_STATE_COUNT	(REFCACHE_STATE_GRAPH - 1)

static inline s64 refcache_state(u32 id, unsigned int count)
{
	return (s64)((u64)id << 32 | count);
}

static inline u32 refcache_state_id(s64 state)
{
	return (u64)state >> 32;
}

static inline unsigned int refcache_state_count(s64 state)
{
	return state & REFCACHE_STATE_COUNT;
}

/* Links point at the object, or a graph operation pins it (graph.c). */
static inline bool refcache_state_graph(s64 state)
{
	return state & REFCACHE_STATE_GRAPH;
}

/**
 * refcache_table_at() - the object in a slot
 * @rc: the table
 * @slot: any slot number below REFCACHE_SLOTS
 *
 * Call under RCU. The object may be dead, or already another one; only its
 * state word says which. Inline: it is most of every lookup.
 *
 * Return: the object, or NULL if the slot holds none.
 */
static inline struct refcache_obj *refcache_table_at(struct refcache *rc,
						     u32 slot)
{
	unsigned long *chunk = READ_ONCE(rc->dir[slot >> REFCACHE_CHUNK_BITS]);
	unsigned long v;

	if (!chunk)
		return NULL;
	v = READ_ONCE(chunk[slot & (REFCACHE_CHUNK_SLOTS - 1)]);
	return v & 1 ? NULL : (struct refcache_obj *)v;
}

/**
 * __refcache_ref_get() - get unless zero, if @obj is still object @id
 * @obj: what the caller found, under RCU or holding a reference
 * @id: the object the caller wants
 * @max: refuse to go above this
 * @gc_phase: NULL, or the collector's phase (struct refcache.gc_phase):
 *	while a run is on, the get of an object with REFCACHE_STATE_GRAPH
 *	is refused, for gc.c's slow path to take; read only for such objects
 *
 * refcount_t offers get-unless-zero but no upper bound below its
 * saturation point, and knows nothing of ids, so this is the same
 * compare-and-exchange loop as __refcount_add_not_zero() on the state word,
 * with those additions; the flag goes through unchanged. Every bound is at
 * most REFCACHE_MAX_REFS_LIMIT plus two pins, so a count never saturates
 * or wraps. Acquire ordering, so that the caller sees the object as its
 * creator made it. Inline: it is the heart of every get.
 *
 * Return: the new count, -ENOENT (dead, or another object now),
 * -EOVERFLOW, or -EAGAIN (@gc_phase).
 */
static __always_inline int __refcache_ref_get(struct refcache_obj *obj, u32 id,
					      unsigned int max,
					      const u8 *gc_phase)
{
	s64 old = atomic64_read(&obj->state);
	unsigned int count;

	do {
		count = refcache_state_count(old);
		if (refcache_state_id(old) != id || !count)
			return -ENOENT;
		if (count >= max)
			return -EOVERFLOW;
		if (gc_phase && unlikely(refcache_state_graph(old)) &&
		    (READ_ONCE(*gc_phase) & REFCACHE_GC_PHASE))
			return -EAGAIN;
	} while (!atomic64_try_cmpxchg_acquire(&obj->state, &old, old + 1));
	return count + 1;
}

/*
 * Whether a put may take one of the @count references of @obj, which has
 * the graph flag, for an outside one: links and pins hold fewer. Read
 * after the count: graph.c raises links_in and the pins before it raises
 * the count and lowers them after it lowered it, so the answer can only
 * err towards no, and only while a graph operation on @obj is in flight.
 */
static __always_inline bool refcache_graph_put_ok(struct refcache *rc,
						  struct refcache_obj *obj,
						  unsigned int count)
{
	/* Pairs with the barriers around links_in in graph.c. */
	smp_rmb();
	return count > READ_ONCE(obj->links_in) &&
	       READ_ONCE(rc->pinned[0]) != obj && READ_ONCE(rc->pinned[1]) != obj;
}

/* After an outside put of an object with the graph flag: gc.c, gc_dirty. */
static __always_inline void refcache_graph_put_done(struct refcache *rc)
{
	/* The decrement before the flag's load: gc.c, "Skipping". */
	smp_mb__after_atomic();
	if (!READ_ONCE(rc->gc_dirty))
		WRITE_ONCE(rc->gc_dirty, true);
}

/*
 * A put of an outside reference of object @id that is not its last and,
 * if it has the graph flag, that links and pins do not own (then only
 * with @rc, its table): the new count, or 0 if the put is not that simple
 * (then __refcache_put_id() decides). Release ordering, as refcount_dec().
 */
static __always_inline int __refcache_ref_put_not_last(struct refcache_obj *obj,
						       u32 id,
						       struct refcache *rc)
{
	s64 old = atomic64_read(&obj->state);
	unsigned int count;

	do {
		count = refcache_state_count(old);
		if (refcache_state_id(old) != id || count <= 1)
			return 0;
		if (unlikely(refcache_state_graph(old)) &&
		    (!rc || !refcache_graph_put_ok(rc, obj, count)))
			return 0;
	} while (!atomic64_try_cmpxchg_release(&obj->state, &old, old - 1));
	if (unlikely(refcache_state_graph(old)))
		refcache_graph_put_done(rc);
	return count - 1;
}

/*
 * Look up object @id and get a reference on it unless a run of the
 * collector is on and the object has the graph flag (-EAGAIN then, for
 * gc.c's slow path: objects nothing links to never take it);
 * counts the get. *@objp is what the slot held. The fast path of
 * refcache_get_id(), and the first step of __refcache_get_id().
 */
static __always_inline int __refcache_get_slot(struct refcache *rc, u32 id,
					       struct refcache_obj **objp)
{
	struct refcache_obj *obj;
	int ret = -ENOENT;

	rcu_read_lock_sched();
	obj = refcache_table_at(rc, id & (REFCACHE_SLOTS - 1));
	if (likely(obj))
		ret = __refcache_ref_get(obj, id, READ_ONCE(rc->max_refs),
					 &rc->gc_phase);
	if (likely(ret > 0))
		__this_cpu_inc(rc->counts->gets);
	rcu_read_unlock_sched();
	*objp = obj;
	return ret;
}

DECLARE_TRACEPOINT(refcache_get);
DECLARE_TRACEPOINT(refcache_put);

/**
 * refcache_get_id() - take a reference on the live object @id
 * @rc: the table
 * @id: its id
 *
 * Inline for the common case; may sleep (waiting for the collector, for an
 * object that links point at).
 *
 * Return: the new refcount, -ENOENT or -EOVERFLOW.
 */
static __always_inline int __must_check refcache_get_id(struct refcache *rc,
							u32 id)
{
	struct refcache_obj *obj;
	int ret;

	if (tracepoint_enabled(refcache_get))
		return __refcache_get_id(rc, id);
	ret = __refcache_get_slot(rc, id, &obj);
	return likely(ret > 0) ? ret : __refcache_get_id(rc, id);
}

/**
 * refcache_put_id() - drop a reference on the live object @id
 * @rc: the table
 * @id: its id
 *
 * Inline for the common case; the final put releases the object (and what
 * dies with it) before this returns.
 *
 * Return: the refcount after the put (0: released), -ENOENT, or -EBUSY
 * when links hold every reference left.
 */
static __always_inline int __must_check refcache_put_id(struct refcache *rc,
							u32 id)
{
	struct refcache_obj *obj;
	int ret = 0;

	if (tracepoint_enabled(refcache_put))
		return __refcache_put_id(rc, id);
	rcu_read_lock_sched();
	obj = refcache_table_at(rc, id & (REFCACHE_SLOTS - 1));
	if (likely(obj))
		ret = __refcache_ref_put_not_last(obj, id, rc);
	if (likely(ret > 0))
		__this_cpu_inc(rc->counts->puts);
	rcu_read_unlock_sched();
	return likely(ret > 0) ? ret : __refcache_put_id(rc, id);
}

#endif /* _REFCACHE_H */
