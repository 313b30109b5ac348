/* par.h: the only door to MPI (and to FFTW's MPI library). Everything else in fsweep is
 * MPI-free. Built twice: with MPI (build/fsweep) and with FS_NO_MPI (build/fsweep-serial,
 * unit tests), where it behaves as a single rank and send/recv are errors.
 *
 * par_init initialises MPI only when the process was started by a launcher (mpirun, srun:
 * detected through OMPI_/PMI_/PMIX_ environment variables) and nobody initialised it yet, so a
 * plain `build/fsweep run` is a serial run without MPI start-up cost. Under MPI, fs_die calls
 * MPI_Abort so that one failing rank never leaves the others hanging.
 * Every MPI return value is checked; a failure dies naming the call. Thread safety: call from
 * the main thread only. */
#ifndef FS_PAR_H
#define FS_PAR_H

#include "split.h"
#include "util.h"

#include <stddef.h>

void par_init(int *argc, char ***argv);
void par_finalize(void);
int par_rank(void);
int par_size(void);
int par_is_mpi(void);          /* 1 when MPI was initialised by par_init */
int par_built_with_mpi(void);  /* 1 for build/fsweep, 0 for build/fsweep-serial */
void par_abort(int code);      /* MPI_Abort when running under MPI, else exit(code) */
void par_barrier(void);
void par_bcast(void *buf, size_t n, int root);
/* Broadcast a heap string (root's *s; others get a fresh xmalloc'd copy). */
void par_bcast_str(char **s, int root);
void par_send(int dest, int tag, const void *buf, size_t n);
/* Blocking receive of a message of any size from `src` (-1: any) with `tag` (-1: any).
 * *buf is xmalloc'd (caller frees); *n its length; *src_out, *tag_out the actual ones. */
void par_recv(int src, int tag, void **buf, size_t *n, int *src_out, int *tag_out);
/* Non-blocking probe: 1 if a message matching (src, tag) is waiting. */
int par_iprobe(int src, int tag, int *src_out, int *tag_out);
/* Elementwise sums across ranks, result on root (reduce) or on all (allreduce). */
void par_reduce_sum_double(const double *in, double *out, size_t n, int root);
void par_allreduce_sum_double(double *inout, size_t n);
void par_allreduce_max_int(int *inout, size_t n);
/* Gather variable-length double arrays to root in rank order: rank r sends counts[r] values
 * (every rank passes the same counts); recv (sum of counts) is written on root only (may be
 * NULL elsewhere). Serial: copies send to recv. */
void par_gatherv_double(const double *send, const size_t *counts, double *recv, int root);
/* The FsSpread of split.h over the ranks: each rank scores its split_range share, the ranks
 * agree on failure (any failure fails all), the shares are gathered on rank 0 in rank order
 * (gatherv) and, with job->bcast, broadcast. Collective. Serial: scores the whole range. */
FsStatus par_split_score_gather(const FsScoreJob *job, double *out);
/* FFTW wisdom: collective, call after rank 0 planned what it wants shared (spectral_wisdom_plan)
 * with its outcome in `planned` (FS_OK on the other ranks). When rank 0 failed every rank
 * returns a failure (rank 0 its own, the others FS_ERR_LIB); otherwise every rank ends up with
 * rank 0's single-precision wisdom (fftwf_mpi_broadcast_wisdom). Serial: returns `planned`. */
FsStatus par_share_wisdom(FsStatus planned);
/* "Open MPI v4.1.4, ..." (first line of MPI_Get_library_version) or "none (serial build)". */
const char *par_library_version(void);
/* Processor name (host) of this rank. */
const char *par_host(void);

#endif
