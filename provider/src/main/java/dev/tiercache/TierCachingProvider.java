package dev.tiercache;

import dev.tiercache.config.ConfigLoader;
import dev.tiercache.config.TiercacheConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.cache.CacheManager;
import javax.cache.configuration.OptionalFeature;
import javax.cache.spi.CachingProvider;

/**
 * Tiercache's JCache entry point, found by {@code Caching.getCachingProvider()}.
 *
 * <p>One {@link TierCacheManager} per (URI, class loader), kept until it is closed; managers are held
 * per class loader in a weak map so that an unloaded web application's loader is not kept alive. The
 * default URI ({@value #DEFAULT_URI}) gives a standalone embedded member on 127.0.0.1 that joins no one,
 * unless the system property {@value #CONFIG_PROPERTY} names a {@code tiercache.yaml} for it; any other
 * URI names a {@code tiercache.yaml} ({@code classpath:} or {@code file:}) that may define a
 * cluster. A bad file fails here, before any member starts.
 */
public final class TierCachingProvider implements CachingProvider {

  /** The URI of the default CacheManager: a standalone member with the built-in defaults. */
  public static final String DEFAULT_URI = "tiercache:default";

  /**
   * System property: the {@code tiercache.yaml} ({@code classpath:} or {@code file:} URI) the default
   * CacheManager uses instead of the built-in standalone defaults. Spring Boot reads the same name.
   */
  public static final String CONFIG_PROPERTY = "tiercache.config";

  private static final AtomicInteger LOADER_IDS = new AtomicInteger();
  private static final Map<ClassLoader, String> LOADER_SCOPES = new WeakHashMap<>();

  private final Map<ClassLoader, Map<URI, TierCacheManager>> managers = new WeakHashMap<>();

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader, Properties properties) {
    URI managerUri = uri == null ? getDefaultURI() : uri;
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    Properties props = properties == null ? new Properties() : properties;
    synchronized (managers) {
      Map<URI, TierCacheManager> byUri = managers.computeIfAbsent(loader, l -> new HashMap<>());
      TierCacheManager manager = byUri.get(managerUri);
      if (manager == null || manager.isClosed()) {
        TiercacheConfig config = managerUri.equals(getDefaultURI())
            ? defaultConfig(loader)
            : ConfigLoader.load(managerUri, loader);
        manager = new TierCacheManager(this, managerUri, loader, props, config, scopeOf(loader));
        byUri.put(managerUri, manager);
      }
      return manager;
    }
  }

  private static TiercacheConfig defaultConfig(ClassLoader loader) {
    String file = System.getProperty(CONFIG_PROPERTY);
    return file == null || file.isBlank() ? TiercacheConfig.builtIn() : ConfigLoader.load(URI.create(file.trim()), loader);
  }

  /**
   * The part of a cache's cluster-wide name that stands for the class loader: fixed for the provider's
   * own loader (the one every application instance in a cluster uses), a JVM-local id for any other.
   */
  private String scopeOf(ClassLoader loader) {
    if (loader == getDefaultClassLoader()) {
      return "default";
    }
    synchronized (LOADER_SCOPES) {
      return LOADER_SCOPES.computeIfAbsent(loader, l -> "loader-" + LOADER_IDS.incrementAndGet());
    }
  }

  @Override
  public ClassLoader getDefaultClassLoader() {
    return TierCachingProvider.class.getClassLoader();
  }

  @Override
  public URI getDefaultURI() {
    return URI.create(DEFAULT_URI);
  }

  @Override
  public Properties getDefaultProperties() {
    return new Properties();
  }

  @Override
  public CacheManager getCacheManager(URI uri, ClassLoader classLoader) {
    return getCacheManager(uri, classLoader, getDefaultProperties());
  }

  @Override
  public CacheManager getCacheManager() {
    return getCacheManager(getDefaultURI(), getDefaultClassLoader(), getDefaultProperties());
  }

  @Override
  public void close() {
    for (TierCacheManager manager : snapshot(null, null)) {
      manager.close();
    }
  }

  @Override
  public void close(ClassLoader classLoader) {
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    for (TierCacheManager manager : snapshot(loader, null)) {
      manager.close();
    }
  }

  @Override
  public void close(URI uri, ClassLoader classLoader) {
    ClassLoader loader = classLoader == null ? getDefaultClassLoader() : classLoader;
    URI managerUri = uri == null ? getDefaultURI() : uri;
    for (TierCacheManager manager : snapshot(loader, managerUri)) {
      manager.close();
    }
  }

  /** Managers matching the loader and URI ({@code null} matches any); closed outside the lock. */
  private List<TierCacheManager> snapshot(ClassLoader loader, URI uri) {
    List<TierCacheManager> result = new ArrayList<>();
    synchronized (managers) {
      for (Map.Entry<ClassLoader, Map<URI, TierCacheManager>> e : managers.entrySet()) {
        if (loader != null && e.getKey() != loader) {
          continue;
        }
        for (TierCacheManager manager : e.getValue().values()) {
          if (uri == null || manager.getURI().equals(uri)) {
            result.add(manager);
          }
        }
      }
    }
    return result;
  }

  /** Called by a manager that has closed, so the next request for its URI gets a new one. */
  void forget(TierCacheManager manager) {
    synchronized (managers) {
      Map<URI, TierCacheManager> byUri = managers.get(manager.getClassLoader());
      if (byUri != null) {
        byUri.remove(manager.getURI(), manager);
      }
    }
  }

  @Override
  public boolean isSupported(OptionalFeature optionalFeature) {
    // Store-by-reference is the only optional feature; a distributed cache cannot offer it.
    return false;
  }
}
