package dev.stripeedge.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stripeedge.core.isolation.Flag;
import dev.stripeedge.core.isolation.Isolation;
import dev.stripeedge.core.isolation.KeyFigures;
import dev.stripeedge.core.webhooks.WebhookForwarder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /admin/anomalies}: isolation's flags standing and recently cleared, the routes'
 * breakers, and each webhook target's lane. Pure rendering; thread-safe.
 */
final class AnomaliesView {

  private static final ObjectMapper JSON = new ObjectMapper();

  private AnomaliesView() {}

  static String json(@Nullable Isolation isolation, @Nullable WebhookForwarder forwarder)
      throws JsonProcessingException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("enabled", isolation != null);
    body.put(
        "current",
        isolation == null
            ? List.of()
            : isolation.anomalies().current().stream().map(AnomaliesView::flag).toList());
    body.put(
        "recent",
        isolation == null
            ? List.of()
            : isolation.anomalies().recent().stream().map(AnomaliesView::flag).toList());
    body.put("breakers", isolation == null ? Map.of() : isolation.breakerStates());
    body.put(
        "webhookTargets",
        forwarder == null
            ? List.of()
            : forwarder.lanes().stream()
                .map(
                    lane -> {
                      Map<String, Object> row = new LinkedHashMap<>();
                      row.put("target", lane.target());
                      row.put("inFlight", lane.inFlight());
                      row.put("backlog", lane.backlog());
                      row.put("oldestDueAgeSeconds", lane.oldestDueAge().toMillis() / 1000.0);
                      return row;
                    })
                .toList());
    return JSON.writeValueAsString(body);
  }

  private static Map<String, Object> flag(Flag flag) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("account", flag.key().account());
    row.put("connectedAccount", flag.key().connected());
    row.put("route", flag.key().route());
    row.put("reason", flag.reason().tag());
    row.put("why", flag.why());
    row.put("since", flag.since().toString());
    row.put("until", flag.until() == null ? null : flag.until().toString());
    KeyFigures figures = flag.figures();
    Map<String, Object> numbers = new LinkedHashMap<>();
    numbers.put("samples", round(figures.samples()));
    numbers.put("p95Ms", round(figures.p95Millis()));
    numbers.put("baselineSamples", round(figures.baselineSamples()));
    numbers.put("baselineP95Ms", round(figures.baselineP95Millis()));
    numbers.put("siblingP95Ms", round(figures.siblingP95Millis()));
    numbers.put("errorRatio", round(figures.errorRatio()));
    numbers.put("throttled", round(figures.throttled()));
    numbers.put("inFlight", figures.inFlight());
    numbers.put("inFlightAgeMs", round(figures.inFlightAgeMillis()));
    row.put("figures", numbers);
    return row;
  }

  /** Two decimals; null for NaN (JSON has no NaN). */
  private static @Nullable Double round(double value) {
    return Double.isNaN(value) ? null : Math.round(value * 100) / 100.0;
  }
}
