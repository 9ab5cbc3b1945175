// SPDX-License-Identifier: GPL-2.0
/*
 * The private files a section's views map.
 *
 * A view's vm_file is not /dev/mmf but a private open of the backing file,
 * so that the backing file system's fault, page_mkwrite and write-back work
 * on its own page cache.  That file is reachable from user space through
 * the VMA: remap_file_pages(2) calls vm_file's mmap again, at any offset and
 * with that file's access mode, madvise(MADV_REMOVE) calls its fallocate,
 * and mremap(2) its get_unmapped_area.  So every private file carries a
 * "guarded" copy of its file system's file_operations in which
 *
 *   mmap            refuses (EPERM): only the view path (mmf_file_mmap())
 *                   maps the file, through the saved original, after
 *                   checking the handle's rights and the section's range;
 *   mmap_prepare    is cleared (the kernel wants exactly one of the two);
 *   fallocate       is cleared: a hole punched through a view could reach
 *                   file bytes past the section in its partial last page;
 *   get_unmapped_area  is cleared: shmem's asserts its own file_operations.
 *
 * Everything else is the original's, so the file system sees its own
 * release, fsync, fadvise and lock calls.
 *
 * Lifetime of a copy: one per distinct original, made on first use and kept
 * on mmf_fops_list.  Its owner is this module and every guarded file holds
 * a module reference (taken when the file is guarded, dropped by __fput()'s
 * fops_put()), so no guarded file outlives the module and mmf_files_exit()
 * frees every copy.  A copy of a file system module's operations is freed
 * when that module goes (module notifier): by then no file of it exists,
 * and a later module loaded at the same address must not meet a stale copy.
 * mmf_fops_lock protects the list; copies are immutable once listed.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "mmf.h"

struct mmf_fops {
	const struct file_operations fops;	/* written once, before listed */
	const struct file_operations *orig;	/* the file system's own */
	struct list_head node;			/* mmf_fops_list */
};

static LIST_HEAD(mmf_fops_list);
static DEFINE_MUTEX(mmf_fops_lock);

static int mmf_guarded_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -EPERM;
}

/*
 * Fill @mf as the guarded copy of @orig.  @mf->fops is const for everyone
 * but this, its maker, which runs before the copy is listed.
 */
static void mmf_fops_fill(struct mmf_fops *mf, const struct file_operations *orig)
{
	struct file_operations *ops = (void *)(const void *)&mf->fops;

	*ops = *orig;
	mf->orig = orig;
	ops->owner = THIS_MODULE;
	ops->mmap = mmf_guarded_mmap;
	mmf_fops_clear_mmap_prepare(ops);
	ops->fallocate = NULL;
	ops->get_unmapped_area = NULL;
}

/* The guarded copy of @orig, made on first use. */
static struct mmf_fops *mmf_fops_get(const struct file_operations *orig)
{
	struct mmf_fops *mf;

	mutex_lock(&mmf_fops_lock);
	list_for_each_entry(mf, &mmf_fops_list, node)
		if (mf->orig == orig)
			goto out;
	mf = kmalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf) {
		mf = ERR_PTR(-ENOMEM);
		goto out;
	}
	mmf_fops_fill(mf, orig);
	list_add(&mf->node, &mmf_fops_list);
out:
	mutex_unlock(&mmf_fops_lock);
	return mf;
}

static bool mmf_file_guarded(const struct file *file)
{
	return file->f_op->mmap == mmf_guarded_mmap;
}

/*
 * Put @file under guarded operations.  @file is the module's own and not
 * yet seen by anyone else.  The original's module reference taken by the
 * open is dropped: a regular file's operations belong to its file system,
 * which the file's mount keeps loaded.
 */
static int mmf_file_guard(struct file *file)
{
	const struct file_operations *orig = file->f_op;
	struct mmf_fops *mf;

	if (WARN_ON_ONCE(mmf_file_guarded(file)))
		return -EINVAL;
	/*
	 * The reopen by path may give other operations than the caller's fd
	 * had; and operations owned by another module than the file system
	 * (a driver's debugfs file) are not kept loaded by the mount.
	 */
	if (!mmf_fops_can_mmap(orig) ||
	    (orig->owner && orig->owner != file_inode(file)->i_sb->s_type->owner))
		return -ENODEV;
	mf = mmf_fops_get(orig);
	if (IS_ERR(mf))
		return PTR_ERR(mf);
	__module_get(THIS_MODULE);
	file->f_op = &mf->fops;
	fops_put(orig);
	return 0;
}

/* A private, guarded open of @backing's path with @flags (O_RDONLY/O_RDWR). */
struct file *mmf_file_open(struct file *backing, int flags)
{
	struct file *file = mmf_open_backing(backing, flags | O_LARGEFILE);
	int err;

	if (IS_ERR(file))
		return file;
	err = mmf_file_guard(file);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return file;
}

/*
 * Guard a swap-backed section's new shmem file (open for writing), and make
 * the read-only open of the same inode that views without write access map.
 * On error both are dropped.
 */
int mmf_file_guard_swap(struct file *file, struct file **rofile)
{
	struct file *ro;
	int err;

	err = mmf_file_guard(file);
	if (err)
		return err;
	ro = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(ro))
		return PTR_ERR(ro);
	err = mmf_file_guard(ro);
	if (err) {
		fput(ro);
		return err;
	}
	*rofile = ro;
	return 0;
}

/* Whether @file's file system can map it at all (checked at CREATE). */
bool mmf_file_can_mmap(const struct file *file)
{
	return mmf_fops_can_mmap(file->f_op);
}

/* The file system's own mmap of a guarded @file into @vma. */
int mmf_file_mmap(struct file *file, struct vm_area_struct *vma)
{
	const struct mmf_fops *mf = container_of(file->f_op, struct mmf_fops, fops);

	if (WARN_ON_ONCE(!mmf_file_guarded(file)))
		return -EINVAL;
	return mmf_fops_mmap(mf->orig, file, vma);
}

/* A file system module goes: no file of it exists any more. */
static int mmf_files_module_event(struct notifier_block *nb, unsigned long state, void *data)
{
	struct module *mod = data;
	struct mmf_fops *mf, *next;

	if (state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&mmf_fops_lock);
	list_for_each_entry_safe(mf, next, &mmf_fops_list, node) {
		if (within_module((unsigned long)mf->orig, mod)) {
			list_del(&mf->node);
			kfree(mf);
		}
	}
	mutex_unlock(&mmf_fops_lock);
	return NOTIFY_OK;
}

static struct notifier_block mmf_files_nb = {
	.notifier_call = mmf_files_module_event,
};

int mmf_files_init(void)
{
	return register_module_notifier(&mmf_files_nb);
}

/* No guarded file is left: each held a reference to this module. */
void mmf_files_exit(void)
{
	struct mmf_fops *mf, *next;

	unregister_module_notifier(&mmf_files_nb);
	list_for_each_entry_safe(mf, next, &mmf_fops_list, node) {
		list_del(&mf->node);
		kfree(mf);
	}
}
