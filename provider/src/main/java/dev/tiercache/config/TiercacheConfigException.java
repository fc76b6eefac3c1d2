package dev.tiercache.config;

import javax.cache.CacheException;

/**
 * A Tiercache configuration that cannot be used: a missing or unreadable file, malformed YAML, an
 * unknown key or a bad value. The message names the file and, where there is one, the key and line.
 * Thrown by {@code getCacheManager} before any Hazelcast member is started.
 */
public class TiercacheConfigException extends CacheException {

  private static final long serialVersionUID = 1L;

  public TiercacheConfigException(String message) {
    super(message);
  }

  public TiercacheConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
