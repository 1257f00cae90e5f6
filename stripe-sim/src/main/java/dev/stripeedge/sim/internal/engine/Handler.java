package dev.stripeedge.sim.internal.engine;

/** An API operation: reads the call, changes state, returns what to render. */
@FunctionalInterface
public interface Handler {
  Result handle(Call call);
}
