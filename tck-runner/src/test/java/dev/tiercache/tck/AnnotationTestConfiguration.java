package dev.tiercache.tck;

import manager.CacheNameOnEachMethodBlogManagerImpl;
import manager.ClassLevelCacheConfigBlogManagerImpl;
import manager.UsingDefaultCacheNameBlogManagerImpl;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Spring configuration of the annotation tests: the TCK's three blog managers, proxied by class (the
 * TCK asks for them by implementation type), and a cache manager on Tiercache.
 */
@Configuration
@EnableCaching(proxyTargetClass = true)
public class AnnotationTestConfiguration {

  @Bean
  public CacheManager cacheManager() {
    return new TiercacheSpringCacheManager();
  }

  @Bean
  public CacheNameOnEachMethodBlogManagerImpl cacheNameOnEachMethodBlogManager() {
    return new CacheNameOnEachMethodBlogManagerImpl();
  }

  @Bean
  public ClassLevelCacheConfigBlogManagerImpl classLevelCacheConfigBlogManager() {
    return new ClassLevelCacheConfigBlogManagerImpl();
  }

  @Bean
  public UsingDefaultCacheNameBlogManagerImpl usingDefaultCacheNameBlogManager() {
    return new UsingDefaultCacheNameBlogManagerImpl();
  }
}
