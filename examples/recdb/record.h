/* SPDX-License-Identifier: GPL-2.0 */
/* recdb's on-disk record, shared with bench/recdb_bench.c. */
#ifndef RECDB_RECORD_H
#define RECDB_RECORD_H

#include <stdint.h>

#define RECORD_MAGIC 0x5245434fu	/* "RECO" */

/* One record: 256 bytes, so records never straddle a page. */
struct record {
	uint32_t magic;
	uint32_t version;	/* bumped by every update */
	uint64_t id;
	char text[240];
};

#endif
