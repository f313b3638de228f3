/* cap_threads.c - THREADS workers each allocate ROUNDS blocks of 777 bytes,
 * grow them to 778 with realloc, then free the blocks of the next worker,
 * all at once. tests/e2e/test_capture.sh counts those events exactly and
 * checks that every 778-byte block is freed by a thread other than its own. */
#include <pthread.h>
#include <stdlib.h>

#define THREADS 8
#define ROUNDS 10000

static void *blocks[THREADS][ROUNDS];
static pthread_barrier_t barrier;

static void *worker(void *arg)
{
	int me = (int)(long)arg;
	for (int k = 0; k < ROUNDS; k++)
		blocks[me][k] = realloc(malloc(777), 778);
	pthread_barrier_wait(&barrier);
	for (int k = 0; k < ROUNDS; k++)
		free(blocks[(me + 1) % THREADS][k]);
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	pthread_barrier_init(&barrier, NULL, THREADS);
	for (long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&barrier);
	return 0;
}
