/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Win32 layer's record of its views (win32_memory.c): what VirtualQuery,
 * VirtualProtect and VirtualAlloc need that the kernel does not keep (the
 * view's Win32 protection, the section's, SEC_RESERVE commit state).
 */
#ifndef MMF_WIN32_MEMORY_H
#define MMF_WIN32_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include <mmf/win32.h>

/*
 * A view MapViewOfFileEx made: @alloc_protect is its PAGE_* (PAGE_NOACCESS
 * for access 0), @sec_protect the section's PAGE_*.  A view of a section
 * with SEC_RESERVE state starts with its uncommitted pages inaccessible.
 * 0, or -errno (then the caller unmaps the view).
 */
int mmf__w32_view_add(void *start, size_t length, DWORD alloc_protect, DWORD sec_protect,
		      bool copy, bool pagefile, uint64_t section_id, uint64_t offset);
/*
 * The record of the view containing @addr (a number never reused, 0 if
 * none), and its removal once that view is unmapped: by number, so that a
 * view another thread mapped at the same address meanwhile keeps its own.
 */
uint64_t mmf__w32_view_find(const void *addr);
void mmf__w32_view_remove(uint64_t record);

/* SEC_RESERVE: the commit state of a new paging-file section of @size bytes. */
int mmf__w32_reserve_new(uint64_t section_id, uint64_t size);
/* Whether the section has SEC_RESERVE state here (its views start reserved). */
bool mmf__w32_reserve_exists(uint64_t section_id);
/* Mapping handles of the section: the state lives while one does (win32_handle.c). */
void mmf__w32_reserve_hold(uint64_t section_id);
void mmf__w32_reserve_release(uint64_t section_id);

#endif
