package dev.tiercache.samples.seed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/** Readers on every instance for a while, each read timed: the latencies, and a skewed key choice. */
final class Workload {

  private Workload() {}

  /** Read latencies of one run, in nanoseconds, sorted. */
  record Latencies(long[] sorted, long reads, long elapsedNanos) {
    long percentile(double p) {
      if (sorted.length == 0) {
        return 0;
      }
      return sorted[(int) Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
    }

    long max() {
      return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }
  }

  /**
   * Runs {@code threads} readers for {@code millis} ms; reader {@code t} calls {@code read.accept(t)} in a
   * loop as fast as it can, each call timed (up to a million samples per thread are kept).
   */
  static Latencies run(int threads, long millis, IntConsumer read) throws Exception {
    return run(threads, millis, 0, read);
  }

  /**
   * {@link #run(int, long, IntConsumer)} at a fixed pace: each reader starts {@code readsPerSecond} reads
   * a second (0: as fast as it can), so that every architecture serves the same offered load and their
   * database queries per second compare. A reader that falls behind catches up without waiting.
   */
  static Latencies run(int threads, long millis, int readsPerSecond, IntConsumer read) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
    List<Future<long[]>> runs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      runs.add(pool.submit(() -> {
        long[] samples = new long[1 << 16];
        int n = 0;
        long interval = readsPerSecond == 0 ? 0 : 1_000_000_000L / readsPerSecond;
        long next = System.nanoTime();
        while (System.nanoTime() < end) {
          if (interval > 0) {
            next += interval;
            long wait = next - System.nanoTime();
            if (wait > 0) {
              java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
          }
          long before = System.nanoTime();
          read.accept(thread);
          long took = System.nanoTime() - before;
          if (n == samples.length && n < 1 << 20) {
            samples = Arrays.copyOf(samples, n * 2);
          }
          if (n < samples.length) {
            samples[n++] = took;
          }
        }
        return Arrays.copyOf(samples, n);
      }));
    }
    long[] all = new long[0];
    for (Future<long[]> run : runs) {
      long[] samples = run.get(millis + 60_000, TimeUnit.MILLISECONDS);
      long[] merged = Arrays.copyOf(all, all.length + samples.length);
      System.arraycopy(samples, 0, merged, all.length, samples.length);
      all = merged;
    }
    pool.shutdown();
    Arrays.sort(all);
    return new Latencies(all, all.length, System.nanoTime() - start);
  }

  /** Keys {@code 0 .. n-1} chosen with Zipf's law (exponent {@code s}): a few keys take most reads. */
  static final class Zipf {
    private final double[] cumulative;

    Zipf(int n, double s) {
      cumulative = new double[n];
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += 1 / Math.pow(i + 1, s);
        cumulative[i] = sum;
      }
      for (int i = 0; i < n; i++) {
        cumulative[i] /= sum;
      }
    }

    int next() {
      int at = Arrays.binarySearch(cumulative, ThreadLocalRandom.current().nextDouble());
      return at >= 0 ? at : Math.min(cumulative.length - 1, -at - 1);
    }
  }
}
