package dev.tiercache.spring;

import dev.tiercache.TierCachingProvider;
import dev.tiercache.management.TiercacheMetrics;
import java.net.URI;
import javax.cache.Caching;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.DefaultResourceLoader;

/**
 * Makes Tiercache the application's Spring cache manager when caching is enabled
 * ({@code @EnableCaching}) and the application has not defined one. Setting {@code spring.cache.type}
 * (for instance to {@code jcache}, Spring Boot's standard JCache route, which also finds Tiercache)
 * turns this off.
 */
@AutoConfiguration(before = CacheAutoConfiguration.class)
@ConditionalOnClass({TierCachingProvider.class, CacheManager.class})
@ConditionalOnBean(CacheAspectSupport.class)
@ConditionalOnMissingBean(CacheManager.class)
@ConditionalOnProperty(prefix = "spring.cache", name = "type", matchIfMissing = true, havingValue = "tiercache")
@EnableConfigurationProperties(TiercacheProperties.class)
public class TiercacheAutoConfiguration {

  private static final String DEFAULT_FILE = "classpath:tiercache.yaml";

  @Bean
  public TiercacheCacheManager cacheManager(TiercacheProperties properties) {
    TierCachingProvider provider =
        (TierCachingProvider) Caching.getCachingProvider(TierCachingProvider.class.getName());
    ClassLoader classLoader = provider.getDefaultClassLoader();
    javax.cache.CacheManager jcache = provider.getCacheManager(configUri(properties, classLoader), classLoader);
    TiercacheCacheManager manager = new TiercacheCacheManager(jcache, properties.isAllowNullValues());
    for (String name : properties.getCacheNames()) {
      manager.getCache(name);
    }
    manager.setCreateMissingCaches(properties.isCreateMissingCaches());
    return manager;
  }

  /** Binds Micrometer's cache meters for Tiercache caches when the application has Micrometer. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.cache.CacheMeterBinder")
  static class Metrics {
    @Bean
    CacheMeterBinderProvider<TiercacheCache> tiercacheCacheMeterBinderProvider() {
      return (cache, tags) -> new TiercacheMetrics(cache.getNativeCache(), tags);
    }
  }

  /** With caches not created on use, checks at start-up that every cache an annotation names exists. */
  @Bean
  @ConditionalOnProperty(prefix = "tiercache", name = "create-missing-caches", havingValue = "false")
  CacheNamesValidator tiercacheCacheNamesValidator(ConfigurableListableBeanFactory beans,
      ObjectProvider<CacheOperationSource> operations, TiercacheCacheManager cacheManager) {
    return new CacheNamesValidator(beans, operations, cacheManager);
  }

  /** Reports the member's health when the application has Spring Boot's health support. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class HealthCheck {
    @Bean
    org.springframework.boot.health.contributor.HealthIndicator tiercacheHealthIndicator(
        TiercacheCacheManager cacheManager) {
      return new TiercacheHealthIndicator(cacheManager);
    }
  }

  private static URI configUri(TiercacheProperties properties, ClassLoader classLoader) {
    if (properties.getConfig() != null && !properties.getConfig().isBlank()) {
      return URI.create(properties.getConfig().trim());
    }
    boolean hasDefaultFile = new DefaultResourceLoader(classLoader).getResource(DEFAULT_FILE).exists();
    return hasDefaultFile ? URI.create(DEFAULT_FILE) : URI.create(TierCachingProvider.DEFAULT_URI);
  }
}
