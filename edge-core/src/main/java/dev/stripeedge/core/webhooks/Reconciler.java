package dev.stripeedge.core.webhooks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.stripeedge.core.EdgeHeaders;
import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Repairs dropped webhook deliveries: reads {@code GET /v1/events} from the ledger's cursor and
 * feeds every event to the same {@link EventProcessor} as the webhook receiver.
 *
 * <p>Stripe's recipe: {@code ending_before=<cursor>} returns the events just newer than the cursor,
 * newest first; each page is processed oldest first, then the cursor moves to the page's newest
 * event, so a pass interrupted anywhere resumes without a gap. The first pass, with no cursor, only
 * notes the newest event: the cache starts empty, so nothing older can be stale in it. A cursor
 * Stripe no longer knows (events are kept 30 days) restarts from the newest event.
 *
 * <p>Requests go through the {@link EdgePipeline} like any client's (same upstream, budget and
 * retries), bypassing the cache, at background priority ({@code Priority: u=7}). The API key is
 * never logged nor put in a message. Not thread-safe: one pass at a time ({@link #runOnce} is
 * synchronized); blocks while it runs, so call it from a background thread.
 */
public final class Reconciler {

  /** Events per page: Stripe's maximum. */
  static final int PAGE_SIZE = 100;

  private static final JsonFactory JSON = new JsonFactory();

  private final EdgePipeline pipeline;
  private final EventProcessor processor;
  private final String authorization;
  private final int maxPagesPerPass;
  private final int maxAccountsPerPass;
  private final MeterRegistry meters;
  // The connected account polled last; the next pass starts after it (fair rotation).
  private String lastAccount = "";

  private Reconciler(
      EdgePipeline pipeline,
      EventProcessor processor,
      String apiKey,
      int maxPagesPerPass,
      int maxAccountsPerPass,
      MeterRegistry meters) {
    if (apiKey.isBlank()) {
      throw new IllegalArgumentException("the reconciler needs the account's API key");
    }
    if (maxPagesPerPass < 1) {
      throw new IllegalArgumentException("maxPagesPerPass must be positive: " + maxPagesPerPass);
    }
    this.pipeline = pipeline;
    this.processor = processor;
    this.authorization = "Bearer " + apiKey;
    if (maxAccountsPerPass < 0) {
      throw new IllegalArgumentException(
          "maxAccountsPerPass must not be negative: " + maxAccountsPerPass);
    }
    this.maxPagesPerPass = maxPagesPerPass;
    this.maxAccountsPerPass = maxAccountsPerPass;
    this.meters = meters;
  }

  /**
   * Connected accounts polled per pass by {@link #of(EdgePipeline, EventProcessor, String, int,
   * MeterRegistry)}.
   */
  public static final int DEFAULT_ACCOUNTS_PER_PASS = 10;

  /**
   * A reconciler reading with {@code apiKey} through {@code pipeline}, at most {@code
   * maxPagesPerPass} pages of 100 events per pass (the next pass continues), and up to {@link
   * #DEFAULT_ACCOUNTS_PER_PASS} connected accounts per pass.
   */
  public static Reconciler of(
      EdgePipeline pipeline,
      EventProcessor processor,
      String apiKey,
      int maxPagesPerPass,
      MeterRegistry meters) {
    return of(pipeline, processor, apiKey, maxPagesPerPass, DEFAULT_ACCOUNTS_PER_PASS, meters);
  }

  /**
   * A reconciler as above that also reads, each pass, the events of up to {@code
   * maxAccountsPerPass} of the connected accounts the ledger has seen ({@link
   * EventLedger#accounts()}), listed with {@code Stripe-Account}, each from its own cursor: in
   * rotation, the next pass starting after the last one polled, so every account is polled once
   * every {@code ceil(accounts / maxAccountsPerPass)} passes.
   */
  public static Reconciler of(
      EdgePipeline pipeline,
      EventProcessor processor,
      String apiKey,
      int maxPagesPerPass,
      int maxAccountsPerPass,
      MeterRegistry meters) {
    return new Reconciler(pipeline, processor, apiKey, maxPagesPerPass, maxAccountsPerPass, meters);
  }

  /**
   * One pass: every event newer than the cursor, processed and the cursor advanced.
   *
   * @throws IllegalStateException Stripe answered with an error or the ledger failed; the cursor
   *     stays after the last page fully processed
   */
  public synchronized Pass runOnce() {
    Pass platform = runFor("");
    int pages = platform.pages();
    int events = platform.events();
    int applied = platform.applied();
    int accounts = 0;
    for (String account : nextAccounts()) {
      try {
        Pass pass = runFor(account);
        pages += pass.pages();
        events += pass.events();
        applied += pass.applied();
        accounts++;
      } catch (RuntimeException e) {
        // One account's failure (revoked access, an error) must not starve the others.
        count("account_error");
      }
      lastAccount = account;
    }
    return new Pass(pages, events, applied, platform.cursor(), accounts, platform.caughtUp());
  }

  /** The connected accounts this pass polls: the next ones after the last polled, in order. */
  private List<String> nextAccounts() {
    if (maxAccountsPerPass == 0) {
      return List.of();
    }
    List<String> all = processor.ledger().accounts().stream().sorted().toList();
    List<String> next = new ArrayList<>();
    int start = 0;
    while (start < all.size() && all.get(start).compareTo(lastAccount) <= 0) {
      start++;
    }
    for (int i = 0; i < Math.min(maxAccountsPerPass, all.size()); i++) {
      next.add(all.get((start + i) % all.size()));
    }
    return next;
  }

  /** One pass over {@code account}'s events ({@code ""}: the platform's). */
  private Pass runFor(String account) {
    EventLedger ledger = processor.ledger();
    String cursor = ledger.cursor(account);
    if (cursor == null) {
      return start(ledger, account);
    }
    if (cursor.isEmpty()) {
      return fromTheBeginning(ledger, account);
    }
    int pages = 0;
    int events = 0;
    int applied = 0;
    boolean more = true;
    while (more && pages < maxPagesPerPass) {
      EdgeResponse response =
          get(
              "limit="
                  + PAGE_SIZE
                  + "&ending_before="
                  + URLEncoder.encode(cursor, StandardCharsets.UTF_8),
              account);
      if (response.status() == 404 && pages == 0) {
        // The cursor's event is older than Stripe keeps: what it covered is out of reach anyway.
        count("cursor_lost");
        return start(ledger, account);
      }
      Page page = page(response);
      pages++;
      List<byte[]> newestFirst = page.events();
      for (int i = newestFirst.size() - 1; i >= 0; i--) {
        StripeEvent event = StripeEvent.parse(newestFirst.get(i));
        if (processor.process(event, newestFirst.get(i), "reconcile")
            != EventLedger.Recorded.DUPLICATE_EVENT) {
          applied++;
        }
        events++;
      }
      if (!newestFirst.isEmpty()) {
        cursor = StripeEvent.parse(newestFirst.get(0)).id();
        ledger.advance(account, cursor);
      }
      more = page.hasMore() && !newestFirst.isEmpty();
    }
    count("pass");
    return new Pass(pages, events, applied, cursor, 0, !more);
  }

  private Pass start(EventLedger ledger, String account) {
    Page page = page(get("limit=1", account));
    // An account without events yet: the empty cursor makes the next pass read from the start.
    String newest = page.events().isEmpty() ? "" : StripeEvent.parse(page.events().get(0)).id();
    ledger.advance(account, newest);
    count("start");
    // Not caught up: events before the newest were never read (nothing older can be missed only
    // when nothing was cached before, which this pass cannot tell).
    return new Pass(1, 0, 0, newest.isEmpty() ? null : newest, 0, false);
  }

  /** The account had no event at the first pass: every event now is news (newest pages first). */
  private Pass fromTheBeginning(EventLedger ledger, String account) {
    List<byte[]> newestFirst = new ArrayList<>();
    int pages = 0;
    String query = "limit=" + PAGE_SIZE;
    boolean more = true;
    while (more && pages < maxPagesPerPass) {
      Page page = page(get(query, account));
      pages++;
      newestFirst.addAll(page.events());
      more = page.hasMore() && !page.events().isEmpty();
      if (more) {
        String last = StripeEvent.parse(page.events().get(page.events().size() - 1)).id();
        query =
            "limit="
                + PAGE_SIZE
                + "&starting_after="
                + URLEncoder.encode(last, StandardCharsets.UTF_8);
      }
    }
    if (more) {
      // Older events beyond the page budget are skipped: the cursor must move forward now.
      count("truncated");
    }
    int applied = 0;
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      byte[] json = newestFirst.get(i);
      if (processor.process(StripeEvent.parse(json), json, "reconcile")
          != EventLedger.Recorded.DUPLICATE_EVENT) {
        applied++;
      }
    }
    String cursor = null;
    if (!newestFirst.isEmpty()) {
      cursor = StripeEvent.parse(newestFirst.get(0)).id();
      ledger.advance(account, cursor);
    }
    count("pass");
    return new Pass(pages, newestFirst.size(), applied, cursor, 0, !more);
  }

  private EdgeResponse get(String query, String account) {
    Map<String, List<String>> headers = new HashMap<>();
    headers.put("authorization", List.of(authorization));
    headers.put(EdgeHeaders.CACHE, List.of("bypass"));
    headers.put("priority", List.of("u=7"));
    if (!account.isEmpty()) {
      headers.put("stripe-account", List.of(account));
    }
    EdgeRequest request = new EdgeRequest("GET", "/v1/events", query, headers, new byte[0]);
    // handle() never completes exceptionally: failures arrive as Stripe-shaped error responses.
    return pipeline.handle(request).join();
  }

  private Page page(EdgeResponse response) {
    if (response.status() != 200) {
      count("error");
      throw new IllegalStateException(
          "GET /v1/events answered " + response.status() + ": " + abbreviate(response.bodyText()));
    }
    byte[] body = response.body();
    List<byte[]> events = new ArrayList<>();
    boolean hasMore = false;
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalStateException("GET /v1/events did not answer a JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (field.equals("has_more")) {
          hasMore = value == JsonToken.VALUE_TRUE;
        } else if (field.equals("data") && value == JsonToken.START_ARRAY) {
          while (parser.nextToken() == JsonToken.START_OBJECT) {
            int start = (int) parser.currentTokenLocation().getByteOffset();
            parser.skipChildren();
            int end = (int) parser.currentLocation().getByteOffset();
            events.add(Arrays.copyOfRange(body, start, end));
          }
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("GET /v1/events answered invalid JSON", e);
    }
    return new Page(events, hasMore);
  }

  private void count(String outcome) {
    Counter.builder("stripe.edge.reconcile")
        .description("Reconciliation passes and their outcomes")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "…";
  }

  private record Page(List<byte[]> events, boolean hasMore) {}

  /**
   * What one pass did.
   *
   * @param pages pages of {@code /v1/events} read
   * @param events events read (duplicates included)
   * @param applied events applied to the cache (not seen before)
   * @param cursor the platform's cursor after the pass; null when the account has no event yet
   * @param accounts connected accounts polled by the pass (their pages, events and applied counted
   *     in the others)
   * @param caughtUp whether the platform's events were read from the cursor up to the newest (not a
   *     first pass that only pinned the cursor, nor one stopped by its page budget): every event
   *     missed before the pass began is applied
   */
  public record Pass(
      int pages,
      int events,
      int applied,
      @Nullable String cursor,
      int accounts,
      boolean caughtUp) {}

  @Override
  public String toString() {
    // Never the key.
    return "Reconciler[" + maxPagesPerPass + " pages per pass]";
  }
}
