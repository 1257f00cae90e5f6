// stripe-edge's dashboard: polls /admin/summary, draws SVG charts and tables. No framework, no CDN.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 2000;
const HISTORY = 60;
const LANES = ["critical", "normal", "background"];
const COLORS = { critical: "#d6336c", normal: "#635bff", background: "#20c997", limit: "#888" };
const history = [];
let previous = null;

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function svg(container, width, height) {
  container.replaceChildren();
  return el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" }, container);
}

function text(parent, x, y, content, anchor) {
  const node = el("text", { x, y, "text-anchor": anchor || "start" }, parent);
  node.textContent = content;
  return node;
}

function cell(row, content, numeric) {
  const td = document.createElement("td");
  if (numeric) td.className = "num";
  if (content instanceof Node) td.appendChild(content); else td.textContent = content;
  row.appendChild(td);
}

function percent(ratio) {
  return (100 * ratio).toFixed(1) + "%";
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return n.toFixed(n < 10 && i > 0 ? 1 : 0) + " " + units[i];
}

function status(summary) {
  const node = document.getElementById("status");
  node.className = "status " + (summary.ready ? "ready" : "not-ready");
  node.textContent = (summary.ready ? "ready" : "NOT READY: " + summary.ready_reason) +
    " · up " + Math.round(summary.uptime_seconds) + " s · updated " +
    new Date().toLocaleTimeString();
}

function hitRatio(summary) {
  const section = document.getElementById("hit-ratio");
  const rows = summary.cache;
  const body = section.querySelector("tbody");
  body.replaceChildren();
  const width = 720, rowHeight = 22, left = 220;
  const chart = svg(section.querySelector(".chart"), width, Math.max(1, rows.length) * rowHeight + 10);
  if (rows.length === 0) {
    text(chart, 10, 20, "no cacheable read yet");
  }
  rows.forEach((row, i) => {
    const total = row.hits + row.misses;
    const ratio = total === 0 ? 0 : row.hits / total;
    const y = 5 + i * rowHeight;
    text(chart, left - 8, y + 14, row.resource + " · " + row.tier, "end");
    el("rect", { x: left, y: y + 3, width: width - left - 70, height: 14, fill: "#eee" }, chart);
    el("rect", { class: "hit", x: left, y: y + 3, width: (width - left - 70) * ratio, height: 14,
      fill: row.tier === "memory" ? "#635bff" : "#20c997" }, chart);
    text(chart, width - 62, y + 14, percent(ratio));
    const tr = document.createElement("tr");
    cell(tr, row.resource); cell(tr, row.tier); cell(tr, row.hits, true); cell(tr, row.misses, true);
    cell(tr, percent(ratio), true);
    body.appendChild(tr);
  });
}

function upstream(summary) {
  const section = document.getElementById("upstream");
  const now = Date.now();
  const point = { at: now, rates: {} };
  if (previous) {
    const seconds = Math.max(0.001, (now - previous.at) / 1000);
    for (const lane of LANES) {
      const was = previous.summary.budget.admitted[lane] || 0;
      const is = summary.budget.admitted[lane] || 0;
      point.rates[lane] = Math.max(0, is - was) / seconds;
    }
    history.push(point);
    if (history.length > HISTORY) history.shift();
  }
  const limit = summary.budget.limit_per_second || 0;
  const width = 720, height = 200, left = 40, bottom = 20;
  const chart = svg(section.querySelector(".chart"), width, height);
  let top = limit;
  for (const p of history) for (const lane of LANES) top = Math.max(top, p.rates[lane] || 0);
  top = Math.max(top, 1);
  const y = v => height - bottom - (height - bottom - 10) * v / top;
  const x = i => left + (width - left - 10) * i / (HISTORY - 1);
  el("line", { x1: left, y1: y(0), x2: width - 10, y2: y(0), stroke: "#ccc" }, chart);
  text(chart, left - 4, y(top) + 4, top.toFixed(0), "end");
  text(chart, left - 4, y(0), "0", "end");
  if (limit > 0) {
    el("line", { class: "limit", x1: left, y1: y(limit), x2: width - 10, y2: y(limit),
      stroke: COLORS.limit, "stroke-dasharray": "6 4" }, chart);
    text(chart, width - 12, y(limit) + 14, "limit " + limit + "/s", "end");
  }
  LANES.forEach((lane, n) => {
    const points = history.map((p, i) => x(i + HISTORY - history.length) + "," + y(p.rates[lane] || 0));
    if (points.length > 1) {
      el("polyline", { class: "lane", points: points.join(" "), fill: "none",
        stroke: COLORS[lane], "stroke-width": 2 }, chart);
    }
    text(chart, left + 10 + n * 110, height - 4, "■ " + lane).setAttribute("class", "legend-" + lane);
  });
  let stripe429 = 0, failed = 0;
  for (const [outcome, count] of Object.entries(summary.upstream)) {
    if (outcome === "429") stripe429 += count;
    if (!/^[0-9]/.test(outcome)) failed += count;
  }
  let refused = 0;
  for (const count of Object.values(summary.budget.refused)) refused += count;
  document.getElementById("stripe-429").textContent = stripe429;
  document.getElementById("budget-refused").textContent = refused;
  document.getElementById("retries").textContent = summary.retries;
  document.getElementById("upstream-failed").textContent = failed;
}

