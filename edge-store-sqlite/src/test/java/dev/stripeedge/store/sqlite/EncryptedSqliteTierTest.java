package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.EncryptingTier;
import dev.stripeedge.core.tier.TierKeys;
import dev.stripeedge.testkit.TierContract;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/** Encryption at rest keeps every promise of the tier it wraps. */
class EncryptedSqliteTierTest extends TierContract {

  @TempDir Path dir;

  @Override
  protected CacheTier newTier() {
    return EncryptingTier.wrap(
        SqliteTier.open(dir.resolve("edge.db"), SqliteTierConfig.defaults()),
        TierKeys.of("k1", Map.of("k1", new byte[32])),
        new SimpleMeterRegistry());
  }
}
