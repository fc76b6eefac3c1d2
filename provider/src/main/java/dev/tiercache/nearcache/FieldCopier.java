package dev.tiercache.nearcache;

import java.io.Externalizable;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import sun.reflect.ReflectionFactory;

/**
 * Copies an object graph field by field, with exactly the outcome Java serialization would give, for
 * the graphs where that can be known without running it: every mutable object in the graph is of a
 * {@link Serializable} class that leaves serialization to the default mechanism (no
 * {@code writeObject}, {@code readObject}, {@code readObjectNoData}, {@code writeReplace},
 * {@code readResolve} or {@code serialPersistentFields}), or an {@link ArrayList}, {@link HashMap},
 * {@link HashSet} or {@link Date}, or an array. Like deserialization it creates instances without running
 * their constructors (only that of the first non-serializable superclass), leaves transient fields at
 * their defaults, and keeps shared references and cycles as they are. Any other object in the graph
 * makes {@link #copy} return {@link #UNSUPPORTED}, and the caller deserializes instead.
 *
 * <p>Why: a near cache hit must return a private copy (store-by-value), and for a small object
 * this costs tens of nanoseconds where a serialization round trip costs microseconds.
 */
final class FieldCopier {

  /** Returned by {@link #copy} for a graph this copier cannot reproduce exactly. */
  static final Object UNSUPPORTED = new Object();

  private static final ClassValue<Plan> PLANS = new ClassValue<>() {
    @Override
    protected Plan computeValue(Class<?> type) {
      return Plan.of(type);
    }
  };

  private FieldCopier() {}

  /** Whether graphs rooted in an instance of {@code type} may be copyable (the fields still decide). */
  static boolean mayCopy(Class<?> type) {
    return PLANS.get(type).kind != Kind.UNSUPPORTED;
  }

  /** A copy of {@code root}, or {@link #UNSUPPORTED}. */
  static Object copy(Object root) {
    try {
      return new Copying().copy(root);
    } catch (ReflectiveOperationException | RuntimeException e) { // Unsupported included
      return UNSUPPORTED;
    }
  }

  private enum Kind { IMMUTABLE, FIELDS, ARRAY, ARRAY_LIST, HASH_MAP, HASH_SET, DATE, UNSUPPORTED }

  /** How instances of one class are copied, worked out once per class. */
  private static final class Plan {
    final Kind kind;
    final Constructor<?> allocator;
    final Field[] fields;

    private Plan(Kind kind, Constructor<?> allocator, Field[] fields) {
      this.kind = kind;
      this.allocator = allocator;
      this.fields = fields;
    }

    static Plan of(Class<?> type) {
      if (Immutables.isImmutable(type)) {
        return new Plan(Kind.IMMUTABLE, null, null);
      }
      if (type.isArray()) {
        return new Plan(Kind.ARRAY, null, null);
      }
      if (type == ArrayList.class) {
        return new Plan(Kind.ARRAY_LIST, null, null);
      }
      if (type == HashMap.class) {
        return new Plan(Kind.HASH_MAP, null, null);
      }
      if (type == HashSet.class) {
        return new Plan(Kind.HASH_SET, null, null);
      }
      if (type == Date.class) {
        return new Plan(Kind.DATE, null, null);
      }
      try {
        return fieldsPlan(type);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return new Plan(Kind.UNSUPPORTED, null, null); // e.g. a JDK class whose fields are not open to us
      }
    }

    private static Plan fieldsPlan(Class<?> type) throws ReflectiveOperationException {
      Plan unsupported = new Plan(Kind.UNSUPPORTED, null, null);
      if (!Serializable.class.isAssignableFrom(type) || Externalizable.class.isAssignableFrom(type)
          || type.isRecord() || type.isInterface() || Modifier.isAbstract(type.getModifiers())
          || type.isHidden() || type.isAnonymousClass() || type.isSynthetic()) {
        return unsupported;
      }
      List<Field> fields = new ArrayList<>();
      Class<?> c = type;
      for (; c != null && Serializable.class.isAssignableFrom(c); c = c.getSuperclass()) {
        if (customizesSerialization(c)) {
          return unsupported;
        }
        for (Field f : c.getDeclaredFields()) {
          int m = f.getModifiers();
          if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
            f.setAccessible(true);
            fields.add(f);
          }
        }
      }
      // c is the first non-serializable superclass: deserialization runs its no-argument constructor.
      for (Class<?> above = c; above != null; above = above.getSuperclass()) {
        if (declares(above, "writeReplace") || declares(above, "readResolve")) {
          return unsupported;
        }
      }
      Constructor<?> base = c.getDeclaredConstructor();
      if (Modifier.isPrivate(base.getModifiers())) {
        return unsupported; // deserialization would fail: nothing to reproduce
      }
      Constructor<?> allocator = ReflectionFactory.getReflectionFactory().newConstructorForSerialization(type, base);
      allocator.setAccessible(true);
      return new Plan(Kind.FIELDS, allocator, fields.toArray(new Field[0]));
    }

