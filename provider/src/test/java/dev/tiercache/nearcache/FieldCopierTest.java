package dev.tiercache.nearcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The field-by-field copy gives what a Java serialization round trip gives, or declines. */
class FieldCopierTest {

  @Test
  void aGraphComesOutAsSerializationWouldGiveIt() throws Exception {
    Node a = new Node("a");
    Node b = new Node("b");
    a.next = b;
    b.next = a; // a cycle
    a.shared = b.shared = new int[] {1, 2, 3}; // one array, referenced twice
    a.cached = "transient";
    a.children.add(b);
    a.byName.put("self", a);
    a.when = new Date(42);

    Node copy = (Node) FieldCopier.copy(a);
    Node viaSerialization = roundTrip(a);

    for (Node n : List.of(copy, viaSerialization)) {
      assertNotSame(a, n);
      assertEquals("a", n.name);
      assertSame(n, n.next.next, "the cycle is kept");
      assertSame(n.shared, n.next.shared, "a shared array stays shared");
      assertNotSame(a.shared, n.shared);
      assertNull(n.cached, "transient fields start empty");
      assertSame(n.next, n.children.get(0));
      assertSame(n, n.byName.get("self"));
      assertEquals(new Date(42), n.when);
      assertNotSame(a.when, n.when);
      assertEquals(7, n.inheritedFromNonSerializable, "the non-serializable superclass's constructor ran");
    }
  }

  @Test
  void classesThatCustomizeSerializationAreLeftToSerialization() {
    assertSame(FieldCopier.UNSUPPORTED, FieldCopier.copy(new Custom()));
    Holder holder = new Holder();
    holder.inside = new Custom();
    assertSame(FieldCopier.UNSUPPORTED, FieldCopier.copy(holder), "also deep inside a graph");
    assertSame(FieldCopier.UNSUPPORTED, FieldCopier.copy(new NotSerializable()));
  }

  @Test
  void immutableValuesAndRecordsOfThemAreNotCopied() {
    Point point = new Point(1, "p");
    assertSame(point, FieldCopier.copy(point));
    assertTrue(Immutables.isImmutable(String.class));
    assertTrue(!Immutables.isImmutable(Holder.class));
    assertTrue(!Immutables.isImmutable(Box.class), "a record holding a mutable type is not immutable");
  }

  private static Node roundTrip(Node node) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(node);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (Node) in.readObject();
    }
  }

  /** Not serializable: its fields are not copied, its constructor runs on deserialization. */
  public static class Base {
    int inheritedFromNonSerializable;

    public Base() {
      inheritedFromNonSerializable = 7;
    }
  }

  public static final class Node extends Base implements Serializable {
    String name;
    Node next;
    int[] shared;
    transient String cached;
    ArrayList<Node> children = new ArrayList<>();
    HashMap<String, Node> byName = new HashMap<>();
    Date when;

    Node(String name) {
      this.name = name;
      this.inheritedFromNonSerializable = -1;
    }
  }

  public static final class Custom implements Serializable {
    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
    }
  }

  public static final class Holder implements Serializable {
    Object inside;
  }

  public static final class NotSerializable {
    int x;
  }

  public record Point(int x, String name) implements Serializable {}

  public record Box(List<String> items) implements Serializable {}
}
