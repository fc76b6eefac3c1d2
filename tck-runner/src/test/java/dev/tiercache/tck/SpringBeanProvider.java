package dev.tiercache.tck;

import javax.cache.annotation.BeanProvider;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * The TCK's way in to annotated beans: found through {@code META-INF/services}, it returns the TCK's
 * blog managers from a Spring context in which Spring's JSR-107 interceptor handles
 * {@code @CacheResult}, {@code @CachePut}, {@code @CacheRemove} and {@code @CacheRemoveAll} on Tiercache.
 */
public final class SpringBeanProvider implements BeanProvider {

  private static final class Holder {
    static final AnnotationConfigApplicationContext CONTEXT =
        new AnnotationConfigApplicationContext(AnnotationTestConfiguration.class);
  }

  @Override
  public <T> T getBeanByType(Class<T> beanClass) {
    return Holder.CONTEXT.getBean(beanClass);
  }
}
