// SPDX-License-Identifier: GPL-2.0
/*
 * Sections: making one from a backing file or from swap, binding handles to
 * it, its lifetime, its counters, and the CREATE and STAT ioctls.
 */
#include <linux/anon_inodes.h>
#include <linux/backing-dev.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mmf.h"

/* Protects mmf_sections (the list) and every mmf_section.node. */
DEFINE_MUTEX(mmf_sections_lock);
LIST_HEAD(mmf_sections);
atomic_t mmf_nr_sections = ATOMIC_INIT(0);
atomic_t mmf_nr_views = ATOMIC_INIT(0);
static atomic64_t mmf_next_id = ATOMIC64_INIT(0);

u32 mmf_prot_access(u32 prot)
{
	u32 access = MMF_ACCESS_READ | MMF_ACCESS_COPY | MMF_ACCESS_EXEC;

	if (prot == MMF_PROT_READWRITE)
		access |= MMF_ACCESS_WRITE;
	return access;
}

void mmf_section_get(struct mmf_section *sec)
{
	get_file(sec->anchor);
}

/*
 * Drop a reference.  The release itself always runs later from core code
 * (fput defers __fput), which also drops the anchor's module reference
 * after mmf_anchor_release() returned: no module code runs after the last
 * module reference is gone.
 */
void mmf_section_put(struct mmf_section *sec)
{
	fput(sec->anchor);
}

/* The section's private files (mmf_open_files()). */
static void mmf_close_files(struct mmf_section *sec)
{
	fput(sec->rofile);
	fput(sec->file);
}

static void mmf_section_free(struct mmf_section *sec)
{
	mmf_dirty_destroy(&sec->dirty);
	mmf_dirty_destroy(&sec->watch);
	mmf_dirty_destroy(&sec->pending);
	mmf_section_free_vmops(sec);
	free_percpu(sec->stats);
	kfree(sec->name);
	kfree(sec);
}

/*
 * The last reference to the section is gone: start write-back of what it
 * left dirty, without waiting (mmf_release_writeback()), and drop the
 * handles' error cursors on it.
 */
static int mmf_anchor_release(struct inode *inode, struct file *anchor)
{
	struct mmf_section *sec = anchor->private_data;

	mutex_lock(&mmf_sections_lock);
	list_del(&sec->node);
	mutex_unlock(&mmf_sections_lock);
	atomic_dec(&mmf_nr_sections);
	mmf_user_uncharge(sec->owner_uid);

	mmf_cursors_drop_section(sec);
	mmf_release_writeback(sec);
	mmf_close_files(sec);
	mmf_section_free(sec);
	return 0;
}

static const struct file_operations mmf_anchor_fops = {
	.owner		= THIS_MODULE,
	.release	= mmf_anchor_release,
	.llseek		= noop_llseek,
};

void mmf_section_stats(struct mmf_section *sec, struct mmf_pcpu_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct mmf_pcpu_stats *s = per_cpu_ptr(sec->stats, cpu);

		sum->faults += READ_ONCE(s->faults);
		sum->major_faults += READ_ONCE(s->major_faults);
		sum->pages_dirtied += READ_ONCE(s->pages_dirtied);
	}
}

/*
 * Checks of a backing file against the requested protection.  Size
 * handling is left to the caller.
 */