function latency(summary) {
  const body = document.querySelector("#latency tbody");
  body.replaceChildren();
  for (const route of summary.routes) {
    const tr = document.createElement("tr");
    cell(tr, route.route);
    cell(tr, route.count, true);
    cell(tr, route.mean_ms.toFixed(2), true);
    cell(tr, route.p50_ms < 0 ? "> 10000" : route.p50_ms, true);
    cell(tr, route.p99_ms < 0 ? "> 10000" : route.p99_ms, true);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = Math.round(100 * route.upstream_share) + "px";
    const share = document.createElement("span");
    share.append(bar, " " + percent(route.upstream_share));
    cell(tr, share);
    // Where the rest went: each stage's share, largest first (GET /admin/latency has the same).
    const stages = Object.entries(route.stages || {})
      .filter(([, v]) => v >= 0.005)
      .sort((a, b) => b[1] - a[1])
      .map(([stage, v]) => stage + " " + percent(v))
      .join(" · ");
    cell(tr, stages || "-");
    body.appendChild(tr);
  }
}

function sizing(summary) {
  const section = document.getElementById("sizing");
  const curve = summary.sizing.curve;
  const width = 720, height = 200, left = 40, bottom = 30;
  const chart = svg(section.querySelector(".chart"), width, height);
  if (curve.length < 2 || summary.sizing.references === 0) {
    text(chart, 10, 20, "nothing sampled yet: the curve appears after some cacheable reads");
    return;
  }
  const lo = Math.log2(curve[0].bytes), hi = Math.log2(curve[curve.length - 1].bytes);
  const x = b => left + (width - left - 10) * (Math.log2(b) - lo) / Math.max(1, hi - lo);
  const y = r => height - bottom - (height - bottom - 10) * r;
  el("line", { x1: left, y1: y(0), x2: width - 10, y2: y(0), stroke: "#ccc" }, chart);
  text(chart, left - 4, y(1) + 4, "100%", "end");
  text(chart, left - 4, y(0), "0", "end");
  el("polyline", { class: "curve", fill: "none", stroke: "#635bff", "stroke-width": 2,
    points: curve.map(p => x(p.bytes) + "," + y(p.hit_ratio)).join(" ") }, chart);
  text(chart, left, height - 6, bytes(curve[0].bytes));
  text(chart, width - 10, height - 6, bytes(curve[curve.length - 1].bytes), "end");
  const max = summary.sizing.max_bytes;
  if (max > 0 && Math.log2(max) >= lo && Math.log2(max) <= hi) {
    el("line", { x1: x(max), y1: y(0), x2: x(max), y2: y(1), stroke: COLORS.limit,
      "stroke-dasharray": "4 3" }, chart);
    text(chart, x(max) - 4, y(1) + 12, "bound " + bytes(max), "end");
  }
}

function background(summary) {
  document.getElementById("webhooks-refused").textContent = summary.webhooks_refused;
  const passes = Object.entries(summary.reconcile).map(([k, v]) => k + ": " + v).join(", ");
  document.getElementById("reconcile").textContent = passes || "none (reconcile.apiKey unset)";
  const lag = Object.entries(summary.event_lag || {})
    .map(([source, l]) => source + ": " + l.count + " applied, p50 " + l.p50_s + " s, p99 "
      + (l.p99_s < 0 ? "> 1 h" : l.p99_s + " s"))
    .join("; ");
  document.getElementById("event-lag").textContent = lag || "no event applied yet";
}

async function poll() {
  try {
    const response = await fetch("/admin/summary", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const summary = await response.json();
    status(summary);
    hitRatio(summary);
    upstream(summary);
    latency(summary);
    sizing(summary);
    background(summary);
    previous = { at: Date.now(), summary };
    document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
  } catch (e) {
    const node = document.getElementById("status");
    node.className = "status not-ready";
    node.textContent = "cannot read /admin/summary: " + e.message;
  }
}

poll();
setInterval(poll, POLL_MS);
