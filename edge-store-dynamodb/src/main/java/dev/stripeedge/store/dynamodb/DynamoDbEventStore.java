package dev.stripeedge.store.dynamodb;

import static dev.stripeedge.store.dynamodb.EventTable.SK;
import static dev.stripeedge.store.dynamodb.EventTable.field;
import static dev.stripeedge.store.dynamodb.EventTable.key;
import static dev.stripeedge.store.dynamodb.EventTable.number;
import static dev.stripeedge.store.dynamodb.EventTable.pad;

import dev.stripeedge.core.Scheduler;
import dev.stripeedge.core.webhooks.EventStore;
import dev.stripeedge.core.webhooks.StripeEvent;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * The webhook ledger, reconciliation cursor and forwarding outbox in one DynamoDB table ({@code
 * pk}/{@code sk} strings, TTL on {@code ttl}), shared by every edge that names it: conditional
 * writes in one transaction dedupe an event (by id, and by object, type and second) and queue its
 * forwards, so an event delivered to any number of edges is {@link Recorded#NEW} once; a delivery
 * read by one edge is claimed (a conditional update) so one edge sends it.
 *
 * <p>Items: {@code e#<id>} (an event: object ids, received at, sequence; expires after the
 * retention), {@code c#<object>|<type>|<created>} (a change's dedupe), {@code unapplied} / {@code
 * <sequence>} (the journal, read in order by a query), {@code cursor}, {@code o#pending} and {@code
 * o#dead} / {@code <delivery id>} (the outbox), {@code lease} / {@code <job>} (holder, token,
 * until) and {@code seq} counters. Sequences come from atomic counters ({@code ADD}), so recording
 * order is the order sequences were taken. Leases expire by the edges' clocks: keep them in sync
 * (NTP), far closer than a lease.
 *
 * <p>This class is the ledger and journal; {@link OutboxItems} the outbox, {@link CursorLeases} the
 * leases and cursors, {@link EventTable} the calls and item keys they share.
 *
 * <p>Thread-safe; calls block up to the client's call timeout and fail with {@link
 * IllegalStateException}s.
 */
public final class DynamoDbEventStore implements EventStore {

  /** How long a delivery read by one edge is hidden from the others (longer than any attempt). */
  static final Duration CLAIM = OutboxItems.CLAIM;

  private static final String S_EVENT = "event";

  private final EventTable table;
  private final DynamoDbAsyncClient client;
  private final OutboxItems outbox;
  private final String owner = UUID.randomUUID().toString();
  private final Duration retention;
  private final InstantSource clock;
  private final CursorLeases leases;

  private DynamoDbEventStore(
      DynamoDbAsyncClient client,
      @Nullable SdkEventLoopGroup eventLoops,
      DynamoDbTierConfig config,
      Duration retention,
      InstantSource clock) {
    this.table = new EventTable(client, eventLoops, config);
    this.client = client;
    this.outbox = new OutboxItems(table, owner);
    this.leases = new CursorLeases(table, owner, clock);
    this.retention = retention;
    this.clock = clock;
  }

