// SPDX-License-Identifier: GPL-2.0
/*
 * refcache: the debugfs front end, /sys/kernel/debug/refcache/.
 *
 *   ctl      0600  one command per write(2); read(2) returns its result;
 *                  a stream: pread(2), pwrite(2) and lseek(2) fail with
 *                  -ESPIPE
 *   objects  0400  "ID REFCOUNT NLINKS [TARGET...] [~TARGET...]" per live
 *                  object, in table order (ascending slot: the low 24
 *                  bits of the id); counted links' targets newest first,
 *                  then weak links' ("~"), newest first
 *   stats    0400  "name value" per counter, then a "class" line per
 *                  size class (debugfs_slabs.c)
 *   where    0400  where each live object lives (debugfs_slabs.c)
 *   slabs    0400  the slab map (debugfs_slabs.c)
 *   holders  0400  "ID REFS orphaned N [holder NUMBER PID COMM COUNT]..."
 *                  per live object with outside references, in table
 *                  order: who holds them (include/refcache_holders.h)
 *
 * Each open ctl file is a holder (module/holders.c): the references its
 * creates and gets take are counted as its own, its puts drop its own
 * first, and what it still holds when it is closed is reported and stays,
 * orphaned. Each open ctl file keeps the result of its own last successful command, so
 * concurrent users never see each other's answers. The command is parsed and
 * its result buffer allocated before it runs; once it has run, only
 * formatting (which cannot fail) remains. A write resets the file position,
 * so the next read(2) returns the result from its start; a positional write
 * could not do that, so the file refuses them (nonseekable_open()).
 *
 * Only the public API (refcache.h, refcache_holders.h) is used here.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "refcache.h"
#include "refcache_holders.h"
#include "refcache_parser.h"
#include "debugfs.h"

/* "4294967295\n" */
#define REFCACHE_U32_LINE	11

static struct dentry *refcache_dir;

/**
 * struct refcache_ctl - one open ctl file
 * @hs: the holders of the table it drives
 * @holder: the holder it is
 * @lock: serialises writes and reads through this file, and protects
 *	@result and @len
 * @result: the last successful command's answer, @len bytes; kvmalloc'ed
 * @len: its length (0: nothing to read)
 */
struct refcache_ctl {
	struct refcache_holders *hs;
	struct refcache_holder *holder;
	struct mutex lock; /* this file's reads and writes; result, len */
	char *result;
	size_t len;
};

static int refcache_ctl_open(struct inode *inode, struct file *file)
{
	struct refcache_ctl *ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);

	if (!ctl)
		return -ENOMEM;
	ctl->hs = inode->i_private;
	ctl->holder = refcache_holder_open(ctl->hs);
	if (IS_ERR(ctl->holder)) {
		kfree(ctl);
		return -ENOMEM;
	}
	mutex_init(&ctl->lock);
	file->private_data = ctl;
	return nonseekable_open(inode, file);
}

static int refcache_ctl_release(struct inode *inode, struct file *file)
{
	struct refcache_ctl *ctl = file->private_data;

	refcache_holder_close(ctl->hs, ctl->holder);
	mutex_destroy(&ctl->lock);
	kvfree(ctl->result);
	kfree(ctl);
	return 0;
}

/* "ID LINKS WEAK\n" */
#define REFCACHE_REFERRER_LINE	(3 * REFCACHE_U32_LINE)
/* Referrers asked for at first: more only for objects with more. */
#define REFCACHE_REFERRERS_FIRST	64

/*
 * referrers @id: its answer in a new *@out (kvmalloc'ed), *@len bytes;
 * 0 or -errno (then *@out is NULL). The links may change between a count
 * and the next try: it asks again until the room sufficed.
 */
