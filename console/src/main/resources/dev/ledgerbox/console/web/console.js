// The Ledgerbox console's pages. Every value from the API is put in the page as text (textContent,
// attribute values), never as HTML: payloads, headers and responses are written by strangers.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
let session = null;
let timer = null;

/** An element with attributes and children; strings become text nodes. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.substring(2), v);
    else if (k === "className") node.className = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

async function api(path, options) {
  const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
  if (opts.method === "POST") {
    opts.headers["Content-Type"] = "application/json";
    opts.headers["X-CSRF-Token"] = session ? session.csrf : "";
    opts.body = JSON.stringify(opts.body || {});
  }
  const response = await fetch(path, opts);
  if (response.status === 401) {
    location.href = "/login";
    throw new Error("signed out");
  }
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || ("HTTP " + response.status));
  return json;
}

const fmt = {
  n: (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en")),
  rate: (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(1) + " %"),
  ms: (v) => (v === null || v === undefined ? "–" : v >= 1000 ? (v / 1000).toFixed(1) + " s" : v + " ms"),
  perSecond: (v) => (v === null || v === undefined ? "–" : v < 10 ? v.toFixed(2) : v.toFixed(0)),
  time: (v) => (v ? new Date(v).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "–"),
  json: (v) => (typeof v === "string" ? v : JSON.stringify(v, null, 2)),
};

function badge(text, kind) {
  return el("span", { className: "badge " + (kind || text || "") }, text === null || text === undefined ? "–" : text);
}

function table(columns, rows, empty) {
  if (!rows.length) return el("p", { className: "muted" }, empty || "Nothing here.");
  return el("table", {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { className: c.num ? "num" : null }, c.label)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((c) => {
      const v = c.value(row);
      return el("td", { className: c.num ? "num" : null }, v instanceof Node ? v : v === null || v === undefined ? "–" : String(v));
    })))));
}

/** A success rate as a bar and a figure. */
function rateBar(v) {
  if (v === null || v === undefined) return "–";
  return el("span", { className: "rate" }, el("meter", { min: 0, max: 1, low: 0.5, high: 0.95, optimum: 1, value: v }), " " + fmt.rate(v));
}

function tile(label, value, id) {
  return el("div", { className: "tile", id: id }, el("div", { className: "label" }, label), el("div", { className: "value" }, value));
}

function failure(main, error) {
  main.append(el("p", { className: "error", role: "alert" }, error.message));
}

function operatorOnly(node) {
  return session && session.role === "operator" ? node : null;
}

// ---- overview ----------------------------------------------------------------------------

function chart(series) {
  const w = 900, h = 180, pad = 24;
  const max = Math.max(1, ...series.map((p) => Math.max(p.delivered + p.failed, p.events)));
  const bw = (w - pad) / Math.max(1, series.length);
  const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, class: "chart", role: "img", "aria-label": "deliveries and events over time" });
  root.append(svg("line", { x1: pad, y1: h - pad, x2: w, y2: h - pad, class: "axis" }));
  const y = (v) => h - pad - (v / max) * (h - 2 * pad);
  let line = "";
  series.forEach((p, i) => {
    const x = pad + i * bw;
    root.append(svg("rect", { x: x + 1, y: y(p.delivered), width: Math.max(1, bw - 2), height: h - pad - y(p.delivered), class: "delivered" }));
    root.append(svg("rect", { x: x + 1, y: y(p.delivered + p.failed), width: Math.max(1, bw - 2), height: y(p.delivered) - y(p.delivered + p.failed), class: "failed" }));
    line += (i ? " L " : "M ") + (x + bw / 2) + " " + y(p.events);
  });
  if (series.length) root.append(svg("path", { d: line, class: "events" }));
  const top = svg("text", { x: 0, y: pad - 8 });
  top.textContent = String(max);
  root.append(top);
  if (series.length) {
    const first = svg("text", { x: pad, y: h - 6 });
    first.textContent = fmt.time(series[0].at).substring(11, 16);
    const last = svg("text", { x: w - 40, y: h - 6 });
    last.textContent = fmt.time(series[series.length - 1].at).substring(11, 16);
    root.append(first, last);
  }
  return el("div", { className: "panel" }, root,
    el("div", { className: "legend" },
      el("span", {}, el("i", { className: "delivered" }), "delivered"),
      el("span", {}, el("i", { className: "failed" }), "failed"),
      el("span", {}, el("i", { className: "events" }), "events")));
}

