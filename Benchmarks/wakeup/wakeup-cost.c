// The machine's thread wake-up cost: two threads hand a token back and forth through POSIX semaphores, each
// waiting parked (no spinning), so every hand-off is one wake-up of a sleeping thread. Prints the median and p90
// of one wake-up in microseconds (half a round trip). The figure every pool hand-off pays here; quote it beside
// bench results, since it differs between machines of one kind.
// Build and run: Scripts/wakeup-cost.sh
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { rounds = 20000 };
static sem_t ping, pong;

static void *responder(void *unused) {
    (void)unused;
    for (int i = 0; i < rounds; i++) {
        sem_wait(&ping);
        sem_post(&pong);
    }
    return NULL;
}

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    static double samples[rounds];
    pthread_t thread;
    sem_init(&ping, 0, 0);
    sem_init(&pong, 0, 0);
    pthread_create(&thread, NULL, responder, NULL);
    for (int i = 0; i < rounds; i++) {
        double start = now_us();
        sem_post(&ping);
        sem_wait(&pong);
        samples[i] = (now_us() - start) / 2;
    }
    pthread_join(thread, NULL);
    qsort(samples, rounds, sizeof samples[0], compare);
    printf("thread wake-up: p50 %.1f us, p90 %.1f us (%d round trips)\n", samples[rounds / 2], samples[rounds * 9 / 10], rounds);
    return 0;
}