static int refcache_ctl_referrers(struct refcache *rc, u32 id, char **out,
				  size_t *len)
{
	struct refcache_referrer *r = NULL;
	unsigned int max = REFCACHE_REFERRERS_FIRST;
	size_t size, n = 0;
	long i, nr;

	*out = NULL;
	for (;;) {
		r = kvmalloc_array(max, sizeof(*r), GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		nr = refcache_referrers(rc, id, r, max);
		if (nr <= max)
			break;
		kvfree(r);
		max = nr;
	}
	if (nr < 0) {
		kvfree(r);
		return nr;
	}
	size = nr * REFCACHE_REFERRER_LINE + 1;
	*out = kvmalloc(size, GFP_KERNEL);
	if (!*out) {
		kvfree(r);
		return -ENOMEM;
	}
	for (i = 0; i < nr; i++)
		n += scnprintf(*out + n, size - n, "%u %u %u\n", r[i].id,
			       r[i].links, r[i].weak);
	kvfree(r);
	*len = n;
	return 0;
}

/* Run @cmd; on success @out holds its answer and the length is returned. */
static ssize_t refcache_ctl_run(struct refcache_ctl *ctl,
				const struct refcache_cmd *cmd, char **out)
{
	struct refcache *rc = ctl->hs->rc;
	size_t size = REFCACHE_U32_LINE + 1, len = 0;
	unsigned int *sizes = NULL;
	u32 *ids = NULL;
	char *buf;
	long n;
	u32 i;
	int ret;

	if (cmd->op == REFCACHE_OP_CREATE) {
		size = (size_t)cmd->count * REFCACHE_U32_LINE + 1;
		ids = kvmalloc_array(cmd->count, sizeof(*ids), GFP_KERNEL);
		if (!ids)
			return -ENOMEM;
	}
	if (cmd->op == REFCACHE_OP_CREATE && cmd->size) {
		sizes = kvmalloc_array(cmd->count, sizeof(*sizes), GFP_KERNEL);
		if (!sizes) {
			kvfree(ids);
			return -ENOMEM;
		}
		for (i = 0; i < cmd->count; i++)
			sizes[i] = cmd->size;
	}
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf) {
		kvfree(sizes);
		kvfree(ids);
		return -ENOMEM;
	}

	switch (cmd->op) {
	case REFCACHE_OP_CREATE:
		ret = refcache_holder_create(ctl->hs, ctl->holder, cmd->count,
					     sizes, ids);
		for (i = 0; !ret && i < cmd->count; i++)
			len += scnprintf(buf + len, size - len, "%u\n", ids[i]);
		break;
	case REFCACHE_OP_GET:
		ret = refcache_holder_get(ctl->hs, ctl->holder, cmd->id);
		if (ret >= 0)
			len = scnprintf(buf, size, "%d\n", ret);
		break;
	case REFCACHE_OP_PUT:
		ret = refcache_holder_put(ctl->hs, ctl->holder, cmd->id);
		if (ret >= 0)
			len = scnprintf(buf, size, "%d\n", ret);
		break;
	case REFCACHE_OP_LINK:
		ret = cmd->weak ? refcache_link_weak(rc, cmd->id, cmd->to) :
				  refcache_link(rc, cmd->id, cmd->to);
		if (ret >= 0)
			len = scnprintf(buf, size, "%d\n", ret);
		break;
	case REFCACHE_OP_UNLINK:
		ret = cmd->weak ? refcache_unlink_weak(rc, cmd->id, cmd->to) :
				  refcache_unlink(rc, cmd->id, cmd->to);
		if (ret >= 0)
			len = scnprintf(buf, size, "%d\n", ret);
		break;
	case REFCACHE_OP_FOLLOW:
		ret = refcache_holder_follow(ctl->hs, ctl->holder, cmd->id,
					     cmd->to);
		if (ret >= 0)
			len = scnprintf(buf, size, "%d\n", ret);
		break;
	case REFCACHE_OP_REFERRERS:
		kvfree(buf);
		ret = refcache_ctl_referrers(rc, cmd->id, &buf, &len);
		break;
	case REFCACHE_OP_GC:
		n = refcache_gc(rc, cmd->dry_run);
		ret = n < 0 ? n : 0;
		if (!ret)
			len = scnprintf(buf, size, "%ld\n", n);
		break;
	case REFCACHE_OP_GC_FREEZE:
		n = cmd->count ? refcache_gc_freeze(rc) : refcache_gc_unfreeze(rc);
		ret = n < 0 ? n : 0;
		if (!ret)
			len = scnprintf(buf, size, "%ld\n", n);
		break;
	default:
		ret = -EINVAL;
	}
	kvfree(sizes);
	kvfree(ids);
	if (ret < 0) {
		kvfree(buf);
		return ret;
	}
	*out = buf;
	return len;
}

