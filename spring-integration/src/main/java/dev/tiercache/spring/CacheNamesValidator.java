package dev.tiercache.spring;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cache.interceptor.CacheOperation;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.util.ReflectionUtils;

/**
 * When caches are not created on use ({@code tiercache.create-missing-caches=false}), checks at start-up
 * that every cache an annotation names exists, so a typo stops the application with the name instead
 * of failing the first call that reaches it.
 */
final class CacheNamesValidator implements SmartInitializingSingleton {

  private final ConfigurableListableBeanFactory beans;
  private final ObjectProvider<CacheOperationSource> operations;
  private final TiercacheCacheManager cacheManager;

  CacheNamesValidator(ConfigurableListableBeanFactory beans, ObjectProvider<CacheOperationSource> operations,
      TiercacheCacheManager cacheManager) {
    this.beans = beans;
    this.operations = operations;
    this.cacheManager = cacheManager;
  }

  @Override
  public void afterSingletonsInstantiated() {
    CacheOperationSource source = operations.getIfAvailable();
    if (source == null) {
      return;
    }
    Set<String> known = new TreeSet<>(cacheManager.getCacheNames());
    Set<String> unknown = new TreeSet<>();
    for (String name : beans.getBeanDefinitionNames()) {
      Class<?> type = beans.getType(name, false);
      if (type == null) {
        continue;
      }
      Class<?> target = org.springframework.util.ClassUtils.getUserClass(type);
      for (Method method : ReflectionUtils.getUniqueDeclaredMethods(target)) {
        Collection<CacheOperation> ops = source.getCacheOperations(method, target);
        if (ops == null) {
          continue;
        }
        for (CacheOperation op : ops) {
          for (String cache : op.getCacheNames()) {
            if (!known.contains(cache)) {
              unknown.add(cache + " (used by " + target.getName() + "." + method.getName() + ")");
            }
          }
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalStateException("Unknown Tiercache cache names: " + unknown + ". Known caches: " + known
          + ". List them under tiercache.caches in " + cacheManager.getJCacheManager().getURI()
          + " or under tiercache.cache-names, or set tiercache.create-missing-caches=true.");
    }
  }
}
