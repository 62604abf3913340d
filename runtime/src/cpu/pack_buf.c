/*===- pack_buf.c - Process-wide cache of GEMM packing buffers -------------===*
 *
 * bertc_cpu_buf_get / bertc_cpu_buf_put (sgemm_internal.h): 64-byte aligned
 * scratch buffers for the GEMMs' packed operands, recycled instead of
 * malloc'ed and freed per call.
 *===----------------------------------------------------------------------===*/
#include "sgemm_internal.h"

#include <sched.h>
#include <stdlib.h>

/* Packing buffers are recycled through a small process-wide cache rather
 * than malloc'ed and freed per call: buffers of a few hundred KB would
 * otherwise come back from malloc as fresh pages (mmap, or a heap that was
 * just trimmed), and the page faults cost more than packing itself. The
 * cache keeps at most BUF_SLOTS buffers (best fit on reuse, the largest kept
 * when full) of at most BUF_TOTAL bytes together, so it holds about what the
 * peak of concurrent GEMMs used, bounded. Freed when the library is
 * unloaded. */
#define BUF_SLOTS 16
#define BUF_TOTAL ((size_t)64 << 20)

static bertc_cpu_pack_buf buf_cache[BUF_SLOTS];
static size_t buf_total; /* bytes in buf_cache */
static char buf_lock_flag;

static void buf_lock(void) {
  int spins = 0;
  while (__atomic_test_and_set(&buf_lock_flag, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&buf_lock_flag, __ATOMIC_RELAXED))
      if (++spins > 64)
        sched_yield();
}

static void buf_unlock(void) { __atomic_clear(&buf_lock_flag, __ATOMIC_RELEASE); }

/* A 64-byte aligned buffer of at least `bytes`; .p is NULL when out of
 * memory. */
bertc_cpu_pack_buf bertc_cpu_buf_get(size_t bytes) {
  bytes = (bytes + 4095) & ~(size_t)4095;
  bertc_cpu_pack_buf b = {NULL, 0};
  buf_lock();
  int best = -1;
  for (int i = 0; i < BUF_SLOTS; ++i)
    if (buf_cache[i].p && buf_cache[i].cap >= bytes &&
        (best < 0 || buf_cache[i].cap < buf_cache[best].cap))
      best = i;
  if (best >= 0) {
    b = buf_cache[best];
    buf_total -= b.cap;
    buf_cache[best].p = NULL;
    buf_cache[best].cap = 0;
  }
  buf_unlock();
  if (!b.p) {
    if (posix_memalign(&b.p, 64, bytes) != 0)
      b.p = NULL;
    b.cap = b.p ? bytes : 0;
  }
  return b;
}

void bertc_cpu_buf_put(bertc_cpu_pack_buf b) {
  if (!b.p)
    return;
  void *drop = b.p;
  buf_lock();
  int slot = -1;
  for (int i = 0; i < BUF_SLOTS && slot < 0; ++i)
    if (!buf_cache[i].p)
      slot = i;
  if (slot < 0) { /* full: replace the smallest if this one is larger */
    slot = 0;
    for (int i = 1; i < BUF_SLOTS; ++i)
      if (buf_cache[i].cap < buf_cache[slot].cap)
        slot = i;
    if (buf_cache[slot].cap >= b.cap)
      slot = -1;
  }
  if (slot >= 0 && buf_total - buf_cache[slot].cap + b.cap <= BUF_TOTAL) {
    drop = buf_cache[slot].p;
    buf_total += b.cap - buf_cache[slot].cap;
    buf_cache[slot] = b;
  }
  buf_unlock();
  free(drop);
}

__attribute__((destructor)) static void buf_cache_release(void) {
  buf_lock();
  for (int i = 0; i < BUF_SLOTS; ++i) {
    free(buf_cache[i].p);
    buf_cache[i].p = NULL;
    buf_cache[i].cap = 0;
  }
  buf_total = 0;
  buf_unlock();
}
