package dev.tiercache;

/**
 * A value read with its version, from {@link TierCache#getVersioned}: the token of a compare-and-set.
 * {@link TierCache#putIfUnchanged} with it stores a new value only if the entry is still the one read
 * (the same version), or, if the read found the key absent, only if nothing has changed the key since.
 *
 * <p>The version is opaque: it tells two states of one key apart and means nothing else (it is random at
 * each creation of the entry, not a count). A token is tied to its key.
 *
 * @param <V> the cache's value type
 */
public final class Versioned<V> {

  private final V value;
  private final long version;

  Versioned(V value, long version) {
    this.value = value;
    this.version = version;
  }

  /** The value read, or {@code null} if the key was absent. */
  public V value() {
    return value;
  }

  /** Whether the read found a value. */
  public boolean isPresent() {
    return value != null;
  }

  /** The version read: of the entry, or of the lease on the absent key. */
  public long version() {
    return version;
  }

  @Override
  public String toString() {
    return (value == null ? "absent" : String.valueOf(value)) + " @" + Long.toHexString(version);
  }
}
