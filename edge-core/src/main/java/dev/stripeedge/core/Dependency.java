package dev.stripeedge.core;

/**
 * What a cached answer depends on, so that a change drops it: an object it contains, an object it
 * refers to, or the membership of a collection it lists. The cache indexes entries under each
 * dependency's {@link #key()} and a write, event or reconciliation invalidates by the same keys, in
 * every tier and across edges sharing one.
 */
public sealed interface Dependency {

  /** The string the tiers index and broadcast; stable across versions of the edge. */
  String key();

  /** The answer contains the object ({@code "id": "ch_1"} at any depth): it shows its state. */
  record Contains(String objectId) implements Dependency {
    @Override
    public String key() {
      return objectId;
    }
  }

  /**
   * The answer refers to the object ({@code "customer": "cus_1"}) without containing it: it does
   * not show the object's state, but may change when the object goes away or is detached.
   */
  record References(String objectId) implements Dependency {
    /** The prefix of {@link #key()}. */
    public static final String PREFIX = "ref:";

    @Override
    public String key() {
      return PREFIX + objectId;
    }
  }

  /**
   * The answer is the object's plain retrieve (no query, no expansion): an event carrying the
   * object's new state may replace it rather than only drop it.
   */
  record RetrieveOf(String objectId) implements Dependency {
    /** The prefix of {@link #key()}. */
    public static final String PREFIX = "retrieve:";

    @Override
    public String key() {
      return PREFIX + objectId;
    }
  }

  /** The answer lists a collection ({@code /v1/charges}): creates and deletes change it. */
  record ListOf(String collectionPath) implements Dependency {
    /** The prefix of {@link #key()}. */
    public static final String PREFIX = "collection:";

    @Override
    public String key() {
      return PREFIX + collectionPath;
    }
  }

  /** The dependency whose {@link #key()} is {@code key}: the inverse of {@code key()}. */
  static Dependency parse(String key) {
    if (key.startsWith(References.PREFIX)) {
      return new References(key.substring(References.PREFIX.length()));
    }
    if (key.startsWith(ListOf.PREFIX)) {
      return new ListOf(key.substring(ListOf.PREFIX.length()));
    }
    if (key.startsWith(RetrieveOf.PREFIX)) {
      return new RetrieveOf(key.substring(RetrieveOf.PREFIX.length()));
    }
    return new Contains(key);
  }
}
