package dev.stripeedge.sim.internal.engine;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** What an operation returns; the engine renders it with the request's {@code expand[]}. */
public sealed interface Result {

  /** An object built or changed by the operation. */
  record Obj(Map<String, Object> object) implements Result {}

  /** A stored object as it is: written without parsing unless something is expanded. */
  record Stored(Entry entry) implements Result {}

  /** A list page. */
  record Listing(String url, Page page) implements Result {}

  /** A search page ({@code object: search_result}). */
  record Search(String url, Page page, @Nullable String nextPage) implements Result {}
}
