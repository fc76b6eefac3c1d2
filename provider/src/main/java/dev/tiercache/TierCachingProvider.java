package dev.tiercache;

import dev.tiercache.config.ConfigLoader;
import dev.tiercache.config.TiercacheConfig;
import dev.tiercache.config.TiercacheConfigException;
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
 * unless the system property {@value #CONFIG_PROPERTY} names a {@code tiercache.yaml} for it. A URI that
 * locates a file ({@code classpath:}, or a URL: {@code file:}, {@code jar:}, {@code http:}...) names a
 * {@code tiercache.yaml} that may define a cluster; a bad file fails here, before any member starts. Any
 * other URI ({@code my-app}, {@code urn:orders}) is a name: a manager of its own, with the default
 * configuration, whose caches are apart from every other manager's (their map names carry the URI) and
 * which closes on its own, while it shares the default manager's member.
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
        boolean location = isConfigurationLocation(managerUri);
        TiercacheConfig config = location ? ConfigLoader.load(managerUri, loader) : defaultConfig(loader);
        String scope = location || managerUri.equals(getDefaultURI()) ? scopeOf(loader)
            : scopeOf(loader) + "/" + escape(managerUri.toString());
        manager = new TierCacheManager(this, managerUri, loader, props, config, scope);
        byUri.put(managerUri, manager);
      }
      return manager;
    }
  }

  /**
   * Whether {@code uri} says where a {@code tiercache.yaml} is ({@code classpath:}, or a scheme this JVM
   * opens as a URL: {@code file:}, {@code jar:}, {@code http:}...); any other URI is a name, as JCache's
   * reference implementation, Caffeine and Hazelcast read {@code URI.create("my-app")}. A scheme-less URI
   * that looks like a file name is refused rather than read as a name, since its author meant a file.
   */
  static boolean isConfigurationLocation(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null) {
      String path = uri.toString().toLowerCase(java.util.Locale.ROOT);
      if (path.endsWith(".yaml") || path.endsWith(".yml")) {
        throw new TiercacheConfigException("Tiercache configuration URI " + uri + " names no file: use "
            + "classpath:" + uri + " or file:" + uri + " (a URI without a scheme names a CacheManager, not a file)");
      }
      return false;
    }
    if ("classpath".equalsIgnoreCase(scheme)) {
      return true;
    }
    try {
      uri.toURL(); // file:, jar:, http:... any scheme this JVM can open as a URL
      return true;
    } catch (java.net.MalformedURLException | IllegalArgumentException e) {
      String path = uri.toString().toLowerCase(java.util.Locale.ROOT);
      if (path.endsWith(".yaml") || path.endsWith(".yml")) { // classpth:..., C:/...: meant as a file
        throw new TiercacheConfigException("Tiercache configuration URI " + uri + " names no file this JVM can "
            + "open (scheme '" + scheme + "'): use classpath:<resource> or file:<path>");
      }
      return false;
    }
  }

  /** A manager URI inside a map name: {@code :} separates a map name's parts and {@code @} is Hazelcast's. */
  private static String escape(String uri) {
    return uri.replace("%", "%25").replace(":", "%3A").replace("@", "%40");
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
