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

  /** The answer lists a collection ({@code /v1/charges}): creates and deletes change it. */
  record ListOf(String collectionPath) implements Dependency {
    /** The prefix of {@link #key()}. */
    public static final String PREFIX = "collection:";

    @Override
    public String key() {
      return PREFIX + collectionPath;
    }
  }
}
