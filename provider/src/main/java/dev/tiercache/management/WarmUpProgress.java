package dev.tiercache.management;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * How far the warm-up of one cache on this member has come: whether this member warms it (or another
 * member did, or does), how many keys it has listed and loaded, and how it ended. Updated by the warm-up
 * thread, read by anyone: {@code TierCache.warmUp()}, and the MXBean
 * {@code dev.tiercache:type=CacheWarmUp,CacheManager=<uri>,Cache=<name>}.
 */
public final class WarmUpProgress implements WarmUpMXBean {

  /** Where a warm-up stands on this member. */
  public enum State {
    /** Configured, not yet started (the first moments after the cache is created). */
    PENDING,
    /** This member is loading the keys. */
    WARMING,
    /** This member loaded every key. */
    DONE,
    /** Another member warms the cache, or did: this member does nothing. */
    SKIPPED,
    /** Listing or loading failed; what was loaded stays. */
    FAILED,
    /** The cache was closed while it warmed. */
    STOPPED
  }

  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile State state = State.PENDING;
  private volatile long keysListed;
  private volatile long keysLoaded;
  private volatile long startedAt;
  private volatile long finishedAt;
  private volatile String detail = "";

  public State state() {
    return state;
  }

  @Override
  public String getState() {
    return state.name();
  }

  @Override
  public long getKeysListed() {
    return keysListed;
  }

  @Override
  public long getKeysLoaded() {
    return keysLoaded;
  }

  @Override
  public long getElapsedMillis() {
    if (startedAt == 0) {
      return 0;
    }
    return (finishedAt == 0 ? System.currentTimeMillis() : finishedAt) - startedAt;
  }

  @Override
  public String getDetail() {
    return detail;
  }

  /** Waits until the warm-up has ended here, in whichever state; returns whether it has. */
  public boolean awaitFinished(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------ updates, from the warm-up thread

  public void started() {
    startedAt = System.currentTimeMillis();
    state = State.WARMING;
  }

  /** {@code listed} more keys taken from the source, {@code loaded} of them stored. */
  public synchronized void batchDone(int listed, int loaded) {
    keysListed += listed;
    keysLoaded += loaded;
  }

  public void finish(State end, String why) {
    finishedAt = System.currentTimeMillis();
    detail = why == null ? "" : why;
    state = end;
    finished.countDown();
  }

  @Override
  public String toString() {
    return state + ": " + keysLoaded + " of " + keysListed + " keys loaded in " + getElapsedMillis() + " ms"
        + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
