package dev.stripeedge.sim.internal.engine;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One stored object: its id, list position and current JSON.
 *
 * <p>Objects live as compact JSON bytes (about 0.7 KB for a customer), so a retrieve writes the
 * bytes as they are and a million customers fit in well under 2 GB. {@code attrs} holds the few
 * fields that list filters use (customer, type, …) so a filtered list does not parse every object.
 * The JSON and attributes change together under the owning account's write lock.
 */
public final class Entry {

  final String id;
  final long seq;
  final long created;
  private volatile byte[] json;
  private volatile Map<String, String> attrs;

  Entry(String id, long seq, long created, byte[] json, Map<String, String> attrs) {
    this.id = id;
    this.seq = seq;
    this.created = created;
    this.json = json;
    this.attrs = attrs;
  }

  public String id() {
    return id;
  }

  public long created() {
    return created;
  }

  public byte[] json() {
    return json;
  }

  public @Nullable String attr(String name) {
    return attrs.get(name);
  }

  public Map<String, String> attrs() {
    return attrs;
  }

  public void update(byte[] newJson, Map<String, String> newAttrs) {
    this.json = newJson;
    this.attrs = newAttrs;
  }
}
