package dev.stripeedge.core.spi;

/**
 * A store backend, found through {@link java.util.ServiceLoader} by the name configuration uses.
 *
 * <p>Implementations have a public no-argument constructor, are stateless and thread-safe: what
 * they open is returned to the caller, who closes it.
 *
 * @param <S> its settings: an immutable record bound from configuration, validated in its
 *     constructor (the bad value in the message, never a secret)
 */
public interface Backend<S> {

  /** The name in configuration, e.g. {@code redis}; unique among backends of one kind. */
  String name();

  /** The type its settings are bound to. */
  Class<S> settingsType();

  /** Its settings when configuration says nothing. */
  S defaults();

  /** Whether {@code settings} switch it on. */
  boolean enabled(S settings);
}
