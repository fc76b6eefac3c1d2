package dev.tiercache.cluster;

import static com.hazelcast.internal.util.UUIDSerializationUtil.readUUID;
import static com.hazelcast.internal.util.UUIDSerializationUtil.writeUUID;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.services.NodeAware;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.impl.TopicService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The entry listeners of one cache across the members, so that a listener hears every change of the
 * cache wherever it is made, in the order the changes happened.
 *
 * <p><b>Every event leaves from the owner of its key.</b> The member that changes an entry has the
 * key's owner publish the event on the cache's topic, from the partition thread that orders the key's
 * operations: a {@link PutProcessor} publishes what it did itself, so does the sweeper's
 * {@link ExpireIfDue}, and any other change made under the key's lock ends with a {@link Publish}. Hazelcast hands one publisher's messages to each subscriber in the
 * order they were published, so every member, the one that made the change included, hears each key's
 * events in the order they happened, whichever members made them. A member subscribes while it has
 * listeners of the cache (nobody else is sent anything) and hands what arrives to them on a thread of
 * its own for the cache: in order, and off Hazelcast's event threads, which user code must not hold.
 *
 * <p><b>Synchronous listeners.</b> The changing member waits until every member with a synchronous
 * listener has delivered the event ({@link Waiting}): the last event of the change names the waiting
 * member and a number, and each such member answers it ({@link Ack}, one message on the waiting
 * member's answers topic) once its listeners have run, with the failure of one if any. A member that leaves, or no longer listens synchronously, is waited for no
 * longer; nothing waits longer than 60 s. A listener that changes an entry of its own cache is not
 * waited for by that change on its own member (it would wait for itself); its event follows in order.
 *
 * <p><b>Who listens.</b> Each member keeps, per cache map, what every other member said of its
 * listeners (which event types, whether any is synchronous); a member whose listeners change tells the
 * others (each telling numbered, so a late one never replaces a newer one), and a member opening the
 * cache asks them. That decides whether a change publishes at all ({@link #listening}, a volatile read)
 * and whom it waits for. Filters run where their listener lives.
 */
public final class RemoteListeners {

  /** What a member that has the cache open does with the cache's events. */
  public interface Receiver {
    /**
     * Delivers one event (serialized key and values; {@code null} where there is none) to this member's
     * listeners; returns the failure of a synchronous listener, or {@code null}.
     */
    RuntimeException receive(int type, byte[] key, byte[] value, byte[] oldValue);

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
  private static final String WAITS = "tiercache.listener-waits";
  private static final String EXECUTOR = "tiercache-events";
  private static final String TOPIC_PREFIX = "tiercache-events:";
  /** Each member's topic for the answers to its waits, by member UUID. */
  private static final String ANSWERS_PREFIX = "tiercache-event-answers:";
  private static final long TELL_TIMEOUT_MILLIS = 5_000;
  /** Longest wait for the synchronous listeners of a change; a member that leaves is dropped sooner. */
  private static final long DELIVERY_TIMEOUT_MILLIS = 60_000;
  private static final long RECHECK_MILLIS = 100;
  /** The cache whose events the current thread is delivering here, if any. */
  private static final ThreadLocal<State> DELIVERING = new ThreadLocal<>();

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
   * the cache's events while it has listeners, and this member learns of the others' listeners (asking
   * each, at most 5 s).
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

  /**
   * Whether another member, or another manager's cache of this map on this member, has listeners for
   * any of the {@code types} bits.
   */
  public boolean listening(int types) {
    return ((state.othersListening | state.listeningHere) & types) != 0;
  }

  /**
   * Tells the other members that this member's listeners changed (registered, deregistered, closed),
   * subscribing to the cache's events before it says it listens and unsubscribing after it says it
   * no longer does, so that no member counts on it while it cannot hear.
   */
  public void listenersChanged() {
    long told;
    synchronized (state) {
      state.listeningHere = state.ownListening();
      if (state.listeningHere != 0) {
        state.subscribe();
      }
      told = state.told.incrementAndGet() << 8 | state.listeningHere;
    }
    callOthers(hazelcast, new Telling(mapName, hazelcast.getCluster().getLocalMember().getUuid(), told));
    synchronized (state) {
      if (state.ownListening() == 0) {
        state.unsubscribe();
      }
    }
  }

  /** Stops receiving, and tells the others if this member no longer listens. */
  public void close() {
    state.receivers.remove(receiver);
    try {
      listenersChanged();
    } catch (HazelcastInstanceNotActiveException e) {
      // the member is stopping: the others drop it when it has left
      state.unsubscribe();
    }
  }

  /**
   * Starts the wait for the synchronous listeners that events of {@code types} must reach before the
   * change returns: the other members' as they told, and this member's (of every manager that has the
   * cache open here). Returns {@code null} if there is nobody to wait for.
   */
  public Waiting expect(int types) {
    List<UUID> members = synchronousMembers(types);
    return members.isEmpty() ? null : waits(hazelcast).start(members);
  }

  /** Whether a change with events of {@code types} would wait for a synchronous listener ({@link #expect}). */
  public boolean waitsForSynchronous(int types) {
    return !synchronousMembers(types).isEmpty();
  }

  private List<UUID> synchronousMembers(int types) {
    List<UUID> members = new ArrayList<>(2);
    for (Map.Entry<UUID, Long> other : state.others.entrySet()) {
      if (waitsFor(other.getValue().intValue() & 0xff, types)) {
        members.add(other.getKey());
      }
    }
    if (waitsFor(state.listeningHere, types) && DELIVERING.get() != state) {
      members.add(hazelcast.getCluster().getLocalMember().getUuid());
    }
    return members;
  }

  private static boolean waitsFor(int bits, int types) {
    return (bits & SYNCHRONOUS) != 0 && (bits & types) != 0;
  }

  /**
   * Has the owner of {@code k} publish one event of type {@code type} (one of the bits), and waits until
   * the synchronous listeners have it. The caller holds the key's lock. Returns the failure of a
   * synchronous listener (the first one heard), or {@code null}.
   */
  public RuntimeException publish(Data k, int type, byte[] key, byte[] value, byte[] oldValue) {
    Waiting waiting = expect(type);
    Event event = new Event(type, key, value, oldValue, waiting);
    try {
      hazelcast.<Object, CacheRecord>getMap(mapName).executeOnKey(k, new Publish(mapName, event));
    } catch (RuntimeException e) {
      if (waiting != null) {
        waiting.cancel();
      }
      throw e;
    }
    return waiting == null ? null : waiting.await(this);
  }

  /**
   * {@code put} that also publishes what it did on the owner: the key's serialized form, and the wait
   * for synchronous listeners {@link #expect} gave (or {@code null}).
   */
  public PutProcessor publishing(PutProcessor put, byte[] key, Waiting waiting) {
    return put.publishing(mapName, key, waiting);
  }

  /** The sweeper's look at an entry (serialized {@code key}) that publishes its EXPIRED event, if due. */
  public ExpireIfDue expiring(byte[] key, Waiting waiting) {
    return ExpireIfDue.publishing(mapName, key, waiting);
  }

  /** Whether {@code member} is still one to wait for: in the cluster and, as last heard, listening synchronously. */
  private boolean stillWaitedFor(UUID member) {
    if (member.equals(hazelcast.getCluster().getLocalMember().getUuid())) {
      return (state.listeningHere & SYNCHRONOUS) != 0;
    }
    Long told = state.others.get(member);
    if (told == null || (told & SYNCHRONOUS) == 0) {
      return false;
    }
    for (Member m : hazelcast.getCluster().getMembers()) {
      if (m.getUuid().equals(member)) {
        return true;
      }
    }
    state.forget(member);
    return false;
  }

  /**
   * One change's wait for the synchronous listeners its last event must reach: the members that have
   * yet to answer, and the first failure heard.
   */
  public static final class Waiting {
    final long id;
    final UUID waiter;
    private final Set<UUID> members = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final Waits waits;
    private volatile RuntimeException failure;

    Waiting(long id, UUID waiter, List<UUID> members, Waits waits) {
      this.id = id;
      this.waiter = waiter;
      this.members.addAll(members);
      this.waits = waits;
    }

    void answered(UUID member, RuntimeException failed) {
      if (failed != null && failure == null) {
        failure = failed;
      }
      members.remove(member);
      if (members.isEmpty()) {
        done.complete(null);
      }
    }

    /** The change made no event after all: nobody is waited for. */
    public void cancel() {
      waits.byId.remove(id);
    }

    /** Waits for every member still to be waited for; returns the first failure heard, or {@code null}. */
    public RuntimeException await(RemoteListeners listeners) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DELIVERY_TIMEOUT_MILLIS);
      try {
        while (!done.isDone() && System.nanoTime() < deadline) {
          try {
            done.get(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            members.removeIf(member -> !listeners.stillWaitedFor(member));
            if (members.isEmpty()) {
              break;
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          } catch (ExecutionException e) {
            break; // never completed exceptionally
          }
        }
      } finally {
        waits.byId.remove(id);
      }
      if (!done.isDone() && !members.isEmpty()) {
        LOG.warning("Synchronous listeners of " + listeners.mapName + " on " + members
            + " did not answer within " + DELIVERY_TIMEOUT_MILLIS + " ms; the change goes on");
      }
      return failure;
    }
  }

  /**
   * This member's changes waiting for synchronous listeners, by number; and its subscription to the
   * answers, taken before the first wait starts.
   */
  static final class Waits {
    private final AtomicLong ids = new AtomicLong();
    final ConcurrentMap<Long, Waiting> byId = new ConcurrentHashMap<>();
    private final HazelcastInstance hazelcast;
    private final UUID local;
    private volatile boolean hearingAnswers;

    Waits(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
      this.local = hazelcast.getCluster().getLocalMember().getUuid();
    }

    Waiting start(List<UUID> members) {
      if (!hearingAnswers) {
        hearAnswers();
      }
      Waiting waiting = new Waiting(ids.incrementAndGet(), local, members, this);
      byId.put(waiting.id, waiting);
      return waiting;
    }

    private synchronized void hearAnswers() {
      if (!hearingAnswers) {
        hazelcast.<Ack>getTopic(ANSWERS_PREFIX + local).addMessageListener(message -> {
          Ack ack = message.getMessageObject();
          answered(ack.waitId, ack.member, ack.failure == null ? null : new ListenerFailure(ack.failure));
        });
        hearingAnswers = true;
      }
    }

    void answered(long id, UUID member, RuntimeException failure) {
      Waiting waiting = byId.get(id);
      if (waiting != null) {
        waiting.answered(member, failure);
      }
    }
  }

  private static Waits waits(HazelcastInstance hazelcast) {
    return (Waits) hazelcast.getUserContext().computeIfAbsent(WAITS, key -> new Waits(hazelcast));
  }

  /** Publishes {@code event} of the cache map {@code mapName} on its topic, from the member {@code node}. */
  static void publish(Node node, String mapName, Event event) {
    TopicService topics = node.getNodeEngine().getService(TopicService.SERVICE_NAME);
    topics.publishMessage(TOPIC_PREFIX + mapName, event, false);
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
    return states.computeIfAbsent(mapName, name -> new State(hazelcast, name));
  }

  /**
   * One member's part in one cache map's listeners: the others' (as last told), its own receivers, and
   * while it has listeners, its subscription to the cache's events and the thread that delivers them.
   */
  private static final class State {
    /** Member → what it last told: its telling's number above the low 8 bits, which hold its bits. */
    final ConcurrentMap<UUID, Long> others = new ConcurrentHashMap<>();
    final List<Receiver> receivers = new CopyOnWriteArrayList<>();
    final AtomicLong told = new AtomicLong();
    volatile int othersListening;
    /** What the receivers here listen for, as of the last change: {@link #ownListening()} kept. */
    volatile int listeningHere;
    private final HazelcastInstance hazelcast;
    private final String mapName;
    private UUID subscription;
    private ExecutorService delivery;

    State(HazelcastInstance hazelcast, String mapName) {
      this.hazelcast = hazelcast;
      this.mapName = mapName;
    }

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

    synchronized void subscribe() {
      if (subscription == null) {
        delivery = Executors.newSingleThreadExecutor(task -> {
          Thread thread = new Thread(task, "tiercache-events-" + mapName);
          thread.setDaemon(true);
          return thread;
        });
        ExecutorService deliveringOn = delivery;
        subscription = hazelcast.<Event>getTopic(TOPIC_PREFIX + mapName)
            .addMessageListener(message -> deliveringOn.execute(() -> deliver(message)));
      }
    }

    synchronized void unsubscribe() {
      if (subscription != null) {
        try {
          hazelcast.getTopic(TOPIC_PREFIX + mapName).removeMessageListener(subscription);
        } catch (HazelcastInstanceNotActiveException e) {
          // the member is stopping, its subscription with it
        }
        delivery.shutdown(); // what was queued is still delivered, to receivers that may have closed
        subscription = null;
        delivery = null;
      }
    }

    /** Hands one event to this member's listeners, and answers the member waiting for it if it must. */
    private void deliver(Message<Event> message) {
      Event event = message.getMessageObject();
      RuntimeException failure = null;
      DELIVERING.set(this);
      try {
        for (Receiver receiver : receivers) {
          RuntimeException failed = receiver.receive(event.type, event.key, event.value, event.oldValue);
          if (failed != null && failure == null) {
            failure = failed;
          }
        }
      } finally {
        DELIVERING.remove();
      }
      if (event.waitId != 0 && (listeningHere & SYNCHRONOUS) != 0) {
        answer(event, failure);
      }
    }

    private void answer(Event event, RuntimeException failure) {
      UUID local = hazelcast.getCluster().getLocalMember().getUuid();
      if (event.waiter.equals(local)) {
        waits(hazelcast).answered(event.waitId, local, failure);
        return;
      }
      String reason = failure == null ? null
          : String.valueOf(failure.getCause() != null ? failure.getCause() : failure.getMessage());
      // One message to the waiting member's own topic; nobody hears it if that member has left.
      hazelcast.getTopic(ANSWERS_PREFIX + event.waiter).publish(new Ack(event.waitId, local, reason));
    }
  }

  /** Base of the two questions between members: names the cache map, reaches the member's state. */
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
      writeUUID(out, member);
      out.writeLong(told);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      super.readData(in);
      member = readUUID(in);
      told = in.readLong();
    }
  }

  /**
   * One event as its key's owner publishes it: its type bit, key and values serialized, and, on the
   * last event of a change that waits for synchronous listeners, the waiting member and its number.
   */
  static final class Event implements IdentifiedDataSerializable {
    int type;
    byte[] key;
    byte[] value;
    byte[] oldValue;
    UUID waiter;
    long waitId;

    /** For deserialization only. */
    Event() {}

    Event(int type, byte[] key, byte[] value, byte[] oldValue, Waiting waiting) {
      this.type = type;
      this.key = key;
      this.value = value;
      this.oldValue = oldValue;
      if (waiting != null) {
        this.waiter = waiting.waiter;
        this.waitId = waiting.id;
      }
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.ENTRY_EVENT;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeByte(type);
      out.writeByteArray(key);
      out.writeByteArray(value);
      out.writeByteArray(oldValue);
      out.writeLong(waitId);
      writeUUID(out, waiter);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      type = in.readByte();
      key = in.readByteArray();
      value = in.readByteArray();
      oldValue = in.readByteArray();
      waitId = in.readLong();
      waiter = readUUID(in);
    }
  }

  /**
   * Publishes one event from the key's owner, on its partition thread, for a change made under the
   * key's lock. Read-only: it changes nothing, has no backup, and does not wait for the lock its
   * caller holds.
   */
  static final class Publish implements EntryProcessor<Object, CacheRecord, Object>, ReadOnly, NodeAware,
      IdentifiedDataSerializable {
    private String mapName;
    private Event event;
    private transient Node node;

    /** For deserialization only. */
    Publish() {}

    Publish(String mapName, Event event) {
      this.mapName = mapName;
      this.event = event;
    }

    @Override
    public void setNode(Node node) {
      this.node = node;
    }

    @Override
    public Object process(Map.Entry<Object, CacheRecord> entry) {
      RemoteListeners.publish(node, mapName, event);
      return null;
    }

    @Override
    public EntryProcessor<Object, CacheRecord, Object> getBackupProcessor() {
      return null;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.PUBLISH_EVENT;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString(mapName);
      event.writeData(out);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      mapName = in.readString();
      event = new Event();
      event.readData(in);
    }
  }

  /**
   * A member's answer to a change waiting for its synchronous listeners: they have run (and how). Sent
   * on the waiting member's answers topic: one message, no response.
   */
  static final class Ack implements IdentifiedDataSerializable {
    private long waitId;
    private UUID member;
    private String failure;

    /** For deserialization only. */
    Ack() {}

    Ack(long waitId, UUID member, String failure) {
      this.waitId = waitId;
      this.member = member;
      this.failure = failure;
    }

    @Override
    public int getFactoryId() {
      return RecordSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return RecordSerialization.EVENT_ACK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeLong(waitId);
      writeUUID(out, member);
      out.writeString(failure);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      waitId = in.readLong();
      member = readUUID(in);
      failure = in.readString();
    }
  }

  /** The failure of a synchronous listener on another member, as it reported it. */
  public static final class ListenerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenerFailure(String message) {
      super(message, null, false, false);
    }
  }
}