async function overview(main, params) {
  const window = params.get("window") || "1h";
  const o = await api("/api/overview?window=" + encodeURIComponent(window));
  const t = o.totals;
  main.replaceChildren(
    el("h1", {}, "Overview"),
    el("div", { className: "actions" },
      ["1h", "24h"].map((w) => el("a", { href: "#/overview?window=" + w, className: w === window ? "badge healthy" : "badge" }, "last " + w)),
      el("span", { className: "muted" }, "refreshed " + fmt.time(o.to))),
    el("div", { className: "tiles" },
      tile("events / s", fmt.perSecond(t.eventsPerSecond), "tile-events"),
      tile("deliveries / s", fmt.perSecond(t.deliveredPerSecond), "tile-deliveries"),
      tile("success rate", fmt.rate(t.successRate), "tile-success"),
      tile("p50 · p95 · p99", fmt.ms(t.p50Ms) + " · " + fmt.ms(t.p95Ms) + " · " + fmt.ms(t.p99Ms), "tile-latency"),
      tile("outbox lag", o.outbox.pending + " waiting · " + o.outbox.lagSeconds + " s", "tile-lag"),
      tile("dead letters", fmt.n(o.deadLetters), "tile-dead")),
    chart(o.series),
    el("h2", {}, "Per endpoint"),
    table([
      { label: "endpoint", value: (r) => el("a", { href: "#/endpoints/" + r.endpointId }, r.url) },
      { label: "attempts", num: true, value: (r) => fmt.n(r.attempts) },
      { label: "success", num: true, value: (r) => rateBar(r.successRate) },
      { label: "p50", num: true, value: (r) => fmt.ms(r.p50Ms) },
      { label: "p95", num: true, value: (r) => fmt.ms(r.p95Ms) },
      { label: "p99", num: true, value: (r) => fmt.ms(r.p99Ms) },
      { label: "dead", num: true, value: (r) => fmt.n(r.dead) },
    ], o.endpoints, "No attempts in this window."),
    el("h2", {}, "Per event type"),
    table([
      { label: "event type", value: (r) => r.eventType },
      { label: "events", num: true, value: (r) => fmt.n(r.events) },
      { label: "attempts", num: true, value: (r) => fmt.n(r.attempts) },
      { label: "success", num: true, value: (r) => rateBar(r.successRate) },
      { label: "p95", num: true, value: (r) => fmt.ms(r.p95Ms) },
    ], o.eventTypes, "No events in this window."));
  timer = setTimeout(() => route(), 10000);
}

// ---- endpoints ---------------------------------------------------------------------------

function healthCell(h) {
  if (!h) return "–";
  return el("span", {}, badge(h.status + " " + h.score.toFixed(2), h.status), " ", el("span", { className: "muted" }, h.reasons.join("; ")));
}

async function endpoints(main) {
  const list = await api("/api/endpoints");
  main.replaceChildren(el("h1", {}, "Endpoints"), table([
    { label: "url", value: (e) => el("a", { href: "#/endpoints/" + e.id }, e.url) },
    { label: "event types", value: (e) => e.eventTypes.join(", ") },
    { label: "enabled", value: (e) => (e.enabled ? "yes" : badge("disabled", "critical")) },
    { label: "health", value: (e) => healthCell(e.health) },
    { label: "success", num: true, value: (e) => (e.health ? rateBar(e.health.successRate) : "–") },
    { label: "p95", num: true, value: (e) => (e.health ? fmt.ms(e.health.p95Ms) : "–") },
  ], list, "No endpoints registered."));
}

