// SPDX-License-Identifier: GPL-2.0
/*
 * Named sections and the per-user section limit.
 *
 * Names are scoped to the caller's IPC namespace, as System V IPC keys
 * are, so containers do not see each other's sections.  A named section
 * holds a reference to its namespace, so that a freed namespace's address
 * can never be mistaken for a new one.  The reference is taken with
 * get_ipc_ns() and dropped through the namespace's own
 * proc_ns_operations.put, the generic interface nsfs uses: put_ipc_ns()
 * itself is not exported on 6.1.
 *
 * Owner, group and mode are checked as ipcperms() does for System V IPC,
 * with CAP_IPC_OWNER in the name's namespace overriding.  EXEC needs the
 * execute bit as well as the read bit, as shmat(SHM_EXEC) does.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "mmf.h"

/*
 * Protects mmf_names and mmf_section.{handles,name_node}.  Global, so it is
 * never held across a call into a file system (which may block for good:
 * FUSE, a frozen mount).  Taken before mmf_sections_lock (debugfs).
 */
DEFINE_MUTEX(mmf_names_lock);
static DEFINE_HASHTABLE(mmf_names, 8);

/* uid -> number of live sections it created; under mmf_users_lock. */
static DEFINE_XARRAY(mmf_users);
static DEFINE_MUTEX(mmf_users_lock);

unsigned int mmf_max_sections_per_user = 1024;
module_param_named(max_sections_per_user, mmf_max_sections_per_user, uint, 0644);
MODULE_PARM_DESC(max_sections_per_user,
		 "Most live sections one user may create (EMFILE beyond)");

static u32 mmf_name_hash(const struct ipc_namespace *ns, const char *name, u32 len)
{
	return full_name_hash(ns, name, len);
}

/* The caller's IPC namespace (stable: only the task itself changes it). */
static struct ipc_namespace *mmf_current_ns(void)
{
	return current->nsproxy->ipc_ns;
}

static void mmf_ns_put(struct ipc_namespace *ns)
{
	ns->ns.ops->put(&ns->ns);
}

/* Copy a user name of @len bytes into a new NUL-terminated buffer. */
int mmf_names_copy(u64 uname, u32 len, char **out)
{
	char *name;

	if (len > MMF_NAME_MAX)
		return -ENAMETOOLONG;
	name = kmalloc(len + 1, GFP_KERNEL_ACCOUNT);
	if (!name)
		return -ENOMEM;
	if (copy_from_user(name, u64_to_user_ptr(uname), len)) {
		kfree(name);
		return -EFAULT;
	}
	name[len] = '\0';
	*out = name;
	return 0;
}

/* The section bound to @name in the caller's namespace; mmf_names_lock. */
struct mmf_section *mmf_names_lookup(const char *name, u32 len)
{
	struct ipc_namespace *ns = mmf_current_ns();
	struct mmf_section *sec;

	lockdep_assert_held(&mmf_names_lock);
	hash_for_each_possible(mmf_names, sec, name_node, mmf_name_hash(ns, name, len)) {
		if (sec->ns == ns && sec->name_len == len && !memcmp(sec->name, name, len))
			return sec;
	}
	return NULL;
}

/* ipcperms()-like: may the caller use @sec with @access? */
bool mmf_names_permit(const struct mmf_section *sec, u32 access)
{
	kuid_t euid = current_euid();
	int want = 0, granted;

	if (access & (MMF_ACCESS_READ | MMF_ACCESS_COPY | MMF_ACCESS_EXEC))
		want |= 4;
	if (access & MMF_ACCESS_WRITE)
		want |= 2;
	if (access & MMF_ACCESS_EXEC)
		want |= 1;
	if (uid_eq(euid, sec->uid))
		granted = sec->mode >> 6;
	else if (in_egroup_p(sec->gid))
		granted = sec->mode >> 3;
	else
		granted = sec->mode;
	if (!(want & ~granted & 7))
		return true;
	return ns_capable(sec->ns->user_ns, CAP_IPC_OWNER);
}