static ssize_t refcache_ctl_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct refcache_ctl *ctl = file->private_data;
	char line[REFCACHE_CMD_MAX_LEN];
	struct refcache_cmd cmd;
	char *result = NULL;
	ssize_t ret;

	if (count > sizeof(line))
		ret = -E2BIG;
	else if (copy_from_user(line, ubuf, count))
		ret = -EFAULT;
	else
		ret = refcache_parse_cmd(line, count, &cmd);

	mutex_lock(&ctl->lock);
	if (!ret)
		ret = refcache_ctl_run(ctl, &cmd, &result);
	/* A failed command leaves nothing to read, not an older answer. */
	kvfree(ctl->result);
	ctl->result = result;
	ctl->len = ret < 0 ? 0 : ret;
	*ppos = 0;
	mutex_unlock(&ctl->lock);
	return ret < 0 ? ret : count;
}

static ssize_t refcache_ctl_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct refcache_ctl *ctl = file->private_data;
	ssize_t ret;

	mutex_lock(&ctl->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, ctl->result, ctl->len);
	mutex_unlock(&ctl->lock);
	return ret;
}

static const struct file_operations refcache_ctl_fops = {
	.owner = THIS_MODULE,
	.open = refcache_ctl_open,
	.release = refcache_ctl_release,
	.write = refcache_ctl_write,
	.read = refcache_ctl_read,
};

/**
 * struct refcache_lines - what a listing file (objects, holders) keeps
 *	between its lines
 * @src: what it lists: the inode's private data
 * @buf: the entries of the line being shown, @max of them at most;
 *	kvmalloc'ed, grown to fit
 * @max: room in @buf
 * @size: bytes per entry
 *
 * The first member of each listing's iterator (refcache_lines_open()).
 */
struct refcache_lines {
	void *src;
	void *buf;
	unsigned int max;
	size_t size;
};

/* Room for @need entries in @l, and @slack more: 0 or -ENOMEM. */
static int refcache_lines_fit(struct refcache_lines *l, unsigned int need,
			      unsigned int slack)
{
	void *bigger;

	if (need <= l->max)
		return 0;
	bigger = kvmalloc_array(need + slack, l->size, GFP_KERNEL);
	if (!bigger)
		return -ENOMEM;
	kvfree(l->buf);
	l->buf = bigger;
	l->max = need + slack;
	return 0;
}

/*
 * Open a listing: its seq_file with an iterator of @iter_size bytes, which
 * starts with a struct refcache_lines of @first entries of @size bytes.
 */
static void *refcache_lines_open(struct inode *inode, struct file *file,
				 const struct seq_operations *sops,
				 size_t iter_size, size_t size,
				 unsigned int first)
{
	struct refcache_lines *l = __seq_open_private(file, sops, iter_size);

	if (!l)
		return NULL;
	l->src = inode->i_private;
	l->size = size;
	if (refcache_lines_fit(l, first, 0)) {
		seq_release_private(inode, file);
		return NULL;
	}
	return l;
}

static int refcache_lines_release(struct inode *inode, struct file *file)
{
	struct refcache_lines *l =
		((struct seq_file *)file->private_data)->private;

	kvfree(l->buf);
	return seq_release_private(inode, file);
}

static void refcache_lines_stop(struct seq_file *m, void *v)
{
}

/*
 * objects: the seq_file position is the table position (slot) to continue
 * from. Each line is one refcache_next_info(): the id and count read
 * together, the links counted in the walk that copied their targets, so a
 * line is self-consistent however the table changes meanwhile. No lock is
 * held between lines.
 */

/* Targets a line holds before the buffer first grows. */
#define REFCACHE_OBJECTS_TARGETS	16

/**
 * struct refcache_objects_iter - one open objects file
 * @lines: the table it lists, and the ids of the line's targets (u32)
 * @info: the object of the line being shown
 */
struct refcache_objects_iter {
	struct refcache_lines lines;
	struct refcache_info info;
};

