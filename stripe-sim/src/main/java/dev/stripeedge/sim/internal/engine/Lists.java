package dev.stripeedge.sim.internal.engine;

import dev.stripeedge.sim.internal.wire.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Stripe's list envelope for lists embedded in an object ({@code object: list, data, has_more,
 * url}), built in one place. Top-level list responses are written by the engine as they stream.
 */
public final class Lists {

  private Lists() {}

  /** A list of {@code data}, complete unless {@code hasMore}. */
  public static Map<String, Object> of(String url, List<?> data, boolean hasMore) {
    return envelope(url, data, hasMore, null);
  }

  /** A page of stored objects, parsed. */
  public static Map<String, Object> of(String url, Page page) {
    List<Object> data = new ArrayList<>(page.entries().size());
    for (Entry entry : page.entries()) {
      data.add(Json.readMap(entry.json()));
    }
    return of(url, data, page.hasMore());
  }

  /**
   * A complete list with its {@code total_count}, as Stripe sends on the lists some objects always
   * embed (an invoice's lines, a subscription's items).
   */
  public static Map<String, Object> counted(String url, List<?> data) {
    return envelope(url, data, false, (long) data.size());
  }

  private static Map<String, Object> envelope(
      String url, List<?> data, boolean hasMore, @Nullable Long totalCount) {
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("object", "list");
    list.put("data", data);
    list.put("has_more", hasMore);
    if (totalCount != null) {
      list.put("total_count", totalCount);
    }
    list.put("url", url);
    return list;
  }
}
