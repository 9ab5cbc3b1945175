// SPDX-License-Identifier: GPL-2.0
/*
 * Two processes sharing a target: a writer stamps the pages chunk by chunk
 * and tells a reader, over a pipe, which chunk is done; the reader checks
 * every page of it (so every write must be seen) and acknowledges each
 * pass.  mmf: a named section, the reader opening it by name.  Native: the
 * file opened by its path in the reader, or (swap-backed) a shared
 * anonymous mapping the reader inherits.  The time is the writer's, from
 * the reader ready to its last acknowledgement.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define SHARE_CHUNK_PAGES 64
#define SHARE_PASSES 2
#define MSG_END UINT32_MAX

struct msg {
	uint32_t gen;
	uint32_t chunk;
};

static void put(int fd, uint32_t gen, uint32_t chunk)
{
	struct msg msg = { gen, chunk };

	if (write(fd, &msg, sizeof(msg)) != sizeof(msg))
		die("pipe write");
}

static int get(int fd, struct msg *msg)
{
	ssize_t n = read(fd, msg, sizeof(*msg));

	if (n < 0)
		die("pipe read");
	return n == sizeof(*msg);
}

static void reader(struct target *t, int use_mmf, const char *name, struct map *inherited,
		   int in, int out)
{
	size_t chunks = (t->pages + SHARE_CHUNK_PAGES - 1) / SHARE_CHUNK_PAGES;
	struct map r;
	struct msg msg;

	if (!get(in, &msg))
		exit(1);
	if (inherited)
		r = *inherited;
	else
		map_open_reader(&r, t, use_mmf, name);
	put(out, 0, 0);
	while (get(in, &msg) && msg.chunk != MSG_END) {
		size_t first = (size_t)msg.chunk * SHARE_CHUNK_PAGES;

		for (size_t i = first; i < first + SHARE_CHUNK_PAGES && i < t->pages; i++)
			check_page("the reader process", *(volatile uint64_t *)(r.addr + i * page),
				   i, msg.gen);
		if (msg.chunk == chunks - 1)
			put(out, msg.gen, msg.chunk);
	}
	map_close(&r);
	exit(0);
}

void run_share(struct target *t, int use_mmf, double *out)
{
	size_t chunks = (t->pages + SHARE_CHUNK_PAGES - 1) / SHARE_CHUNK_PAGES;
	int inherit = !use_mmf && t->fd < 0, to[2], from[2], status;
	struct map m;
	struct msg msg;
	char name[64];
	double t0;
	pid_t pid;

	snprintf(name, sizeof(name), "mmf_bench.%d.%u", (int)getpid(), next_gen());
	target_warm(t);
	if (inherit)
		map_open(&m, t, 0);
	if (pipe(to) || pipe(from))
		die("pipe");
	fflush(NULL);	/* else the child's exit() prints our buffered lines again */
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		reader(t, use_mmf, name, inherit ? &m : NULL, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	if (!inherit)
		map_open_named(&m, t, use_mmf, name);
	put(to[1], 0, MSG_END - 1);	/* go: the section exists */
	if (!get(from[0], &msg))
		fail("share: the reader could not map the %s", use_mmf ? "section" : "file");
	t0 = now();
	for (int pass = 0; pass < SHARE_PASSES; pass++) {
		uint32_t g = next_gen();

		for (size_t c = 0; c < chunks; c++) {
			for (size_t i = c * SHARE_CHUNK_PAGES;
			     i < (c + 1) * SHARE_CHUNK_PAGES && i < t->pages; i++)
				*(volatile uint64_t *)(m.addr + i * page) = stamp(g, i);
			put(to[1], g, (uint32_t)c);
		}
		if (!get(from[0], &msg) || msg.gen != g)
			fail("share: the reader stopped in pass %d", pass);
	}
	out[0] = (now() - t0) * 1e3;
	put(to[1], 0, MSG_END);
	close(to[1]);
	close(from[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("share: the reader process failed (status %#x)", status);
	map_close(&m);
}
