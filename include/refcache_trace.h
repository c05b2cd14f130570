/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refcache tracepoints: /sys/kernel/tracing/events/refcache/.
 *
 * Every event carries object ids and counts, never a kernel address, so an
 * object's refcount can be followed over time with trace-cmd, perf trace or
 * bpftrace, e.g.
 *
 *   trace-cmd record -e refcache -f 'id == 42'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM refcache

#if !defined(_REFCACHE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _REFCACHE_TRACE_H

#include <linux/sched.h>
#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(refcache_ref,
		    TP_PROTO(u32 id, int refcount),
		    TP_ARGS(id, refcount),
		    TP_STRUCT__entry(__field(u32, id)
				     __field(int, refcount)),
		    TP_fast_assign(__entry->id = id;
				   __entry->refcount = refcount;),
		    TP_printk("id=%u refcount=%d", __entry->id, __entry->refcount)
);

/* An object was published with its first reference. */
DEFINE_EVENT(refcache_ref, refcache_create,
	     TP_PROTO(u32 id, int refcount),
	     TP_ARGS(id, refcount)
);

/* An outside reference was taken; refcount is the count after. */
DEFINE_EVENT(refcache_ref, refcache_get,
	     TP_PROTO(u32 id, int refcount),
	     TP_ARGS(id, refcount)
);

/* An outside reference was dropped; refcount is the count after. */
DEFINE_EVENT(refcache_ref, refcache_put,
	     TP_PROTO(u32 id, int refcount),
	     TP_ARGS(id, refcount)
);

/*
 * The final put's owner is retiring the object: it fires before the canary
 * check and before the slot is emptied, and the object returns to the slab
 * right after (no grace period: the cache is SLAB_TYPESAFE_BY_RCU).
 */
DEFINE_EVENT(refcache_ref, refcache_release,
	     TP_PROTO(u32 id, int refcount),
	     TP_ARGS(id, refcount)
);

DECLARE_EVENT_CLASS(refcache_edge,
		    TP_PROTO(u32 from, u32 to, int refcount),
		    TP_ARGS(from, to, refcount),
		    TP_STRUCT__entry(__field(u32, from)
				     __field(u32, to)
				     __field(int, refcount)),
		    TP_fast_assign(__entry->from = from;
				   __entry->to = to;
				   __entry->refcount = refcount;),
		    TP_printk("from=%u to=%u refcount=%d",
			      __entry->from, __entry->to, __entry->refcount)
);

/* @from took a reference on @to; refcount is @to's count after. */
DEFINE_EVENT(refcache_edge, refcache_link,
	     TP_PROTO(u32 from, u32 to, int refcount),
	     TP_ARGS(from, to, refcount)
);

/* @from dropped a link to @to; refcount is @to's count after. */
DEFINE_EVENT(refcache_edge, refcache_unlink,
	     TP_PROTO(u32 from, u32 to, int refcount),
	     TP_ARGS(from, to, refcount)
);

/*
 * Where a new object landed (refcache_create fired just before): the slab
 * (refcache's number for it, 0 for KFENCE's memory) and the slot in it, and
 * prev, the id of the dead object whose memory it reuses (0: fresh
 * memory; -1 for the default class, which does not record it). size is
 * what the create asked for, class_size its class's payload. Fired only
 * while enabled, with what it costs then (the slab's number is looked up,
 * or given, under a mutex).
 */
TRACE_EVENT(refcache_place,
	    TP_PROTO(u32 id, unsigned int size, unsigned int class_size,
		     unsigned int slab, unsigned int slot, s64 prev),
	    TP_ARGS(id, size, class_size, slab, slot, prev),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(unsigned int, size)
			     __field(unsigned int, class_size)
			     __field(unsigned int, slab)
			     __field(unsigned int, slot)
			     __field(s64, prev)),
	    TP_fast_assign(__entry->id = id;
			   __entry->size = size;
			   __entry->class_size = class_size;
			   __entry->slab = slab;
			   __entry->slot = slot;
			   __entry->prev = prev;),
	    TP_printk("id=%u size=%u class_size=%u slab=%u slot=%u prev=%lld",
		      __entry->id, __entry->size, __entry->class_size,
		      __entry->slab, __entry->slot, __entry->prev)
);

/* A collector run. */
TRACE_EVENT(refcache_gc,
	    TP_PROTO(long collected, bool dry_run, u64 duration_ns, u64 pause_ns,
		     unsigned long objects, unsigned long links,
		     unsigned long bytes),
	    TP_ARGS(collected, dry_run, duration_ns, pause_ns, objects, links,
		    bytes),
	    TP_STRUCT__entry(__field(long, collected)
			     __field(bool, dry_run)
			     __field(u64, duration_ns)
			     __field(u64, pause_ns)
			     __field(unsigned long, objects)
			     __field(unsigned long, links)
			     __field(unsigned long, bytes)),
	    TP_fast_assign(__entry->collected = collected;
			   __entry->dry_run = dry_run;
			   __entry->duration_ns = duration_ns;
			   __entry->pause_ns = pause_ns;
			   __entry->objects = objects;
			   __entry->links = links;
			   __entry->bytes = bytes;),
	    TP_printk("collected=%ld dry_run=%d duration_ns=%llu pause_ns=%llu objects=%lu links=%lu bytes=%lu",
		      __entry->collected, __entry->dry_run,
		      __entry->duration_ns, __entry->pause_ns,
		      __entry->objects, __entry->links, __entry->bytes)
);

/*
 * A weak link from "from" to "to" was cleared because "to" is dying: fired
 * before its memory goes back to the slab (the weak reference's callback).
 */
TRACE_EVENT(refcache_weak_clear,
	    TP_PROTO(u32 from, u32 to),
	    TP_ARGS(from, to),
	    TP_STRUCT__entry(__field(u32, from)
			     __field(u32, to)),
	    TP_fast_assign(__entry->from = from;
			   __entry->to = to;),
	    TP_printk("from=%u to=%u", __entry->from, __entry->to)
);

/*
 * A holder (an open ctl file, module/holders.c) closed while it held
 * outside references: refs of them, on that many objects, which stay,
 * orphaned. comm is the command name of the process that opened it.
 */
TRACE_EVENT(refcache_holder_leak,
	    TP_PROTO(u32 holder, pid_t pid, const char *comm,
		     unsigned long refs, unsigned long objects),
	    TP_ARGS(holder, pid, comm, refs, objects),
	    TP_STRUCT__entry(__field(u32, holder)
			     __field(pid_t, pid)
			     __array(char, comm, TASK_COMM_LEN)
			     __field(unsigned long, refs)
			     __field(unsigned long, objects)),
	    TP_fast_assign(__entry->holder = holder;
			   __entry->pid = pid;
			   strscpy(__entry->comm, comm, TASK_COMM_LEN);
			   __entry->refs = refs;
			   __entry->objects = objects;),
	    TP_printk("holder=%u pid=%d comm=%s refs=%lu objects=%lu",
		      __entry->holder, __entry->pid, __entry->comm,
		      __entry->refs, __entry->objects)
);

#endif /* _REFCACHE_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE refcache_trace
#include <trace/define_trace.h>