static int mmf_check_backing(struct file *file, u32 prot)
{
	struct inode *inode = file_inode(file);

	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if (!S_ISREG(inode->i_mode) || !mmf_file_can_mmap(file))
		return -ENODEV;
	if (IS_DAX(inode) || inode->i_sb->s_magic == HUGETLBFS_MAGIC)
		return -ENODEV;
	/*
	 * A stacking file system (overlayfs) keeps the pages in another
	 * file's cache and hands its mmap to that file: flush, re-arming and
	 * the writable count would work on an empty mapping.
	 */
	if (d_real_inode(file->f_path.dentry) != inode)
		return -ENODEV;
	if (!(file->f_mode & FMODE_READ))
		return -EACCES;
	if (prot != MMF_PROT_READWRITE)
		return 0;
	if (!(file->f_mode & FMODE_WRITE))
		return -EACCES;
	/* As mmap(2) refuses a writable shared mapping of an active swap file. */
	if (IS_SWAPFILE(inode))
		return -ETXTBSY;
	if (IS_APPEND(inode) || IS_IMMUTABLE(inode))
		return -EPERM;
	if (inode->i_sb->s_magic == TMPFS_MAGIC &&
	    (READ_ONCE(SHMEM_I(inode)->seals) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EPERM;
	return 0;
}

/*
 * The private files views map (mmf_file.c), with their own readahead state:
 * @sec->file open for writing when the section may be written (it also
 * serves flush and fsync), @sec->rofile open for reading only, for views
 * that may not write.  A swap-backed section's shmem file is made here.
 */
static int mmf_open_files(struct mmf_section *sec, struct file *backing, u32 prot,
			  loff_t size)
{
	struct file *file, *ro;
	int err;

	if (!backing) {
		file = mmf_shmem_file_setup("mmf", size);
		/*
		 * The kernel's internal shmem mount has no size or inode
		 * limit: its ENOSPC means no memory for the inode.
		 */
		if (IS_ERR(file))
			return PTR_ERR(file) == -ENOSPC ? -ENOMEM : PTR_ERR(file);
		err = mmf_file_guard_swap(file, &ro);
		if (err) {
			fput(file);
			return err;
		}
	} else if (prot == MMF_PROT_READWRITE) {
		file = mmf_file_open(backing, O_RDWR);
		if (IS_ERR(file))
			return PTR_ERR(file);
		ro = mmf_file_open(backing, O_RDONLY);
		if (IS_ERR(ro)) {
			fput(file);
			return PTR_ERR(ro);
		}
	} else {
		file = mmf_file_open(backing, O_RDONLY);
		if (IS_ERR(file))
			return PTR_ERR(file);
		ro = get_file(file);
	}
	sec->file = file;
	sec->rofile = ro;
	/*
	 * 0 keeps the window open gave the file (the device's read_ahead_kb,
	 * what mmap(2) of the file reads around a fault with); the section
	 * reports the window in use either way.
	 */
	if (!sec->readaround)
		sec->readaround = file->f_ra.ra_pages;
	file->f_ra.ra_pages = sec->readaround;
	ro->f_ra.ra_pages = sec->readaround;
	return 0;
}

/*
 * The largest swap-backed section: no view can be larger than the address
 * space.  The cap also keeps shmem's commit charge sane: shmem rounds the
 * size up to pages in a loff_t (VM_ACCT()), which overflows for the top
 * sizes below MAX_LFS_FILESIZE into a negative charge that drives
 * Committed_AS down and so switches strict overcommit off system-wide.
 */
#define MMF_SWAP_MAX	((u64)TASK_SIZE_MAX & PAGE_MASK)

/*
 * A new section on @backing (NULL: swap-backed), not yet bound.  The
 * per-user limit is charged to the caller's effective uid.  @flags: only
 * MMF_CREATE_PAST_EOF (a read-only section may pass the end of its file:
 * faults there raise SIGBUS, as on a file truncated under a view) and
 * MMF_CREATE_UNTRACKED (only on shmem, where nothing writes pages back: the
 * flush set is what makes a flush write, and failed write-backs retried)
 * are looked at.
 */
struct mmf_section *mmf_section_create(struct file *backing, u32 prot, u64 max_size,
				       u32 readaround, u32 flags)
{
	struct mmf_section *sec;
	struct file *file;
	loff_t size;
	int err;

	if (max_size > MAX_LFS_FILESIZE)
		return ERR_PTR(-EFBIG);
	if (backing) {
		err = mmf_check_backing(backing, prot);
		if (err)
			return ERR_PTR(err);
		/*
		 * shmem only (never written back): other files that are not
		 * either (ramfs) have a page_mkwrite of their own, which
		 * records every write.
		 */
		if ((flags & MMF_CREATE_UNTRACKED) &&
		    file_inode(backing)->i_sb->s_magic != TMPFS_MAGIC)
			return ERR_PTR(-EOPNOTSUPP);
		size = i_size_read(file_inode(backing));
		if (!max_size) {
			if (!size)
				return ERR_PTR(-EINVAL);
		} else {
			/*
			 * Growth is the caller's ftruncate(2), so that every
			 * truncate hook (Landlock, path_truncate, file_truncate)
			 * decides it: the module cannot call those.
			 */
			if (max_size > size && !(flags & MMF_CREATE_PAST_EOF))
				return ERR_PTR(prot == MMF_PROT_READWRITE ? -EOVERFLOW : -EACCES);
			size = max_size;
		}
	} else {
		if (!max_size)
			return ERR_PTR(-EINVAL);
		if (max_size > MMF_SWAP_MAX)
			return ERR_PTR(-EFBIG);
		size = max_size;
	}

	err = mmf_user_charge(current_euid());
	if (err)
		return ERR_PTR(err);
	err = -ENOMEM;
	sec = kzalloc(sizeof(*sec), GFP_KERNEL_ACCOUNT);
	if (!sec)
		goto uncharge;
	sec->owner_uid = current_euid();
	sec->stats = alloc_percpu(struct mmf_pcpu_stats);
	if (!sec->stats)
		goto free;

	sec->readaround = readaround;
	err = mmf_open_files(sec, backing, prot, size);
	if (err)
		goto free;
	file = sec->file;
	sec->mapping = file->f_mapping;
	sec->inode = file_inode(file);
	sec->size = size;
	sec->pages = DIV_ROUND_UP_ULL(size, PAGE_SIZE);
	sec->tail = offset_in_page(size) ? size >> PAGE_SHIFT : ULONG_MAX;
	sec->prot = prot;
	sec->swap = !backing;
	sec->untracked = flags & MMF_CREATE_UNTRACKED;
	sec->can_writeback = mapping_can_writeback(sec->mapping);
	sec->can_retry = sec->can_writeback && sec->inode->i_sb->s_bdev;
	sec->wb_base = errseq_sample(&sec->mapping->wb_err);
	spin_lock_init(&sec->ops_lock);
	mmf_dirty_init(&sec->dirty);
	mmf_dirty_init(&sec->watch);
	mmf_dirty_init(&sec->pending);
	atomic64_set(&sec->moves, 0);
	spin_lock_init(&sec->err_lock);
	atomic_set(&sec->views, 0);
	atomic64_set(&sec->pages_flushed, 0);
	atomic64_set(&sec->flushes, 0);
	atomic64_set(&sec->wb_errors, 0);
	INIT_HLIST_NODE(&sec->name_node);
	INIT_LIST_HEAD(&sec->node);

	sec->anchor = anon_inode_getfile("[mmf-section]", &mmf_anchor_fops, sec, O_RDONLY);
	if (IS_ERR(sec->anchor)) {
		err = PTR_ERR(sec->anchor);
		mmf_close_files(sec);
		goto free;
	}
	sec->id = atomic64_inc_return(&mmf_next_id);
	atomic_inc(&mmf_nr_sections);
	mutex_lock(&mmf_sections_lock);
	list_add_tail(&sec->node, &mmf_sections);
	mutex_unlock(&mmf_sections_lock);
	return sec;

free:
	free_percpu(sec->stats);
	kfree(sec);
uncharge:
	mmf_user_uncharge(current_euid());
	return ERR_PTR(err);
}

/*
 * Bind @h to @sec, taking over one reference.  Called with h->lock held and
 * h->sec still NULL.  Whether the handle's views hide the partial last page
 * (see mmf_view_hides_tail()) is decided here: for every handle that does
 * not hold an fd of the file itself.  A permission check on the inode
 * would not do: path-based security modules (Landlock, AppArmor, TOMOYO)
 * decide at open, which a handle bound by name never went through.  A
 * swap-backed section's shmem file is the module's own and never grows.
 */
void mmf_section_bind(struct mmf_handle *h, struct mmf_section *sec, u32 access,
		      bool holds_file)
{
	h->access = access;
	h->cred = get_current_cred();
	h->hide_tail = !holds_file && !sec->swap && sec->tail != ULONG_MAX;
	/* Pairs with the acquire in lock-free readers (mmap, STAT). */
	smp_store_release(&h->sec, sec);
}

static bool mmf_name_valid(const char *name, u32 len)
{
	return !memchr(name, '\0', len);
}

/*
 * Join the existing named @sec under mmf_names_lock: takes a handle count
 * and a reference, narrows *@access to the section's protection and to
 * what the name's mode grants, and sets @c->result.  CREATE asks for EXEC
 * without being told to, so a mode without the execute bit drops it rather
 * than failing.  @backing (NULL: swap) is compared with the section's
 * backing by inode pointer, so no file system is called under the lock.
 */
static int mmf_join_named(struct mmf_section *sec, struct mmf_create *c,
			  struct file *backing, u32 *access)
{
	bool other = backing ? sec->swap || sec->inode != file_inode(backing) : !sec->swap;

	lockdep_assert_held(&mmf_names_lock);
	if (c->flags & MMF_CREATE_EXCL)
		return -EEXIST;
	if (!mmf_names_permit(sec, *access & ~MMF_ACCESS_EXEC))
		return -EACCES;
	/* Only after the permission check: it would tell others what backs it. */
	if (other && (c->flags & MMF_CREATE_SAME_BACKING))
		return -EEXIST;
	if ((*access & MMF_ACCESS_EXEC) && !mmf_names_permit(sec, *access))
		*access &= ~MMF_ACCESS_EXEC;
	*access &= mmf_prot_access(sec->prot);
	sec->handles++;
	mmf_section_get(sec);
	c->result = MMF_RESULT_EXISTED | (other ? MMF_RESULT_OTHER_BACKING : 0);
	return 0;
}

/*
 * The named half of CREATE: bind to the section of that name, or make one
 * and name it (then @name is taken over).  The new section is made without
 * mmf_names_lock: opening the file calls into its file system, which may
 * block for as long as it likes (FUSE, a frozen mount), and the lock is
 * global.  When another CREATE named it meanwhile, the new section is
 * dropped and the caller joins that one, as if it had come second.
 */
static struct mmf_section *mmf_create_named(struct mmf_create *c, struct file *backing,
					    char *name, u32 *access)
{
	struct mmf_section *sec, *fresh;
	int err = 0;

	mutex_lock(&mmf_names_lock);
	sec = mmf_names_lookup(name, c->name_len);
	if (sec)
		err = mmf_join_named(sec, c, backing, access);
	mutex_unlock(&mmf_names_lock);
	if (sec)
		goto out;

	fresh = mmf_section_create(backing, c->prot, c->max_size, c->readaround, c->flags);
	if (IS_ERR(fresh))
		return fresh;
	mutex_lock(&mmf_names_lock);
	sec = mmf_names_lookup(name, c->name_len);
	if (sec)
		err = mmf_join_named(sec, c, backing, access);
	else
		mmf_names_insert(fresh, name, c->name_len, c->mode);
	mutex_unlock(&mmf_names_lock);
	if (!sec)
		return fresh;
	mmf_section_put(fresh);
out:
	return err ? ERR_PTR(err) : sec;
}

long mmf_ioctl_create(struct mmf_handle *h, void __user *uarg)
{
	struct mmf_create c;
	struct mmf_section *sec;
	struct file *backing = NULL;
	char *name = NULL;
	u32 access;
	long ret;

	ret = mmf_uarg_in(&c, sizeof(c), uarg);
	if (ret)
		return ret;
	if ((c.flags & ~(MMF_CREATE_SWAP | MMF_CREATE_EXCL | MMF_CREATE_SAME_BACKING |
			 MMF_CREATE_PAST_EOF | MMF_CREATE_UNTRACKED)) || c.reserved)
		return -EINVAL;
	/* An output field: what the caller passed in it means nothing. */
	c.result = 0;
	if (c.prot < MMF_PROT_READ || c.prot > MMF_PROT_WRITECOPY)
		return -EINVAL;
	if (c.mode & ~0777)
		return -EINVAL;
	if (!c.name != !c.name_len)
		return -EINVAL;
	if (c.readaround > MMF_READAROUND_MAX)
		return -EINVAL;
	if ((c.flags & MMF_CREATE_SWAP) && c.fd != -1)
		return -EINVAL;
	/* Past the end of a file, read-only: nothing can write there. */
	if ((c.flags & MMF_CREATE_PAST_EOF) &&
	    ((c.flags & MMF_CREATE_SWAP) || c.prot != MMF_PROT_READ))
		return -EINVAL;
	if (c.name_len) {
		ret = mmf_names_copy(c.name, c.name_len, &name);
		if (ret)
			return ret;
		if (!mmf_name_valid(name, c.name_len)) {
			ret = -EINVAL;
			goto out;
		}
	}
	if (!(c.flags & MMF_CREATE_SWAP)) {
		backing = fget(c.fd);
		if (!backing) {
			ret = -EBADF;
			goto out;
		}
	}
	if (c.max_size > (backing ? MAX_LFS_FILESIZE : MMF_SWAP_MAX)) {
		ret = -EFBIG;
		goto out;
	}
	if (backing) {
		ret = mmf_check_backing(backing, c.prot);
		if (ret)
			goto out;
	}

	mutex_lock(&h->lock);
	if (h->sec) {
		ret = -EBUSY;
		goto unlock;
	}
	access = mmf_prot_access(c.prot);
	if (name) {
		sec = mmf_create_named(&c, backing, name, &access);
		ret = PTR_ERR_OR_ZERO(sec);
		/* A new section took the name over. */
		if (!ret && sec->name == name)
			name = NULL;
	} else {
		sec = mmf_section_create(backing, c.prot, c.max_size, c.readaround, c.flags);
		ret = PTR_ERR_OR_ZERO(sec);
	}
	if (ret)
		goto unlock;
	c.section_size = sec->size;
	c.section_id = sec->id;
	c.access = access;
	ret = mmf_uarg_out(uarg, &c, sizeof(c));
	if (ret) {
		/* Nothing was bound: the caller never learns of it. */
		mutex_unlock(&h->lock);
		if (sec->name) {
			mutex_lock(&mmf_names_lock);
			mmf_names_unbind(sec);
			mutex_unlock(&mmf_names_lock);
		}
		mmf_section_put(sec);
		goto out;
	}
	/* A caller with an fd of the very file may see all of its last page. */
	mmf_section_bind(h, sec, access, backing && file_inode(backing) == sec->inode);
unlock:
	mutex_unlock(&h->lock);
out:
	if (backing)
		fput(backing);
	kfree(name);
	return ret;
}

long mmf_ioctl_stat(struct mmf_handle *h, void __user *uarg)
{
	/* Pairs with mmf_section_bind(): access and sec are set. */
	struct mmf_section *sec = smp_load_acquire(&h->sec);
	struct mmf_pcpu_stats sum;
	struct mmf_stat st;
	long ret;

	BUILD_BUG_ON(offsetofend(struct mmf_stat, readaround) != MMF_STAT_SIZE_VER0);
	ret = mmf_uarg_in_min(&st, sizeof(st), MMF_STAT_SIZE_VER0, uarg);
	if (ret)
		return ret;
	if (st.flags)
		return -EINVAL;
	if (!sec)
		return -EBADFD;
	/* dirty_pages: what is dirty, not what the kernel wrote back since. */
	ret = mmf_settle_written_back(sec);
	if (ret)
		return ret;
	mmf_section_stats(sec, &sum);
	st.section_id = sec->id;
	st.section_size = sec->size;
	st.faults = sum.faults;
	st.major_faults = sum.major_faults;
	st.pages_dirtied = sum.pages_dirtied;
	st.pages_flushed = atomic64_read(&sec->pages_flushed);
	st.flushes = atomic64_read(&sec->flushes);
	st.writeback_errors = atomic64_read(&sec->wb_errors);
	st.views = atomic_read(&sec->views);
	st.dirty_pages = atomic_long_read(&sec->dirty.count);
	st.prot = sec->prot;
	st.readaround = sec->readaround;
	st.section_flags = sec->untracked ? MMF_CREATE_UNTRACKED : 0;
	st.reserved = 0;
	return mmf_uarg_out(uarg, &st, sizeof(st));
}
