package dev.stripeedge.runtime;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.SizingConfig;
import dev.stripeedge.core.budget.SharedBudget;
import dev.stripeedge.core.queue.WriteStatusBoard;
import dev.stripeedge.core.spi.EventStoreBackend;
import dev.stripeedge.core.spi.SharedBudgetBackend;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.TierBackend;
import dev.stripeedge.core.spi.WorkQueueBackend;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.EncryptingTier;
import dev.stripeedge.core.webhooks.EventStore;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Opens what the configured store backends provide — event store, cache-key secret, shared budget,
 * tiers, work queue — recording each in the runtime's {@link Lifecycle}; a backend configured but
 * missing from the class path is an error naming the module to add.
 */
final class Stores {

  private Stores() {}

  /**
   * The event store backend {@code store.backend} names, with its settings; a name no module on the
   * class path provides is an error naming the module to add.
   */
  static Backends.Configured<?> eventStore(EdgeSettings.Store store) {
    Backends.Configured<?> chosen = store.chosen();
    if (chosen == null) {
      throw new IllegalArgumentException(
          "store.backend is "
              + store.backend()
              + " but no such event store is on the class path: add "
              + SettingsJson.moduleFor(store.backend()));
    }
    return chosen;
  }

  static <S> EventStore openEventStore(Backends.Configured<S> events, StoreContext context) {
    return ((EventStoreBackend<S>) events.backend()).open(events.settings(), context);
  }

  static <S> byte[] cacheKeySecret(Backends.Configured<S> events, StoreContext context) {
    return ((EventStoreBackend<S>) events.backend()).cacheKeySecret(events.settings(), context);
  }

  /** Where edges sharing a write queue share statuses, or null when the event store is local. */
  static <S> @Nullable WriteStatusBoard writeStatusBoard(
      Backends.Configured<S> events, StoreContext context) {
    return ((EventStoreBackend<S>) events.backend()).writeStatusBoard(events.settings(), context);
  }

  static <S> void connectSharedBudget(
      Lifecycle lifecycle,
      EdgePipeline.Builder builder,
      Backends.Configured<S> shared,
      StoreContext context) {
    SharedBudgetBackend<S> backend = (SharedBudgetBackend<S>) shared.backend();
    SharedBudget budget = backend.connect(shared.settings(), context);
    if (budget instanceof AutoCloseable closeable) {
      lifecycle.open("shared budget " + shared.name(), closeable);
    }
    builder.sharedBudget(budget, backend.config(shared.settings()));
  }

  /**
   * Opens one tier, encrypted when configured, and adds it to {@code builder}; returns {@code
   * sizing} with the tier's bound, so the sizing report predicts its hit ratio.
   */
  static <S extends TierBackend.Settings> SizingConfig openTier(
      Lifecycle lifecycle,
      EdgePipeline.Builder builder,
      TierBackend<S> backend,
      Object boundSettings,
      EdgeSettings.Encryption encryption,
      StoreContext context,
      EdgeRuntime.Hooks hooks,
      SizingConfig sizing) {
    S settings = backend.settingsType().cast(boundSettings);
    // Recorded before a test hook wraps it, so a failing hook leaves nothing open.
    CacheTier tier = lifecycle.open("tier " + backend.name(), backend.open(settings, context));
    CacheTier hooked = hooks.wrapTier().apply(tier);
    CacheTier wrapped =
        encryption.enabled()
            ? EncryptingTier.wrap(hooked, encryption.toKeys(), context.metrics())
            : hooked;
    // A wrapper closes what it wraps; closing a tier twice is harmless.
    builder.tier(
        lifecycle.open("tier " + backend.name() + " (wrapped)", wrapped), settings.tierConfig());
    long maxBytes = settings.maxBytes();
    return maxBytes > 0 ? sizing.withTierBytes(backend.name(), maxBytes) : sizing;
  }

  /**
   * The work queue backend called {@code name}, found through {@link ServiceLoader}; a name no
   * module on the class path provides is an error naming the module to add.
   */
  static WorkQueueBackend workQueue(String name) {
    for (WorkQueueBackend backend :
        ServiceLoader.load(WorkQueueBackend.class, Stores.class.getClassLoader())) {
      if (backend.name().equals(name)) {
        return backend;
      }
    }
    throw new IllegalArgumentException(
        "asyncWrites.queue is "
            + name
            + " and no such work queue is on the class path: add "
            + (name.equals("sqlite")
                ? SettingsJson.moduleFor(name)
                : "dev.stripeedge:edge-queue-" + name));
  }
}