async function endpoint(main, id) {
  const e = await api("/api/endpoints/" + encodeURIComponent(id));
  const result = el("div", { id: "action-result" });
  const reason = el("input", { id: "reason", placeholder: "reason (stored in the audit log)", size: 36 });
  const act = (action, body, show) => async () => {
    try {
      const r = await api("/api/endpoints/" + encodeURIComponent(id) + "/" + action, { method: "POST", body: body() });
      await endpoint(main, id);
      if (show) document.getElementById("action-result").replaceChildren(show(r));
    } catch (err) {
      result.replaceChildren(el("p", { className: "error", role: "alert" }, err.message));
    }
  };
  main.replaceChildren(
    el("h1", {}, e.url),
    el("p", {}, healthCell(e.health)),
    el("div", { className: "panel" }, table([
      { label: "field", value: (r) => r[0] },
      { label: "value", value: (r) => r[1] },
    ], [
      ["id", e.id], ["description", e.description], ["event types", e.eventTypes.join(", ")],
      ["enabled", e.enabled ? "yes" : "no, " + (e.disabledReason || "")], ["timeout", fmt.ms(e.timeoutMs)],
      ["max concurrency", e.maxConcurrency], ["rate / s", e.ratePerSecond], ["headers", e.headerNames.join(", ") || "–"],
      ["circuit", e.health ? e.health.circuit : "–"], ["created", fmt.time(e.createdAt)],
    ])),
    operatorOnly(el("div", { className: "actions" },
      reason,
      e.enabled
        ? el("button", { id: "disable", onclick: act("disable", () => ({ reason: reason.value })) }, "Disable")
        : el("button", { id: "enable", onclick: act("enable", () => ({ reason: reason.value })) }, "Enable"),
      el("button", { id: "rotate", className: "secondary", onclick: act("rotate-secret", () => ({ reason: reason.value }),
        (r) => el("div", { className: "notice" }, el("p", {}, "New signing secret, " + r.note + ":"), el("p", { className: "secret", id: "new-secret" }, r.secret))) }, "Rotate secret"),
      el("button", { id: "test", className: "secondary", onclick: act("test", () => ({}),
        (r) => el("div", { className: "notice" }, "Test event " + r.webhookId + ": " + (r.succeeded ? "delivered" : "failed") + ", status " + (r.status || "none") + ", " + fmt.ms(r.durationMs) + (r.error ? ", " + r.error : ""))) }, "Send test event"))),
    result,
    el("h2", {}, "Recent failures"),
    table([
      { label: "time", value: (a) => fmt.time(a.requestedAt) },
      { label: "delivery", value: (a) => el("a", { href: "#/deliveries/" + a.deliveryId }, "#" + a.deliveryId) },
      { label: "attempt", num: true, value: (a) => a.attempt },
      { label: "outcome", value: (a) => badge(a.outcome) },
      { label: "status", num: true, value: (a) => a.responseStatus },
      { label: "error", value: (a) => a.errorMessage || a.errorClass },
      { label: "duration", num: true, value: (a) => fmt.ms(a.durationMs) },
    ], e.recentFailures, "No failed attempts."));
}

// ---- deliveries --------------------------------------------------------------------------

const FILTERS = ["endpoint", "eventType", "status", "aggregate", "correlation", "from", "to"];

