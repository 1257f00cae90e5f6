package dev.stripeedge.core;

import java.time.Clock;

/**
 * The real wall clock: with {@link Ticker#system()} and {@link Scheduler#system()}, the one place
 * main code reads the system's time. Composition roots and convenience defaults take their clock
 * from here; everything else is handed a {@link Clock}, {@link Ticker} or {@link Scheduler}, so
 * tests move fake time instead of sleeping (a build check, {@code ArchitectureTest}, keeps it so).
 */
public final class SystemTime {

  private SystemTime() {}

  /** The system clock in UTC. Thread-safe, never blocks. */
  public static Clock clock() {
    return Clock.systemUTC();
  }
}
