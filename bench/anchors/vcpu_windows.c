/* What each vCPU can do right now, every 0.25 s: FMA throughput with everything in registers
   (GFLOP/s) and load/store throughput on a 16 KB buffer that stays in L1 (GB/s), one thread
   pinned to each vCPU, both running at once. On the 2-core Zen 3 (bench/RESULTS.md, session 8)
   the FMA figure held at ~140 while the load/store one switched between ~150 and ~75 on each
   vCPU on its own every 0.25-1 s, even with one thread: the VM's "slow windows" halve memory
   operations, not arithmetic.
   Build and run: gcc -O3 -mavx2 -mfma bench/anchors/vcpu_windows.c -o /tmp/vcpu_windows -lpthread && /tmp/vcpu_windows [seconds=10] */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WINDOWS_MAX 4000
static double t0, gflops[2][WINDOWS_MAX], gbytes[2][WINDOWS_MAX];
static int windows;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static void *probe(void *arg) {
  int cpu = (int)(long)arg;
  cpu_set_t set; CPU_ZERO(&set); CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  enum { N = 4096 };  /* 16 KB */
  float *buf = aligned_alloc(64, N * sizeof(float));
  for (int i = 0; i < N; i++) buf[i] = 1.0f;
  __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  __m256 a0 = _mm256_set1_ps(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  for (int w = 0; w < windows; w++) {
    double half = t0 + (w + 0.5) * 0.25, end = t0 + (w + 1) * 0.25, start = now();
    long fmas = 0;
    while (now() < half) {  /* 12 independent chains hide the FMA latency */
      for (int r = 0; r < 1000; r++) {
        a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c); a2 = _mm256_fmadd_ps(a2, m, c);
        a3 = _mm256_fmadd_ps(a3, m, c); a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
        a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c); a8 = _mm256_fmadd_ps(a8, m, c);
        a9 = _mm256_fmadd_ps(a9, m, c); a10 = _mm256_fmadd_ps(a10, m, c); a11 = _mm256_fmadd_ps(a11, m, c);
      }
      fmas += 12000;
    }
    double mid = now();
    gflops[cpu][w] = fmas * 16 / (mid - start) / 1e9;
    long bytes = 0;
    while (now() < end) {  /* read, scale, write back: each 32-byte vector loaded and stored once */
      for (int i = 0; i < N; i += 8) _mm256_store_ps(buf + i, _mm256_mul_ps(_mm256_load_ps(buf + i), m));
      bytes += 2L * N * sizeof(float);
    }
    gbytes[cpu][w] = bytes / (now() - mid) / 1e9;
  }
  float sink = a0[0] + a1[0] + a2[0] + a3[0] + a4[0] + a5[0] + a6[0] + a7[0] + a8[0] + a9[0] + a10[0] + a11[0] + buf[0];
  if (sink == 42.0f) puts("");  /* keeps the chains alive */
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 10;
  windows = (int)(seconds * 4);
  if (windows < 1 || windows > WINDOWS_MAX) { fprintf(stderr, "seconds must be in (0, %d]\n", WINDOWS_MAX / 4); return 1; }
  int cpus = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
  t0 = now();
  pthread_t threads[2];
  for (int i = 0; i < cpus; i++) pthread_create(&threads[i], NULL, probe, (void *)(long)i);
  for (int i = 0; i < cpus; i++) pthread_join(threads[i], NULL);
  printf("#   s  vCPU0 GFLOP/s  L1 GB/s  vCPU1 GFLOP/s  L1 GB/s\n");
  for (int w = 0; w < windows; w++) {
    printf("%5.2f", w * 0.25);
    for (int i = 0; i < cpus; i++) printf("  %12.1f  %7.1f", gflops[i][w], gbytes[i][w]);
    printf("\n");
  }
  return 0;
}