async function deliveries(main, params) {
  const endpointsList = await api("/api/endpoints");
  const query = new URLSearchParams();
  FILTERS.forEach((f) => params.get(f) && query.set(f, params.get(f)));
  const rows = await api("/api/deliveries?" + query.toString());
  const input = (name, placeholder) => el("label", {}, name, el("input", { name: name, id: "filter-" + name, value: params.get(name) || "", placeholder: placeholder }));
  const form = el("form", { className: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    new FormData(form).forEach((v, k) => v && q.set(k, v));
    location.hash = "#/deliveries?" + q.toString();
  } },
    el("label", {}, "endpoint", el("select", { name: "endpoint", id: "filter-endpoint" }, el("option", { value: "" }, "any"),
      endpointsList.map((e) => el("option", { value: e.id, selected: params.get("endpoint") === e.id }, e.url)))),
    input("eventType", "order.*"),
    el("label", {}, "status", el("select", { name: "status", id: "filter-status" }, el("option", { value: "" }, "any"),
      ["PENDING", "CLAIMED", "FAILED", "DELIVERED", "DEAD"].map((s) => el("option", { value: s, selected: params.get("status") === s }, s)))),
    input("aggregate", "aggregate id"), input("correlation", "correlation id"),
    input("from", "2026-12-01T00:00:00Z"), input("to", ""),
    el("button", { type: "submit", id: "filter-apply" }, "Filter"));
  main.replaceChildren(el("h1", {}, "Deliveries"), form, el("div", { className: "panel" }, table([
    { label: "id", value: (d) => el("a", { href: "#/deliveries/" + d.id }, "#" + d.id) },
    { label: "created", value: (d) => fmt.time(d.createdAt) },
    { label: "event type", value: (d) => d.eventType },
    { label: "aggregate", value: (d) => d.aggregateType + " " + d.aggregateId },
    { label: "endpoint", value: (d) => d.url },
    { label: "status", value: (d) => badge(d.status) },
    { label: "attempts", num: true, value: (d) => d.attempts },
    { label: "last", value: (d) => (d.lastStatus || "") + " " + (d.lastError || "") },
    { label: "correlation", value: (d) => (d.correlationId ? el("a", { href: "#/trace?correlation=" + encodeURIComponent(d.correlationId) }, d.correlationId) : "–") },
  ], rows, "No deliveries match.")));
}

function headersTable(headers) {
  return table([{ label: "header", value: (r) => r[0] }, { label: "value", value: (r) => r[1] }], Object.entries(headers || {}), "none");
}

async function delivery(main, id) {
  const d = await api("/api/deliveries/" + encodeURIComponent(id));
  main.replaceChildren(
    el("h1", {}, "Delivery #" + d.id + " ", badge(d.status)),
    el("p", {}, d.eventType + " · " + d.aggregateType + " " + d.aggregateId + " → " + d.url),
    el("p", { className: "muted" }, "event " + d.eventId + " · occurred " + fmt.time(d.occurredAt) + " · correlation ",
      d.correlationId ? el("a", { href: "#/trace?correlation=" + encodeURIComponent(d.correlationId) }, d.correlationId) : "–"),
    el("h2", {}, "Payload (signed body)"),
    el("pre", { id: "payload" }, fmt.json(d.body)),
    el("h2", {}, "Attempts"),
    d.attempts.length ? el("div", { id: "attempts" }, d.attempts.map((a) => el("div", { className: "panel attempt" },
      el("p", {}, el("strong", {}, "Attempt " + a.attempt + " "), badge(a.outcome || "in flight", a.outcome), " ",
        fmt.time(a.requestedAt), " · ", fmt.ms(a.durationMs), a.replayId ? " · replay " + a.replayId : ""),
      el("p", {}, "POST " + a.requestUrl + " · " + a.requestBytes + " bytes · sha256 " + a.requestBodySha256),
      el("h3", {}, "Request headers (redacted)"), headersTable(a.requestHeaders),
      el("h3", {}, "Response " + (a.responseStatus || "none") + (a.responseTruncated ? " (body truncated)" : "")),
      headersTable(a.responseHeaders),
      el("pre", { className: "response-body" }, a.responseBody === null ? "" : a.responseBody),
      a.errorClass ? el("p", { className: "error" }, a.errorClass + ": " + (a.errorMessage || "")) : null)))
      : el("p", { className: "muted" }, "No attempt yet."));
}

// ---- dead letters ------------------------------------------------------------------------