/* Name a new section, bound to one handle; takes over @name. */
void mmf_names_insert(struct mmf_section *sec, char *name, u32 len, umode_t mode)
{
	lockdep_assert_held(&mmf_names_lock);
	sec->name = name;
	sec->name_len = len;
	sec->ns = get_ipc_ns(mmf_current_ns());
	sec->uid = current_euid();
	sec->gid = current_egid();
	sec->mode = mode;
	sec->handles = 1;
	hash_add(mmf_names, &sec->name_node, mmf_name_hash(sec->ns, name, len));
}

/* A handle bound to a named section goes: the name dies with the last. */
void mmf_names_unbind(struct mmf_section *sec)
{
	lockdep_assert_held(&mmf_names_lock);
	if (--sec->handles)
		return;
	hash_del(&sec->name_node);
	mmf_ns_put(sec->ns);
	sec->ns = NULL;
}

int mmf_user_charge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long n;
	int err = 0;
	void *old;

	mutex_lock(&mmf_users_lock);
	old = xa_load(&mmf_users, key);
	n = old ? xa_to_value(old) : 0;
	if (n >= READ_ONCE(mmf_max_sections_per_user) && !capable(CAP_SYS_RESOURCE))
		err = -EMFILE;
	else
		err = xa_err(xa_store(&mmf_users, key, xa_mk_value(n + 1), GFP_KERNEL));
	mutex_unlock(&mmf_users_lock);
	return err;
}

void mmf_user_uncharge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long n;
	void *old;

	mutex_lock(&mmf_users_lock);
	old = xa_load(&mmf_users, key);
	n = old ? xa_to_value(old) : 0;
	if (n > 1)
		xa_store(&mmf_users, key, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&mmf_users, key);
	mutex_unlock(&mmf_users_lock);
}

#define MMF_ACCESS_ALL	(MMF_ACCESS_READ | MMF_ACCESS_WRITE | MMF_ACCESS_COPY | \
			 MMF_ACCESS_EXEC)

long mmf_ioctl_open(struct mmf_handle *h, void __user *uarg)
{
	struct mmf_section *sec;
	struct mmf_open o;
	char *name;
	u32 access;
	long ret;

	ret = mmf_uarg_in(&o, sizeof(o), uarg);
	if (ret)
		return ret;
	if (o.flags || o.reserved || !o.access || (o.access & ~MMF_ACCESS_ALL))
		return -EINVAL;
	if (!o.name || !o.name_len)
		return -EINVAL;
	ret = mmf_names_copy(o.name, o.name_len, &name);
	if (ret)
		return ret;
	if (memchr(name, '\0', o.name_len)) {
		ret = -EINVAL;
		goto out;
	}
	/* Writing and copying imply reading, as FILE_MAP_WRITE does. */
	access = o.access | MMF_ACCESS_READ;

	mutex_lock(&h->lock);
	if (h->sec) {
		ret = -EBUSY;
		goto unlock;
	}
	mutex_lock(&mmf_names_lock);
	sec = mmf_names_lookup(name, o.name_len);
	if (!sec)
		ret = -ENOENT;
	else if ((access & ~mmf_prot_access(sec->prot)) || !mmf_names_permit(sec, access))
		ret = -EACCES;
	if (ret) {
		mutex_unlock(&mmf_names_lock);
		goto unlock;
	}
	sec->handles++;
	mmf_section_get(sec);
	mutex_unlock(&mmf_names_lock);

	o.section_size = sec->size;
	o.section_id = sec->id;
	o.prot = sec->prot;
	ret = mmf_uarg_out(uarg, &o, sizeof(o));
	if (ret) {
		mutex_lock(&mmf_names_lock);
		mmf_names_unbind(sec);
		mutex_unlock(&mmf_names_lock);
		mutex_unlock(&h->lock);
		mmf_section_put(sec);
		goto out;
	}
	mmf_section_bind(h, sec, access, false);
unlock:
	mutex_unlock(&h->lock);
out:
	kfree(name);
	return ret;
}
