package dev.tiercache.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The entry listeners of one cache on the other members, so that a listener hears every change of the
 * cache wherever it is made. Each member keeps, per cache map, what every other member said of its
 * listeners (which event types, whether any is synchronous); a member that changes an entry sends the
 * events to the members that listen for them, through Hazelcast's executor, and waits until each has
 * handed them to its listeners: synchronous ones have run, asynchronous ones have them queued. The
 * change's caller waits inside the key's lock, so every member sees each key's events in the order they
 * happened. A member that leaves while it is being waited for fails its future, and the caller goes on.
 *
 * <p>Members tell each other of their listeners when they change (each telling numbered, so a late
 * answer never replaces a newer one), and a member opening the cache asks the others. Filters run where
 * their listener lives. A cache without listeners anywhere sends nothing: {@link #listening} is a
 * volatile read.
 */
public final class RemoteListeners {

  /** What a member that has the cache open does with the events the others send it. */
  public interface Receiver {
    /**
     * Delivers one event (serialized key and values; {@code null} where there is none) to this member's
     * listeners; returns the failure of a synchronous listener, or {@code null}.
     */
    String receive(int type, byte[] key, byte[] value, byte[] oldValue);

    /** This member's listeners of the cache: the {@code CREATED}…{@code SYNCHRONOUS} bits they take. */
    int listening();
  }

  public static final int CREATED = 1;
  public static final int UPDATED = 2;
  public static final int REMOVED = 4;
  public static final int EXPIRED = 8;
  public static final int SYNCHRONOUS = 16;

  private static final Logger LOG = Logger.getLogger(RemoteListeners.class.getName());
  private static final String REGISTRY = "tiercache.remote-listeners";
  private static final String EXECUTOR = "tiercache-events";
  private static final long TELL_TIMEOUT_MILLIS = 5_000;
  /** Longest wait for a member's listeners; Hazelcast fails the wait sooner if the member leaves. */
  private static final long DELIVERY_TIMEOUT_MILLIS = 60_000;

  private final HazelcastInstance hazelcast;
  private final String mapName;
  private final State state;
  private final Receiver receiver;

  private RemoteListeners(HazelcastInstance hazelcast, String mapName, State state, Receiver receiver) {
    this.hazelcast = hazelcast;
    this.mapName = mapName;
    this.state = state;
    this.receiver = receiver;
  }

  /**
   * Opens the cache of {@code mapName} on this member for cluster-wide listening: {@code receiver} gets
   * the others' events, and this member learns of the others' listeners (asking each, at most 5 s).
   */
  public static RemoteListeners open(HazelcastInstance hazelcast, String mapName, Receiver receiver) {
    State state = state(hazelcast, mapName);
    state.receivers.add(receiver);
    RemoteListeners listeners = new RemoteListeners(hazelcast, mapName, state, receiver);
    for (Map.Entry<Member, Object> answer : callOthers(hazelcast, new Question(mapName)).entrySet()) {
      if (answer.getValue() instanceof Long told) {
        state.heard(answer.getKey().getUuid(), told);
      }
    }
    return listeners;
  }

  /** Whether another member has listeners for any of the {@code types} bits. */
  public boolean listening(int types) {
    return (state.othersListening & types) != 0;
  }

  /** Tells the other members that this member's listeners changed (registered, deregistered, closed). */
  public void listenersChanged() {
    long told;
    synchronized (state) {
      told = state.told.incrementAndGet() << 8 | state.ownListening();
    }
    callOthers(hazelcast, new Telling(mapName, hazelcast.getCluster().getLocalMember().getUuid(), told));
  }

  /** Stops receiving, and tells the others if this member no longer listens. */
  public void close() {
    state.receivers.remove(receiver);
    try {
      listenersChanged();
    } catch (HazelcastInstanceNotActiveException e) {
      // the member is stopping: the others drop it when it has left
    }
  }

  /**
   * Sends one event of type {@code type} (one of the bits) to every other member listening for it and
   * waits until each has delivered it. Returns the failure of a synchronous listener there, or {@code null}.
   */
  public String send(int type, byte[] key, byte[] value, byte[] oldValue) {
    List<Future<Object>> deliveries = new ArrayList<>();
    for (Map.Entry<UUID, Long> other : state.others.entrySet()) {
      if ((other.getValue() & type) == 0) {
        continue;
      }
      Member member = hazelcast.getCluster().getMembers().stream().filter(m -> m.getUuid().equals(other.getKey()))
          .findFirst().orElse(null);
      if (member == null) {
        state.forget(other.getKey());
        continue;
      }
      deliveries.add(hazelcast.getExecutorService(EXECUTOR).submitToMember(
          new Delivery(mapName, type, key, value, oldValue), member));
    }
    String failure = null;
    for (Future<Object> delivery : deliveries) {
      try {
        Object answer = delivery.get(DELIVERY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        if (answer instanceof String message) {
          failure = message;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        // the member left, or its listeners take too long: the change does not wait for them any more
        LOG.log(Level.FINE, "A member did not take an event of " + mapName, e);
      }
    }
    return failure;
  }

  private static Map<Member, Object> callOthers(HazelcastInstance hazelcast, Callable<Object> call) {
    List<Member> others = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      if (!member.localMember()) {
        others.add(member);
      }
    }
    Map<Member, Object> answers = new java.util.HashMap<>();
    if (others.isEmpty()) {
      return answers;
    }
    Map<Member, Future<Object>> futures = hazelcast.getExecutorService(EXECUTOR).submitToMembers(call, others);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TELL_TIMEOUT_MILLIS);
    for (Map.Entry<Member, Future<Object>> future : futures.entrySet()) {
      try {
        answers.put(future.getKey(),
            future.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.FINE, "Member " + future.getKey() + " did not answer about the listeners of a cache", e);
      }
    }
    return answers;
  }

  private static State state(HazelcastInstance hazelcast, String mapName) {
    @SuppressWarnings("unchecked")
    ConcurrentMap<String, State> states = (ConcurrentMap<String, State>) hazelcast.getUserContext()
        .computeIfAbsent(REGISTRY, key -> new ConcurrentHashMap<String, State>());
    return states.computeIfAbsent(mapName, name -> new State());
  }

  /** One member's knowledge of one cache map's listeners: the others' (as last told) and its own receivers. */
  private static final class State {
    /** Member → what it last told: its telling's number above the low 8 bits, which hold its bits. */
    final ConcurrentMap<UUID, Long> others = new ConcurrentHashMap<>();
    final List<Receiver> receivers = new CopyOnWriteArrayList<>();
    final AtomicLong told = new AtomicLong();
    volatile int othersListening;

    synchronized void heard(UUID member, long told) {
      Long before = others.get(member);
      if (before == null || before >>> 8 < told >>> 8) {
        others.put(member, told);
        recount();
      }
    }

    synchronized void forget(UUID member) {
      others.remove(member);
      recount();
    }

    private void recount() {
      int bits = 0;
      for (long told : others.values()) {
        bits |= (int) (told & 0xff);
      }
      othersListening = bits;
    }

    int ownListening() {
      int bits = 0;
      for (Receiver receiver : receivers) {
        bits |= receiver.listening();
      }
      return bits;
    }
  }

  /** Base of the three calls: names the cache map, reaches the member's state. */
  private abstract static class Call implements Callable<Object>, HazelcastInstanceAware,
      IdentifiedDataSerializable {
    String mapName;
    transient HazelcastInstance hazelcast;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(mapName);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      mapName = in.readString();
    }
  }

  /** "Which listeners of this cache do you have?" Answered with a telling (see {@link State#others}). */
  static final class Question extends Call {
    /** For deserialization only. */
    Question() {}

    Question(String mapName) {
      this.mapName = mapName;
    }

    @Override
    public Object call() {
      State state = state(hazelcast, mapName);
      synchronized (state) {
        return state.told.get() << 8 | state.ownListening();
      }
    }

    @Override
    public int getClassId() {
      return RecordSerialization.LISTENERS_QUESTION;
    }
  }

  /** A member telling the others what listeners of the cache it now has. */
  static final class Telling extends Call {
    private UUID member;
    private long told;

    /** For deserialization only. */
    Telling() {}

    Telling(String mapName, UUID member, long told) {
      this.mapName = mapName;
      this.member = member;
      this.told = told;
    }

    @Override
    public Object call() {
      state(hazelcast, mapName).heard(member, told);
      return Boolean.TRUE;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.LISTENERS_TELLING;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeLong(member.getMostSignificantBits());
      out.writeLong(member.getLeastSignificantBits());
      out.writeLong(told);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      member = new UUID(in.readLong(), in.readLong());
      told = in.readLong();
    }
  }

  /** One event for the listeners of the member it is sent to. */
  static final class Delivery extends Call {
    private int type;
    private byte[] key;
    private byte[] value;
    private byte[] oldValue;

    /** For deserialization only. */
    Delivery() {}

    Delivery(String mapName, int type, byte[] key, byte[] value, byte[] oldValue) {
      this.mapName = mapName;
      this.type = type;
      this.key = key;
      this.value = value;
      this.oldValue = oldValue;
    }

    @Override
    public Object call() {
      String failure = null;
      for (Receiver receiver : state(hazelcast, mapName).receivers) {
        String failed = receiver.receive(type, key, value, oldValue);
        if (failed != null) {
          failure = failed;
        }
      }
      return failure;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.EVENT_DELIVERY;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      super.writeData(out);
      out.writeByte(type);
      out.writeByteArray(key);
      out.writeByteArray(value);
      out.writeByteArray(oldValue);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      type = in.readByte();
      key = in.readByteArray();
      value = in.readByteArray();
      oldValue = in.readByteArray();
    }
  }
}