async function deadLetters(main) {
  const rows = await api("/api/dead-letters?limit=500");
  const checks = rows.map((r) => el("input", { type: "checkbox", value: r.id, className: "pick", "aria-label": "select delivery " + r.id }));
  const all = el("input", { type: "checkbox", id: "pick-all", "aria-label": "select all", onchange: () => checks.forEach((c) => (c.checked = all.checked)) });
  const reason = el("input", { id: "replay-reason", placeholder: "reason (required)", size: 40 });
  const result = el("div", { id: "replay-result" });
  const replay = async () => {
    const ids = checks.filter((c) => c.checked).map((c) => Number(c.value));
    try {
      const r = await api("/api/dead-letters/replay", { method: "POST", body: { deliveryIds: ids, reason: reason.value } });
      await deadLetters(main);
      document.getElementById("replay-result").replaceChildren(el("p", { className: "notice" }, "Replay " + r.replayId + ": " + r.deliveries + " deliveries put back to pending."));
    } catch (err) {
      result.replaceChildren(el("p", { className: "error", role: "alert" }, err.message));
    }
  };
  let i = 0;
  main.replaceChildren(
    el("h1", {}, "Dead letters"),
    operatorOnly(el("div", { className: "actions" }, reason, el("button", { id: "replay", onclick: replay }, "Replay selected"))),
    result,
    el("div", { className: "panel" }, rows.length ? el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, all), ["delivery", "died", "event type", "aggregate", "endpoint", "attempts", "last status", "last error"].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((r) => el("tr", {},
        el("td", {}, checks[i++]),
        el("td", {}, el("a", { href: "#/deliveries/" + r.id }, "#" + r.id)),
        el("td", {}, fmt.time(r.deadAt)), el("td", {}, r.eventType), el("td", {}, r.aggregateType + " " + r.aggregateId),
        el("td", {}, r.url), el("td", { className: "num" }, r.attempts), el("td", { className: "num" }, r.lastStatus === null ? "–" : r.lastStatus),
        el("td", {}, r.lastError || "–")))))
      : el("p", { className: "muted" }, "No dead letters.")));
}

// ---- audit -------------------------------------------------------------------------------

function diffTable(diff) {
  const rows = Object.entries(diff || {});
  const value = (v) => (v === "***" ? badge("masked", "masked") : v === undefined ? "–" : fmt.json(v));
  return table([
    { label: "field", value: (r) => r[0] },
    { label: "old", value: (r) => value(r[1] && r[1].old) },
    { label: "new", value: (r) => value(r[1] && r[1].new) },
  ], rows, "no fields");
}

function auditRows(rows) {
  return table([
    { label: "time", value: (a) => fmt.time(a.occurredAt) },
    { label: "entity", value: (a) => el("a", { href: "#/audit?type=" + encodeURIComponent(a.entityType) + "&id=" + encodeURIComponent(a.entityId) }, a.entityType + " " + a.entityId) },
    { label: "operation", value: (a) => a.operation },
    { label: "actor", value: (a) => (a.actorId ? el("a", { href: "#/audit?actor=" + encodeURIComponent(a.actorId) }, a.actorName || a.actorId) : "–") },
    { label: "action · reason", value: (a) => [a.action, a.reason].filter((x) => x).join(" · ") || "–" },
    { label: "changes (old → new)", value: (a) => diffTable(a.diff) },
    { label: "correlation", value: (a) => (a.correlationId ? el("a", { href: "#/trace?correlation=" + encodeURIComponent(a.correlationId) }, a.correlationId) : "–") },
  ], rows, "No audit rows.");
}

