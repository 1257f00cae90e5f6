/** The embedded durable store: {@link dev.stripeedge.store.sqlite.SqliteEventLedger}. */
@NullMarked
package dev.stripeedge.store.sqlite;

import org.jspecify.annotations.NullMarked;