    private static boolean customizesSerialization(Class<?> c) {
      if (declares(c, "writeReplace") || declares(c, "readResolve") || declares(c, "readObjectNoData")) {
        return true;
      }
      try {
        c.getDeclaredField("serialPersistentFields");
        return true;
      } catch (NoSuchFieldException e) {
        // the default: all non-static, non-transient fields
      }
      return declares(c, "writeObject", ObjectOutputStream.class) || declares(c, "readObject", ObjectInputStream.class);
    }

    private static boolean declares(Class<?> c, String name, Class<?>... parameters) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals(name) && java.util.Arrays.equals(m.getParameterTypes(), parameters)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Signals a graph this copier cannot reproduce; thrown deep in the graph, caught at the root. */
  private static final class Unsupported extends RuntimeException {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  /**
   * One copy operation. Keeps the originals already copied, so that shared references and cycles come
   * out as they went in; the map is only created once a second mutable object turns up, so that the
   * common case (one object of primitives and strings) allocates nothing but the copy.
   */
  private static final class Copying {
    private Object firstOriginal;
    private Object firstCopy;
    private IdentityHashMap<Object, Object> copies;

    Object copy(Object original) throws ReflectiveOperationException {
      if (original == null) {
        return null;
      }
      Plan plan = PLANS.get(original.getClass());
      if (plan.kind == Kind.IMMUTABLE) {
        return original;
      }
      if (plan.kind == Kind.UNSUPPORTED) {
        throw new Unsupported();
      }
      Object seen = copied(original);
      if (seen != null) {
        return seen;
      }
      switch (plan.kind) {
        case FIELDS -> {
          Object copy = plan.allocator.newInstance();
          remember(original, copy);
          for (Field f : plan.fields) {
            copyField(f, original, copy);
          }
          return copy;
        }
        case ARRAY -> {
          int length = Array.getLength(original);
          Class<?> component = original.getClass().getComponentType();
          if (component.isPrimitive()) {
            Object copy = cloneArray(original);
            remember(original, copy);
            return copy;
          }
          Object[] source = (Object[]) original;
          Object[] copy = (Object[]) Array.newInstance(component, length);
          remember(original, copy);
          for (int i = 0; i < length; i++) {
            copy[i] = copy(source[i]);
          }
          return copy;
        }
        case ARRAY_LIST -> {
          List<?> source = (List<?>) original;
          ArrayList<Object> copy = new ArrayList<>(source.size());
          remember(original, copy);
          for (Object element : source) {
            copy.add(copy(element));
          }
          return copy;
        }
        case HASH_MAP -> {
          Map<?, ?> source = (Map<?, ?>) original;
          HashMap<Object, Object> copy = new HashMap<>(Math.max(16, (int) (source.size() / 0.75f) + 1));
          remember(original, copy);
          for (Map.Entry<?, ?> e : source.entrySet()) {
            copy.put(copy(e.getKey()), copy(e.getValue()));
          }
          return copy;
        }
        case HASH_SET -> {
          HashSet<?> source = (HashSet<?>) original;
          HashSet<Object> copy = new HashSet<>(Math.max(16, (int) (source.size() / 0.75f) + 1));
          remember(original, copy);
          for (Object element : source) {
            copy.add(copy(element));
          }
          return copy;
        }
        case DATE -> {
          Date copy = new Date(((Date) original).getTime());
          remember(original, copy);
          return copy;
        }
        default -> throw new Unsupported();
      }
    }

    private void copyField(Field f, Object from, Object to) throws ReflectiveOperationException {
      Class<?> type = f.getType();
      if (!type.isPrimitive()) {
        f.set(to, copy(f.get(from)));
      } else if (type == int.class) {
        f.setInt(to, f.getInt(from));
      } else if (type == long.class) {
        f.setLong(to, f.getLong(from));
      } else if (type == double.class) {
        f.setDouble(to, f.getDouble(from));
      } else if (type == boolean.class) {
        f.setBoolean(to, f.getBoolean(from));
      } else if (type == float.class) {
        f.setFloat(to, f.getFloat(from));
      } else if (type == short.class) {
        f.setShort(to, f.getShort(from));
      } else if (type == byte.class) {
        f.setByte(to, f.getByte(from));
      } else {
        f.setChar(to, f.getChar(from));
      }
    }

    private Object copied(Object original) {
      if (original == firstOriginal) {
        return firstCopy;
      }
      return copies == null ? null : copies.get(original);
    }

    private void remember(Object original, Object copy) {
      if (firstOriginal == null) {
        firstOriginal = original;
        firstCopy = copy;
        return;
      }
      if (copies == null) {
        copies = new IdentityHashMap<>();
      }
      copies.put(original, copy);
    }

    private static Object cloneArray(Object array) {
      if (array instanceof byte[] a) {
        return a.clone();
      } else if (array instanceof int[] a) {
        return a.clone();
      } else if (array instanceof long[] a) {
        return a.clone();
      } else if (array instanceof double[] a) {
        return a.clone();
      } else if (array instanceof char[] a) {
        return a.clone();
      } else if (array instanceof boolean[] a) {
        return a.clone();
      } else if (array instanceof float[] a) {
        return a.clone();
      }
      return ((short[]) array).clone();
    }
  }
}