async function audit(main, params) {
  const seal = await api("/api/audit/seal");
  const verifyOut = el("span", { id: "verify-result" });
  const form = (fields, button) => {
    const f = el("form", { className: "filters", onsubmit: (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      new FormData(f).forEach((v, k) => v && q.set(k, v));
      location.hash = "#/audit?" + q.toString();
    } }, fields.map(([name, label]) => el("label", {}, label, el("input", { name: name, id: "audit-" + name, value: params.get(name) || "" }))), el("button", { type: "submit", id: button }, "Show"));
    return f;
  };
  main.replaceChildren(
    el("h1", {}, "Audit"),
    el("div", { className: "panel", id: "seal" }, seal.installed
      ? el("p", {}, fmt.n(seal.sealedRows) + " of " + fmt.n(seal.rows) + " rows sealed in " + seal.chains + " chain(s), last seal " + fmt.time(seal.lastSealedAt) + " ",
        el("button", { className: "secondary", id: "verify", onclick: async () => {
          verifyOut.textContent = "verifying…";
          const v = await api("/api/audit/verify");
          verifyOut.replaceChildren(v.intact ? badge("intact: " + v.rowsChecked + " rows checked", "healthy") : badge("BROKEN: " + v.problem, "critical"));
        } }, "Verify chain"), " ", verifyOut)
      : el("p", { className: "muted" }, "The audit schema is not installed.")),
    el("h2", {}, "History of one entity"), form([["type", "entity type"], ["id", "entity id"]], "audit-entity"),
    el("h2", {}, "Everything one actor did"), form([["actor", "actor id"], ["since", "since (24h, 7d)"]], "audit-actor"),
    el("div", { id: "audit-rows" }));
  const out = document.getElementById("audit-rows");
  if (params.get("type") && params.get("id")) {
    out.replaceChildren(el("h2", {}, params.get("type") + " " + params.get("id")),
      auditRows(await api("/api/audit/entity?type=" + encodeURIComponent(params.get("type")) + "&id=" + encodeURIComponent(params.get("id")))));
  } else if (params.get("actor")) {
    out.replaceChildren(el("h2", {}, "By " + params.get("actor")),
      auditRows(await api("/api/audit/actor?actor=" + encodeURIComponent(params.get("actor")) + "&since=" + encodeURIComponent(params.get("since") || "24h"))));
  }
}

// ---- trace -------------------------------------------------------------------------------

async function trace(main, params) {
  const correlation = params.get("correlation") || "";
  const input = el("input", { name: "correlation", id: "trace-correlation", value: correlation, size: 50 });
  const form = el("form", { className: "filters", onsubmit: (ev) => {
    ev.preventDefault();
    location.hash = "#/trace?correlation=" + encodeURIComponent(input.value.trim());
  } }, el("label", {}, "correlation id", input), el("button", { type: "submit", id: "trace-show" }, "Show"));
  main.replaceChildren(el("h1", {}, "Trace"), form);
  if (!correlation) return;
  const items = await api("/api/trace?correlation=" + encodeURIComponent(correlation));
  main.append(items.length ? el("ul", { className: "timeline", id: "timeline" }, items.map((i) => el("li", { className: i.kind },
    el("p", {}, fmt.time(i.at) + " ", badge(i.kind, ""), " ", el("strong", {}, i.title), " ",
      i.status ? badge(i.status) : null, i.responseStatus ? " HTTP " + i.responseStatus : "", i.durationMs !== undefined && i.durationMs !== null ? " · " + fmt.ms(i.durationMs) : "",
      i.actor ? " · by " + i.actor : "", i.error ? " · " + i.error : ""),
    i.kind === "webhook" ? el("a", { href: "#/deliveries/" + i.ref }, "delivery #" + i.ref) : null,
    i.kind === "audit" ? diffTable(i.detail) : i.detail ? el("pre", {}, fmt.json(i.detail)) : null)))
    : el("p", { className: "muted" }, "Nothing recorded under this correlation id."));
}

// ---- routing -----------------------------------------------------------------------------

async function route() {
  clearTimeout(timer);
  const main = document.getElementById("main");
  const hash = location.hash.replace(/^#\/?/, "") || "overview";
  const [path, query] = hash.split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.dataset.nav === parts[0]));
  try {
    switch (parts[0]) {
      case "endpoints": await (parts[1] ? endpoint(main, decodeURIComponent(parts[1])) : endpoints(main)); break;
      case "deliveries": await (parts[1] ? delivery(main, decodeURIComponent(parts[1])) : deliveries(main, params)); break;
      case "dead-letters": await deadLetters(main); break;
      case "audit": await audit(main, params); break;
      case "trace": await trace(main, params); break;
      default: await overview(main, params);
    }
    main.dataset.loaded = hash;
  } catch (err) {
    main.replaceChildren();
    failure(main, err);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  if (document.body.dataset.page === "login") {
    document.getElementById("failed").hidden = !location.search.includes("failed");
    document.getElementById("throttled").hidden = !location.search.includes("throttled");
    return;
  }
  session = await api("/api/session");
  document.getElementById("who").textContent = session.user + " (" + session.role + ")";
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session.csrf } });
    location.href = "/login";
  });
  window.addEventListener("hashchange", route);
  route();
});
