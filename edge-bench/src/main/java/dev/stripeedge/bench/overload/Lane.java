package dev.stripeedge.bench.overload;

/** The three lanes of issue 5, with the RFC 9218 urgency the benchmark sends for each. */
public enum Lane {
  CRITICAL("u=1"),
  NORMAL("u=3"),
  BACKGROUND("u=6");

  private final String priority;

  Lane(String priority) {
    this.priority = priority;
  }

  /** The {@code Priority} header value. */
  public String priority() {
    return priority;
  }
}
