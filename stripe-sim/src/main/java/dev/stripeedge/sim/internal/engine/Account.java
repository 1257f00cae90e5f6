package dev.stripeedge.sim.internal.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * One Stripe account: its objects, idempotency keys and limiter state.
 *
 * <p>A platform account is reached by its API keys; a connected account (made with {@code POST
 * /v1/accounts}) through {@code Stripe-Account} on its platform's keys. Writes to the account's
 * objects serialise on {@link #writeLock()}: simple, and far below the rate limits in cost.
 */
public final class Account {

  private final String id;
  private final boolean livemode;
  private final @Nullable Account platform;
  private final Map<String, Collection> collections = new ConcurrentHashMap<>();
  private final Map<String, Account> connected = new ConcurrentHashMap<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  final Idempotency idempotency;
  final AccountLimits limits;

  Account(String id, boolean livemode, @Nullable Account platform, SimClock clock) {
    this.id = id;
    this.livemode = livemode;
    this.platform = platform;
    this.idempotency = new Idempotency(clock);
    this.limits = new AccountLimits();
  }

  public String id() {
    return id;
  }

  public boolean livemode() {
    return livemode;
  }

  /** The platform for a connected account, null for a platform. */
  public @Nullable Account platform() {
    return platform;
  }

  public Collection collection(String type) {
    return collections.computeIfAbsent(type, t -> new Collection());
  }

  public Map<String, Collection> collections() {
    return collections;
  }

  public @Nullable Account connected(String accountId) {
    return connected.get(accountId);
  }

  public Map<String, Account> connectedAccounts() {
    return connected;
  }

  Account connect(String accountId, SimClock clock) {
    return connected.computeIfAbsent(accountId, a -> new Account(a, livemode, this, clock));
  }

  public ReentrantLock writeLock() {
    return writeLock;
  }
}