/* The next object at or after *@pos, all its targets in @it; or NULL. */
static void *refcache_objects_find(struct refcache_objects_iter *it,
				   loff_t *pos)
{
	u32 slot;

	if (*pos >= REFCACHE_SLOTS)
		return NULL;
	slot = *pos;
	for (;;) {
		if (refcache_next_info(it->lines.src, &slot, &it->info,
				       it->lines.buf, it->lines.max))
			return NULL;
		if (it->info.nr_links + it->info.nr_weak <= it->lines.max)
			break;
		/* More links than room: grow, and read that object again. */
		if (refcache_lines_fit(&it->lines,
				       it->info.nr_links + it->info.nr_weak,
				       REFCACHE_OBJECTS_TARGETS))
			return ERR_PTR(-ENOMEM);
	}
	*pos = slot;
	return it;
}

static void *refcache_objects_start(struct seq_file *m, loff_t *pos)
{
	return refcache_objects_find(m->private, pos);
}

static void *refcache_objects_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return refcache_objects_find(m->private, pos);
}

/* "ID REFCOUNT NLINKS [TARGET...] [~TARGET...]" */
static int refcache_objects_show(struct seq_file *m, void *v)
{
	const struct refcache_objects_iter *it = v;
	const u32 *targets = it->lines.buf;
	unsigned int i;

	seq_printf(m, "%u %u %u", it->info.id, it->info.refcount,
		   it->info.nr_links);
	for (i = 0; i < it->info.nr_links; i++)
		seq_printf(m, " %u", targets[i]);
	for (; i < it->info.nr_links + it->info.nr_weak; i++)
		seq_printf(m, " ~%u", targets[i]);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations refcache_objects_sops = {
	.start = refcache_objects_start,
	.next = refcache_objects_next,
	.stop = refcache_lines_stop,
	.show = refcache_objects_show,
};

static int refcache_objects_open(struct inode *inode, struct file *file)
{
	return refcache_lines_open(inode, file, &refcache_objects_sops,
				   sizeof(struct refcache_objects_iter),
				   sizeof(u32), REFCACHE_OBJECTS_TARGETS) ?
	       0 : -ENOMEM;
}

static const struct file_operations refcache_objects_fops = {
	.owner = THIS_MODULE,
	.open = refcache_objects_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = refcache_lines_release,
};

/*
 * holders: as objects, the seq_file position is the table position to
 * continue from, and each line is one refcache_holders_next(), read under
 * the holders' lock: its counts add up to its REFS.
 */

/* Holders a line holds before the buffer first grows. */
#define REFCACHE_HOLDERS_BY	8

/**
 * struct refcache_holders_iter - one open holders file
 * @lines: the holders it lists, and the line's open holders
 *	(struct refcache_held_by)
 * @held: the object of the line being shown
 */
struct refcache_holders_iter {
	struct refcache_lines lines;
	struct refcache_held held;
};

static void *refcache_holders_find(struct refcache_holders_iter *it,
				   loff_t *pos)
{
	u32 slot;

	if (*pos >= REFCACHE_SLOTS)
		return NULL;
	slot = *pos;
	for (;;) {
		if (refcache_holders_next(it->lines.src, &slot, &it->held,
					  it->lines.buf, it->lines.max))
			return NULL;
		if (it->held.nr_by <= it->lines.max)
			break;
		if (refcache_lines_fit(&it->lines, it->held.nr_by,
				       REFCACHE_HOLDERS_BY))
			return ERR_PTR(-ENOMEM);
	}
	*pos = slot;
	return it;
}

static void *refcache_holders_start(struct seq_file *m, loff_t *pos)
{
	return refcache_holders_find(m->private, pos);
}

static void *refcache_holders_next_line(struct seq_file *m, void *v,
					loff_t *pos)
{
	++*pos;
	return refcache_holders_find(m->private, pos);
}

/* "ID REFS orphaned N [holder NUMBER PID COMM COUNT]..." */
static int refcache_holders_show(struct seq_file *m, void *v)
{
	const struct refcache_holders_iter *it = v;
	const struct refcache_held_by *by = it->lines.buf;
	unsigned int i;

	seq_printf(m, "%u %u orphaned %u", it->held.id, it->held.refs,
		   it->held.orphaned);
	for (i = 0; i < it->held.nr_by; i++)
		seq_printf(m, " holder %u %d %s %u", by[i].holder, by[i].pid,
			   by[i].comm, by[i].count);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations refcache_holders_sops = {
	.start = refcache_holders_start,
	.next = refcache_holders_next_line,
	.stop = refcache_lines_stop,
	.show = refcache_holders_show,
};

static int refcache_holders_open(struct inode *inode, struct file *file)
{
	return refcache_lines_open(inode, file, &refcache_holders_sops,
				   sizeof(struct refcache_holders_iter),
				   sizeof(struct refcache_held_by),
				   REFCACHE_HOLDERS_BY) ? 0 : -ENOMEM;
}

static const struct file_operations refcache_holders_fops = {
	.owner = THIS_MODULE,
	.open = refcache_holders_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = refcache_lines_release,
};

static int refcache_stats_show(struct seq_file *m, void *unused)
{
	struct refcache_stats st;

	refcache_stats(m->private, &st);
	seq_printf(m, "live %ld\n", st.live);
	seq_printf(m, "peak_live %ld\n", st.peak_live);
	seq_printf(m, "created %lu\n", st.created);
	seq_printf(m, "freed %lu\n", st.freed);
	seq_printf(m, "gets %lu\n", st.gets);
	seq_printf(m, "puts %lu\n", st.puts);
	seq_printf(m, "alloc_failures %lu\n", st.alloc_failures);
	seq_printf(m, "canary_failures %lu\n", st.canary_failures);
	seq_printf(m, "links %lu\n", st.links);
	seq_printf(m, "weak_links %lu\n", st.weak_links);
	seq_printf(m, "weak_cleared %lu\n", st.weak_cleared);
	seq_printf(m, "gc_runs %lu\n", st.gc_runs);
	seq_printf(m, "gc_collected %lu\n", st.gc_collected);
	seq_printf(m, "gc_last_ns %llu\n", st.gc_last_ns);
	seq_printf(m, "gc_last_pause_ns %llu\n", st.gc_last_pause_ns);
	seq_printf(m, "gc_last_objects %lu\n", st.gc_last_objects);
	seq_printf(m, "gc_last_links %lu\n", st.gc_last_links);
	seq_printf(m, "gc_last_collected %ld\n", st.gc_last_collected);
	seq_printf(m, "gc_last_bytes %lu\n", st.gc_last_bytes);
	seq_printf(m, "gc_candidates %lu\n", st.gc_candidates);
	seq_printf(m, "gc_frozen %lu\n", st.gc_frozen);
	seq_printf(m, "max_refs %u\n", st.max_refs);
	seq_printf(m, "max_objects %u\n", st.max_objects);
	seq_printf(m, "obj_size %u\n", st.obj_size);
	seq_printf(m, "slab_object_size %u\n", st.slab_object_size);
	seq_printf(m, "slab_objects %ld\n", refcache_slab_objects());
	seq_printf(m, "id_table_bytes %lu\n", st.id_table_bytes);
	refcache_debugfs_classes(m, m->private);
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(refcache_stats);

int refcache_debugfs_init(struct refcache_holders *hs)
{
	struct refcache *rc = hs->rc;

	refcache_dir = debugfs_create_dir("refcache", NULL);
	if (IS_ERR(refcache_dir))
		return PTR_ERR(refcache_dir);
	debugfs_create_file("ctl", 0600, refcache_dir, hs, &refcache_ctl_fops);
	debugfs_create_file("objects", 0400, refcache_dir, rc,
			    &refcache_objects_fops);
	debugfs_create_file("stats", 0400, refcache_dir, rc,
			    &refcache_stats_fops);
	debugfs_create_file("holders", 0400, refcache_dir, hs,
			    &refcache_holders_fops);
	refcache_debugfs_slabs_init(refcache_dir, rc);
	return 0;
}

/* Returns once no handler runs in any of the files any more. */
void refcache_debugfs_exit(void)
{
	debugfs_remove_recursive(refcache_dir);
	refcache_dir = NULL;
}
