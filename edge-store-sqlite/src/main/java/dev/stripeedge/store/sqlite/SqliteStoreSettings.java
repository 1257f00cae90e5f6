package dev.stripeedge.store.sqlite;

/**
 * The SQLite event store's own settings ({@code store.sqlite}): none besides {@code store.path},
 * which the tier and the cache-key secret share.
 */
public record SqliteStoreSettings() {}
