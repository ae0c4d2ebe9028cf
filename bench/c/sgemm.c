/* cblas_sgemm called from C, the baseline the addon is measured against (bench/sgemm-vs-c.ts builds and
 * runs it). Same library (Debian's static libopenblas.a), same shape, same thread count, same environment.
 * Prints one line: the median GFLOP/s over `rounds` timings of `iters` calls each. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern char *openblas_get_corename(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 512, threads = argc > 2 ? atoi(argv[2]) : 1;
  const int rounds = 15, iters = 10;
  openblas_set_num_threads(threads);
  float *A = malloc(sizeof(float) * n * n), *B = malloc(sizeof(float) * n * n), *C = malloc(sizeof(float) * n * n);
  for (int i = 0; i < n * n; i++) { A[i] = (float)((i % 7) - 3) * 0.1f; B[i] = (float)((i % 5) - 2) * 0.2f; C[i] = 0; }
  for (int w = 0; w < 5; w++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, A, n, B, n, 0, C, n);
  double gflops[15];
  for (int r = 0; r < rounds; r++) {
    double t = now();
    for (int i = 0; i < iters; i++) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, A, n, B, n, 0, C, n);
    gflops[r] = 2.0 * n * n * n * iters / (now() - t) / 1e9;
  }
  qsort(gflops, rounds, sizeof(double), cmp);
  printf("%s %.2f\n", openblas_get_corename(), gflops[rounds / 2]);
  free(A); free(B); free(C);
  return 0;
}
