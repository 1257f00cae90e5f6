package dev.stripeedge.runtime;

import dev.stripeedge.core.spi.Backend;
import dev.stripeedge.core.spi.TierBackend;
import java.util.Comparator;
import java.util.List;

/**
 * The settings of every backend of one kind on the class path, by name ({@code tiers.redis}, {@code
 * tiers.sqlite}, …). Immutable.
 *
 * @param configured each backend with its settings, tiers fastest first
 */
public record Backends(List<Configured<?>> configured) {

  public Backends {
    configured =
        configured.stream()
            .sorted(
                Comparator.comparingInt(
                    (Configured<?> c) ->
                        c.backend() instanceof TierBackend<?> tier ? tier.rank() : 0))
            .toList();
  }

  /**
   * One backend and its settings.
   *
   * @param backend the backend, as {@link java.util.ServiceLoader} found it
   * @param settings its settings, bound from configuration
   * @param <S> the settings' type
   */
  public record Configured<S>(Backend<S> backend, S settings) {

    /** {@code raw} checked to be {@code backend}'s settings. */
    static <S> Configured<S> of(Backend<S> backend, Object raw) {
      return new Configured<>(backend, backend.settingsType().cast(raw));
    }

    public String name() {
      return backend.name();
    }

    public boolean enabled() {
      return backend.enabled(settings);
    }

    /** Equal when of the same backend with equal settings (each load finds new instances). */
    @Override
    public boolean equals(@org.jspecify.annotations.Nullable Object other) {
      return other instanceof Configured<?> that
          && backend.getClass() == that.backend.getClass()
          && settings.equals(that.settings);
    }

    @Override
    public int hashCode() {
      return backend.getClass().hashCode() * 31 + settings.hashCode();
    }

    @Override
    public String toString() {
      return name() + "=" + settings;
    }

    /** Whether it is a tier other edges read too. */
    public boolean shared() {
      return backend instanceof TierBackend<?> tier && tier.shared();
    }
  }

  /** The names of the backends that are on. */
  public List<String> enabledNames() {
    return configured.stream().filter(Configured::enabled).map(Configured::name).toList();
  }

  /** Whether any is on. */
  public boolean anyEnabled() {
    return configured.stream().anyMatch(Configured::enabled);
  }

  /** The settings of the backend called {@code name}; null when none is on the class path. */
  public @org.jspecify.annotations.Nullable Object settings(String name) {
    return configured.stream()
        .filter(c -> c.name().equals(name))
        .map(Configured::settings)
        .findFirst()
        .orElse(null);
  }
}
