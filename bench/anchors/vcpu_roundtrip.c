/* Round trip of one cache line between two threads pinned to CPUs 0 and 1: tells whether the
   hypervisor placed this VM's two vCPUs close together (~120 ns) or far apart (~500-700 ns),
   which decides how much the second core helps a DQN update (bench/RESULTS.md, session 3).
   Build and run: gcc -O2 bench/anchors/vcpu_roundtrip.c -o /tmp/vcpu_roundtrip -lpthread && /tmp/vcpu_roundtrip */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#define ROUNDS 200000
static _Atomic long flag __attribute__((aligned(64)));

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *echo(void *unused)
{
    (void)unused;
    pin(1);
    for (long i = 0; i < ROUNDS; i++)
    {
        while (atomic_load(&flag) != 2 * i + 1) { }
        atomic_store(&flag, 2 * i + 2);
    }
    return NULL;
}

int main(void)
{
    pthread_t other;
    struct timespec t0, t1;
    pin(0);
    pthread_create(&other, NULL, echo, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < ROUNDS; i++)
    {
        atomic_store(&flag, 2 * i + 1);
        while (atomic_load(&flag) != 2 * i + 2) { }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(other, NULL);
    double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / ROUNDS;
    printf("vcpu 0<->1 round trip %.0f ns\n", ns);
    return 0;
}
