package dev.tiercache.management;

/** The warm-up of one cache on this member (see {@link WarmUpProgress}). */
public interface WarmUpMXBean {

  /** PENDING, WARMING, DONE, SKIPPED (another member warms it, or did), FAILED or STOPPED. */
  String getState();

  /** Keys taken from the key source so far. */
  long getKeysListed();

  /** Keys loaded and stored so far (keys already present are listed, not loaded). */
  long getKeysLoaded();

  /** How long this member has warmed (or took), 0 if it did not. */
  long getElapsedMillis();

  /** Why it was skipped, or how it failed; empty otherwise. */
  String getDetail();
}