  /**
   * A store on {@code config}'s table (created, with TTL, when {@code createTable}), signing with
   * {@code credentials} (null: AWS's default chain).
   *
   * @param retention how long events (the dedupe window) are kept
   * @throws IllegalStateException the table cannot be set up
   */
  public static DynamoDbEventStore open(
      DynamoDbTierConfig config,
      @Nullable AwsCredentialsProvider credentials,
      Duration retention,
      InstantSource clock) {
    SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().build();
    DynamoDbAsyncClient client;
    try {
      client = DynamoDbClients.newClient(config, credentials, eventLoops);
    } catch (RuntimeException e) {
      eventLoops.eventLoopGroup().shutdownGracefully(0, 2, TimeUnit.SECONDS);
      throw e;
    }
    DynamoDbEventStore store = new DynamoDbEventStore(client, eventLoops, config, retention, clock);
    if (config.createTable()) {
      try {
        store.table.await(
            "set up table " + config.table(), TableSetup.ensure(client, config.table()));
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  /** The cache-key secret every edge on this table shares: created by the first. */
  public byte[] cacheKeySecret() {
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    Map<String, AttributeValue> key = key("secret", "cache-key");
    Map<String, AttributeValue> item = new HashMap<>(key);
    item.put("value", AttributeValue.fromB(SdkBytes.fromByteArray(fresh)));
    table.conditional(
        "create the cache-key secret",
        client.putItem(
            r ->
                r.tableName(table.name)
                    .item(item)
                    .conditionExpression("attribute_not_exists(" + EventTable.PK + ")")));
    Map<String, AttributeValue> stored =
        table
            .await(
                "read the cache-key secret",
                client.getItem(r -> r.tableName(table.name).key(key).consistentRead(true)))
            .item();
    return field(stored, "value").b().asByteArray();
  }

  @Override
  public Recorded record(
      StripeEvent event, Instant receivedAt, byte[] payload, List<String> forwardTo) {
    table.open();
    long seq = table.next("events", 1);
    long lastDelivery = forwardTo.isEmpty() ? 0 : table.next("outbox", forwardTo.size());
    for (int attempt = 0; ; attempt++) {
      List<TransactWriteItem> writes = new ArrayList<>();
      writes.add(table.putNew(eventItem(event, receivedAt, seq)));
      String objectId = event.objectId();
      if (objectId != null) {
        Map<String, AttributeValue> change =
            key("c#" + objectId + "|" + event.type() + "|" + event.created(), "change");
        change.put(Items.TTL, number(expiry()));
        writes.add(table.putNew(change));
      }
      writes.add(table.put(unappliedItem(event, receivedAt, seq)));
      long id = lastDelivery - forwardTo.size();
      for (String target : forwardTo) {
        writes.addAll(outbox.items(++id, event, target, payload, receivedAt));
      }
      List<String> reasons = table.transact("record " + event.id(), writes);
      if (reasons.isEmpty()) {
        noteAccount(event);
        return Recorded.NEW;
      }
      if (reasons.get(0).equals("ConditionalCheckFailed")) {
        return Recorded.DUPLICATE_EVENT;
      }
      if (objectId != null && reasons.get(1).equals("ConditionalCheckFailed")) {
        // A double event: journaled under its own id, never forwarded.
        List<String> again =
            table.transact(
                "record " + event.id(),
                List.of(
                    table.putNew(eventItem(event, receivedAt, seq)),
                    table.put(unappliedItem(event, receivedAt, seq))));
        if (again.isEmpty()) {
          noteAccount(event);
          return Recorded.DUPLICATE_CHANGE;
        }
        if (again.get(0).equals("ConditionalCheckFailed")) {
          return Recorded.DUPLICATE_EVENT;
        }
      }
      if (attempt >= 20) {
        throw new IllegalStateException(
            "dynamodb event store: cannot record " + event.id() + ": " + reasons);
      }
      sleep(5L * (attempt + 1)); // a transaction conflict with another edge's record
    }
  }

  /** Remembers a connected account the reconciler then covers (an idempotent put). */
  private void noteAccount(StripeEvent event) {
    String account = event.account();
    if (account != null) {
      table.await(
          "note account " + account,
          client.putItem(r -> r.tableName(table.name).item(key("accounts", account))));
    }
  }

  @Override
  public List<String> accounts() {
    return table.query("accounts").stream().map(item -> field(item, SK).s()).toList();
  }

  private Map<String, AttributeValue> eventItem(StripeEvent event, Instant receivedAt, long seq) {
    Map<String, AttributeValue> item = key("e#" + event.id(), S_EVENT);
    item.put("ids", AttributeValue.fromS(String.join(" ", event.objectIds())));
    item.put("at", number(receivedAt.toEpochMilli()));
    item.put("seq", number(seq));
    item.put(Items.TTL, number(expiry()));
    return item;
  }

  private Map<String, AttributeValue> unappliedItem(
      StripeEvent event, Instant receivedAt, long seq) {
    Map<String, AttributeValue> item = key("unapplied", pad(seq));
    item.put("id", AttributeValue.fromS(event.id()));
    item.put("ids", AttributeValue.fromS(String.join(" ", event.objectIds())));
    item.put("at", number(receivedAt.toEpochMilli()));
    item.put(Items.TTL, number(expiry()));
    return item;
  }

  @Override
  public boolean contains(String eventId) {
    return !table
        .await(
            "look up " + eventId,
            client.getItem(
                r ->
                    r.tableName(table.name).key(key("e#" + eventId, S_EVENT)).consistentRead(true)))
        .item()
        .isEmpty();
  }

  @Override
  public void markApplied(Collection<String> eventIds) {
    table.open();
    for (String eventId : eventIds) {
      Map<String, AttributeValue> event =
          table
              .await(
                  "look up " + eventId,
                  client.getItem(
                      r ->
                          r.tableName(table.name)
                              .key(key("e#" + eventId, S_EVENT))
                              .consistentRead(true)))
              .item();
      if (event.isEmpty()) {
        continue;
      }
      long seq = Long.parseLong(field(event, "seq").n());
      table.await(
          "mark " + eventId + " applied",
          client.deleteItem(r -> r.tableName(table.name).key(key("unapplied", pad(seq)))));
    }
  }

  @Override
  public List<Unapplied> unapplied(Instant receivedBefore, int limit) {
    List<Unapplied> found = new ArrayList<>();
    for (Map<String, AttributeValue> item : table.query("unapplied")) {
      if (found.size() >= limit) {
        break;
      }
      Instant at = Instant.ofEpochMilli(Long.parseLong(field(item, "at").n()));
      if (at.isBefore(receivedBefore)) {
        String ids = field(item, "ids").s();
        found.add(
            new Unapplied(
                field(item, "id").s(),
                ids.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(ids.split(" "))),
                at));
      }
    }
    return found;
  }

  @Override
  public @Nullable String cursor(String account) {
    return leases.cursor(account);
  }

  @Override
  public void advance(String account, String eventId) {
    leases.advance(account, eventId);
  }

  /** A conditional write of the heartbeat lease: it proves the write whether or not it wins. */
  @Override
  public void heartbeat(Instant now) {
    lead(HEARTBEAT, Duration.ofSeconds(15));
  }

  @Override
  public boolean lead(String job, Duration ttl) {
    return leases.lead(job, ttl);
  }

  @Override
  public List<Delivery> due(Instant now, int limit) {
    return outbox.due(now, limit);
  }

  /** Reads the target's due index only, not every pending delivery (see {@link OutboxItems}). */
  @Override
  public List<Delivery> due(Instant now, String target, int limit) {
    return outbox.due(now, target, limit);
  }

  @Override
  public void delivered(long id) {
    outbox.delivered(id);
  }

  @Override
  public void retryLater(long id, int attempts, Instant nextAttemptAt, String error) {
    outbox.retryLater(id, attempts, nextAttemptAt, error);
  }

  @Override
  public void dead(long id, int attempts, String error) {
    outbox.dead(id, attempts, error);
  }

  @Override
  public List<Delivery> deadLetters() {
    return outbox.deadLetters();
  }

  @Override
  public int replay(@Nullable String eventId, Instant now) {
    return outbox.replay(eventId, now);
  }

  @Override
  public @Nullable Instant nextDue() {
    return outbox.nextDue();
  }

  @Override
  public void close() {
    table.close();
  }

  private long expiry() {
    return clock.instant().plus(retention).getEpochSecond();
  }

  /** Waits through the core's scheduler (time is injected everywhere else; this is a backoff). */
  private static void sleep(long millis) {
    Scheduler.system().after(Duration.ofMillis(millis)).join();
  }

  @Override
  public String toString() {
    return "DynamoDbEventStore[" + table.name + "]";
  }
}
