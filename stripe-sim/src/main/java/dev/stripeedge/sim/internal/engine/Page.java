package dev.stripeedge.sim.internal.engine;

import java.util.List;

/** One page of a list, newest first, and whether more objects lie beyond it. */
public record Page(List<Entry> entries, boolean hasMore) {}
