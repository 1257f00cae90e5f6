package dev.stripeedge.core.spi;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

/**
 * What every backend may use besides its own settings.
 *
 * @param storeFile the embedded store's file ({@code store.path}), for backends that keep data on
 *     this machine
 * @param metrics where backends register their meters
 * @param clock wall-clock time, injected so tests move it
 */
public record StoreContext(Path storeFile, MeterRegistry metrics, Clock clock) {}
