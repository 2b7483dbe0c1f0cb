// Corvid Studio: the page. Reads the Studio's JSON API (/api/...), draws the cluster, its history
// and the documents. Plain JavaScript, no dependencies; all user data goes in with textContent.
"use strict";

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
const PAGE = 25;
const SVG = "http://www.w3.org/2000/svg";

const state = {
  cluster: null,          // the last /api/cluster answer
  history: null,          // the last /api/history answer
  collection: null,       // the collection listed
  skip: 0,
  total: 0,
  doc: null,              // {id, etag (the edit's base; null for a new document), found}
  inFlight: new Set(),    // endpoints being polled, so polls never overlap
  listed: null,           // what the collection and conflict lists show, as JSON
};

const $ = (id) => document.getElementById(id);

/** fetch with a timeout; resolves to {status, body} (body parsed JSON, or {error} when it is not). */
async function api(method, path, body) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), method === "POST" ? 120000 : 5000);
  try {
    const response = await fetch(path, {
      method,
      signal: abort.signal,
      headers: body === undefined ? {} : {"Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let parsed;
    try {
      parsed = await response.json();
    } catch (e) {
      parsed = {error: "the Studio answered " + response.status + " without JSON"};
    }
    return {status: response.status, body: parsed};
  } finally {
    clearTimeout(timer);
  }
}

/** Runs poll function fn under key unless one is still running. */
async function once(key, fn) {
  if (state.inFlight.has(key)) return;
  state.inFlight.add(key);
  try {
    await fn();
  } finally {
    state.inFlight.delete(key);
  }
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function duration(ms) {
  if (ms === null || ms === undefined) return "-";
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min " + (s % 60) + " s";
  const h = Math.floor(m / 60);
  return h + " h " + (m % 60) + " min";
}

function lagText(node) {
  const lag = node.lag;
  if (node.role === "master") return "-";
  if (!state.cluster.details) return "admin only";
  if (!lag) return "-";
  if (lag.diverged) return "DIVERGED: " + lag.diverged;
  if (lag.changes === null || lag.changes === undefined) return "?";
  const text = lag.changes === 0 ? "0 (caught up)" : lag.changes + " changes, " + lag.ms + " ms";
  return lag.connected === false ? text + ", disconnected" : text;
}

function colorOf(name) {
  const names = state.cluster ? state.cluster.nodes.map((n) => n.name) : [];
  const i = Math.max(0, names.indexOf(name));
  return COLORS[i % COLORS.length];
}

// ---- cluster ---------------------------------------------------------------------------------

async function pollCluster() {
  try {
    const answer = await api("GET", "/api/cluster");
    if (answer.status !== 200) throw new Error(answer.body.error || ("status " + answer.status));
    state.cluster = answer.body;
    $("connection-error").hidden = true;
    renderHeader();
    renderNodes();
    renderTopology();
  } catch (e) {
    const banner = $("connection-error");
    banner.textContent = "The Studio does not answer: " + (e.message || e);
    banner.hidden = false;
  }
}

function renderHeader() {
  const c = state.cluster;
  $("cluster-name").textContent = c.cluster;
  $("epoch").textContent = "epoch " + (c.epoch || "unknown") + " (failover " + c.failover + ")";
  $("master").textContent = c.master;
  $("identity").textContent = c.identity;
  const banner = $("readonly-banner");
  banner.hidden = !c.readOnly && c.details;
  banner.textContent = c.readOnly ? "Read-only: this Studio runs as '" + c.identity + "', which may only read." : "";
  if (!c.details) {
    banner.textContent += " The nodes tell replication lag and request counts to the admin role only.";
  }
  for (const id of ["save", "delete"]) $(id).hidden = c.readOnly;
}

function renderNodes() {
  const body = $("nodes").tBodies[0];
  body.replaceChildren();
  for (const n of state.cluster.nodes) {
    const row = el("tr");
    row.dataset.node = n.name;
    const cells = [
      ["name", n.name], ["role", n.role], ["epoch", n.epoch === null ? "-" : n.epoch], ["address", n.address], ["state", n.state],
      ["documents", n.documents === null ? "-" : n.documents], ["last-etag", n.lastEtag || "-"],
      ["lag", lagText(n)], ["uptime", duration(n.uptimeMs)],
      ["served", !state.cluster.details ? "admin only" : n.readsServed === null ? "-"
        : n.readsServed + " reads, " + n.writesServed + " writes"],
    ];
    for (const [cls, text] of cells) row.appendChild(el("td", text, cls));
    const stateCell = row.querySelector("td.state");
    stateCell.classList.add(n.state === "UP" ? "state-UP" : n.state === "DOWN" ? "state-DOWN" : "state-other");
    if (n.reason) stateCell.title = n.reason;
    body.appendChild(row);
  }
}

function stateColor(s) {
  return s === "UP" ? "#17803d" : s === "DOWN" ? "#c62828" : "#b26a00";
}

/** The master at the top, the replicas on an arc below it, an arrow from the master to each. */
function renderTopology() {
  const picture = $("topology");
  picture.replaceChildren();
  const defs = svg("defs");
  const marker = svg("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto"});
  marker.appendChild(svg("path", {d: "M0,0 L10,5 L0,10 z", fill: "#8a93a2"}));
  defs.appendChild(marker);
  picture.appendChild(defs);
  const nodes = state.cluster.nodes;
  const master = nodes.find((n) => n.name === state.cluster.master) || nodes[0];
  const replicas = nodes.filter((n) => n !== master);
  const spots = new Map([[master.name, {x: 130, y: 40}]]);
  replicas.forEach((r, i) => {
    const x = replicas.length === 1 ? 130 : 30 + (200 * i) / (replicas.length - 1);
    spots.set(r.name, {x, y: 160});
  });
  const m = spots.get(master.name);
  for (const r of replicas) {
    const p = spots.get(r.name);
    const dx = p.x - m.x, dy = p.y - m.y, len = Math.hypot(dx, dy);
    picture.appendChild(svg("line", {
      x1: m.x + (dx * 24) / len, y1: m.y + (dy * 24) / len, x2: p.x - (dx * 24) / len, y2: p.y - (dy * 24) / len,
      stroke: "#8a93a2", "stroke-width": 1.5, "marker-end": "url(#arrow)",
    }));
  }
  for (const n of nodes) {
    const p = spots.get(n.name);
    const g = svg("g", {"data-node": n.name});
    g.appendChild(svg("circle", {cx: p.x, cy: p.y, r: 22, fill: "#fff", stroke: stateColor(n.state), "stroke-width": 3}));
    g.appendChild(svg("text", {x: p.x, y: p.y + 4, "text-anchor": "middle", "font-size": 14, "font-weight": 600}, n.name));
    g.appendChild(svg("text", {x: p.x, y: p.y + 36, "text-anchor": "middle"}, n.role + " · " + n.state));
    picture.appendChild(g);
  }
}

// ---- history ---------------------------------------------------------------------------------

async function pollHistory() {
  const answer = await api("GET", "/api/history");
  if (answer.status !== 200) return;
  state.history = answer.body;
  drawCharts();
}

function drawCharts() {
  const h = state.history;
  if (!h || !state.cluster) return;
  const replicas = state.cluster.nodes.filter((n) => n.name !== state.cluster.master).map((n) => n.name);
  const all = state.cluster.nodes.map((n) => n.name);
  const series = (names, pick, extra) => names.map((name) => ({
    name, attrs: extra(name),
    points: h.samples.map((s) => [s.t, s.nodes[name] ? pick(s.nodes[name]) : null]),
  }));
  drawChart($("lag-chart"), series(replicas, (p) => p.lagChanges, (name) => ({"data-replica": name})), h);
  drawChart($("lag-ms-chart"), series(replicas, (p) => p.lagMs, (name) => ({"data-replica": name})), h);
  const rates = series(all, (p) => p.writesPerSec, (name) => ({"data-node": name, "data-series": "writes"}))
    .concat(series(all, (p) => p.readsPerSec, (name) => ({"data-node": name, "data-series": "reads", "stroke-dasharray": "4 3"})));
  drawChart($("rate-chart"), rates, h);
  $("lag-chart").setAttribute("data-samples", h.samples.length);
  const legend = $("legend");
  legend.replaceChildren();
  for (const name of all) {
    const item = el("span");
    const swatch = el("i");
    swatch.className = "swatch-" + all.indexOf(name);
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(name));
    legend.appendChild(item);
  }
}

/** One line chart: each series a polyline over the history window, event marks, a few ticks. */
function drawChart(chart, series, h) {
  const width = Number(chart.getAttribute("width")), height = Number(chart.getAttribute("height"));
  const left = 40, right = 8, top = 8, bottom = 20;
  chart.replaceChildren();
  const end = h.samples.length ? h.samples[h.samples.length - 1].t : Date.now();
  const start = h.samples.length ? Math.max(h.samples[0].t, end - h.windowMs) : end - h.windowMs;
  const span = Math.max(1, end - start);
  let max = 1;
  for (const s of series) for (const [, v] of s.points) if (v !== null && v > max) max = v;
  const x = (t) => left + ((t - start) / span) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  chart.appendChild(svg("line", {class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom}));
  chart.appendChild(svg("line", {class: "axis", x1: left, y1: top, x2: left, y2: height - bottom}));
  for (const v of [0, max / 2, max]) {
    chart.appendChild(svg("text", {x: left - 4, y: y(v) + 3, "text-anchor": "end"}, v >= 100 ? Math.round(v) : Math.round(v * 10) / 10));
  }
  chart.appendChild(svg("text", {x: left, y: height - 5}, "-" + Math.round(span / 60000 * 10) / 10 + " min"));
  chart.appendChild(svg("text", {x: width - right, y: height - 5, "text-anchor": "end"}, "now"));
  for (const s of series) {
    const points = s.points.filter(([, v]) => v !== null).map(([t, v]) => x(t).toFixed(1) + "," + y(v).toFixed(1));
    chart.appendChild(svg("polyline", Object.assign({
      points: points.join(" "), fill: "none", stroke: colorOf(s.name), "stroke-width": 1.5,
    }, s.attrs)));
  }
  for (const e of h.events) {
    if (e.t < start) continue;
    const at = x(e.t);
    chart.appendChild(svg("line", {class: "event", "data-node": e.node, "data-event": e.event, x1: at, y1: top, x2: at, y2: height - bottom}));
    const label = e.event === "master" ? e.node + " master, epoch " + e.epoch : e.node + " " + e.event;
    const nearEnd = at > width - right - 6 * label.length; // the label would run off the chart: left of the mark
    chart.appendChild(svg("text", {x: nearEnd ? at - 2 : at + 2, y: top + 9, "text-anchor": nearEnd ? "end" : "start"}, label));
  }
}

// ---- documents -------------------------------------------------------------------------------

async function loadCollections() {
  const [collections, conflicts] = await Promise.all([api("GET", "/api/collections"), api("GET", "/api/conflicts")]);
  const key = JSON.stringify([collections.body, conflicts.body]);
  if (key === state.listed) return; // unchanged: no redraw under the user's pointer
  state.listed = key;
  if (collections.status === 200) {
    const list = $("collections");
    list.replaceChildren();
    for (const name of collections.body.collections) {
      const link = el("a", name);
      link.dataset.collection = name;
      link.addEventListener("click", () => { state.collection = name; state.skip = 0; loadPage(); });
      const item = el("li");
      item.appendChild(link);
      list.appendChild(item);
    }
    if (!collections.body.collections.length) list.appendChild(el("li", "none yet"));
  }
  if (conflicts.status === 200) {
    const list = $("conflicts");
    list.replaceChildren();
    for (const c of conflicts.body.conflicts) {
      const link = el("a", c.id + " (" + c.versions + " versions)");
      link.dataset.id = c.id;
      link.addEventListener("click", () => openDocument(c.id));
      const item = el("li");
      item.appendChild(link);
      list.appendChild(item);
    }
    if (!conflicts.body.conflicts.length) list.appendChild(el("li", "none"));
    if (!conflicts.body.complete) list.appendChild(el("li", "(looked at the first " + conflicts.body.scanned + " documents)"));
  }
}

async function loadPage() {
  if (!state.collection) return;
  const answer = await api("GET", "/api/collections/" + encodeURIComponent(state.collection) + "?skip=" + state.skip + "&take=" + PAGE);
  const body = $("documents").tBodies[0];
  body.replaceChildren();
  if (answer.status !== 200) {
    body.appendChild(el("tr")).appendChild(el("td", answer.body.error, "error"));
    return;
  }
  state.total = answer.body.total;
  for (const d of answer.body.documents) {
    const row = el("tr");
    row.dataset.id = d.id;
    row.appendChild(el("td", d.id, "id"));
    row.appendChild(el("td", d.etag, "etag"));
    row.appendChild(el("td", d.preview, "preview"));
    row.addEventListener("click", () => openDocument(d.id));
    body.appendChild(row);
  }
  const to = Math.min(state.total, state.skip + answer.body.documents.length);
  $("page-info").textContent = state.collection + ": " + (state.total ? state.skip + 1 : 0) + "-" + to + " of " + state.total;
  $("prev").disabled = state.skip === 0;
  $("next").disabled = to >= state.total;
}

function clearMessages() {
  $("doc-status").textContent = "";
  $("doc-error").textContent = "";
}

async function openDocument(id, keepMessages) {
  if (!id) return;
  if (!keepMessages) clearMessages();
  const answer = await api("GET", "/api/document?id=" + encodeURIComponent(id));
  $("doc-panel").hidden = false;
  if (answer.status !== 200) {
    $("doc-error").textContent = answer.body.error;
    return;
  }
  const d = answer.body;
  state.doc = {id: d.id, etag: d.found ? d.etag : null, found: d.found};
  $("doc-id").textContent = d.id + (d.found ? "" : " (new: not on the master)");
  $("doc-body").value = d.found ? JSON.stringify(d.body, null, 2) : "{}";
  $("doc-metadata").textContent = d.found ? JSON.stringify(d.metadata, null, 2) : "";
  $("delete").disabled = !d.found;
  renderVersions(d);
  const body = $("doc-etags").tBodies[0];
  body.replaceChildren();
  for (const n of d.nodes) {
    const row = el("tr");
    row.dataset.node = n.name;
    row.appendChild(el("td", n.name, "name"));
    row.appendChild(el("td", n.role, "role"));
    const etag = n.error ? n.error : n.found ? n.etag : "missing";
    row.appendChild(el("td", etag, "etag"));
    row.appendChild(el("td", n.sourceEtag || "-", "source-etag"));
    row.appendChild(el("td", n.replicationSource || "-", "replication-source"));
    body.appendChild(row);
  }
}

/** A document in conflict: each version the master keeps, with a button to keep that one. */
function renderVersions(d) {
  const versions = d.found && d.metadata["@conflict"] === true ? d.metadata["@conflicts"] || [] : [];
  $("doc-conflict").hidden = versions.length === 0;
  const body = $("doc-versions").tBodies[0];
  body.replaceChildren();
  versions.forEach((v, i) => {
    const row = el("tr");
    row.dataset.version = i;
    row.appendChild(el("td", String(i), "number"));
    row.appendChild(el("td", v.node || "?", "node"));
    row.appendChild(el("td", v.etag || "-", "etag"));
    row.appendChild(el("td", v.deleted ? "(deleted)" : JSON.stringify(v.body, null, 1), "version"));
    const cell = el("td");
    const keep = el("button", v.deleted ? "Keep: delete" : "Keep this version", "keep");
    keep.dataset.version = i;
    keep.hidden = state.cluster !== null && state.cluster.readOnly;
    keep.addEventListener("click", () => resolve(i));
    cell.appendChild(keep);
    row.appendChild(cell);
    body.appendChild(row);
  });
}

async function resolve(version) {
  if (!state.doc) return;
  clearMessages();
  const answer = await api("POST", "/api/document/resolve?id=" + encodeURIComponent(state.doc.id),
    {etag: state.doc.etag, version});
  if (answer.status !== 200) return showFailure(answer);
  await openDocument(state.doc.id, true);
  $("doc-status").textContent = "resolved: kept the version from " + answer.body.kept
    + (answer.body.deleted ? " (a delete)" : ", now etag " + answer.body.etag);
  state.listed = null; // the conflict list changes
  loadCollections().catch(() => {});
  loadPage();
}

function showFailure(answer) {
  const b = answer.body;
  if (answer.status === 409 && b.kind === "concurrency") {
    $("doc-error").textContent = "ConcurrencyException: you edited etag " + (b.expectedEtag || "(new document)")
      + ", the document is now at etag " + (b.actualEtag || "(deleted)")
      + " (someone saved it first). Reload to see their version.\n" + b.error;
  } else {
    $("doc-error").textContent = b.error || ("the Studio answered " + answer.status);
  }
}

async function save() {
  if (!state.doc) return;
  clearMessages();
  const answer = await api("PUT", "/api/document?id=" + encodeURIComponent(state.doc.id),
    {etag: state.doc.etag, body: $("doc-body").value, metadata: null});
  if (answer.status !== 200) return showFailure(answer);
  await openDocument(state.doc.id, true);
  $("doc-status").textContent = "saved: etag " + answer.body.etag;
  loadPage();
}

async function remove() {
  if (!state.doc || !state.doc.found) return;
  clearMessages();
  const answer = await api("DELETE", "/api/document?id=" + encodeURIComponent(state.doc.id)
    + "&etag=" + encodeURIComponent(state.doc.etag));
  if (answer.status !== 200) return showFailure(answer);
  await openDocument(state.doc.id, true);
  $("doc-status").textContent = "deleted";
  loadPage();
}

// ---- consistency -----------------------------------------------------------------------------

async function runConsistency() {
  const report = $("consistency-report");
  report.textContent = "running…";
  $("run-consistency").disabled = true;
  try {
    const answer = await api("POST", "/api/consistency", {});
    if (answer.status !== 200) {
      report.textContent = answer.body.error;
      return;
    }
    const lines = [answer.body.consistent ? "CONSISTENT" : "NOT CONSISTENT", answer.body.summary.trim(), ""];
    for (const r of answer.body.replicas) {
      lines.push(r.name + ": " + (r.matches ? "matches (" + r.liveDocuments + " documents)" : r.problem || "differs"));
    }
    report.textContent = lines.join("\n");
  } finally {
    $("run-consistency").disabled = false;
  }
}

// ---- wiring ----------------------------------------------------------------------------------

function start() {
  $("save").addEventListener("click", save);
  $("delete").addEventListener("click", remove);
  $("reload").addEventListener("click", () => state.doc && openDocument(state.doc.id));
  $("open").addEventListener("click", () => openDocument($("open-id").value.trim()));
  $("open-id").addEventListener("keydown", (e) => { if (e.key === "Enter") openDocument($("open-id").value.trim()); });
  $("prev").addEventListener("click", () => { state.skip = Math.max(0, state.skip - PAGE); loadPage(); });
  $("next").addEventListener("click", () => { state.skip += PAGE; loadPage(); });
  $("run-consistency").addEventListener("click", runConsistency);
  const tick = () => {
    once("cluster", pollCluster);
    once("history", () => pollHistory().catch(() => {}));
  };
  tick();
  setInterval(tick, 1000);
  once("collections", () => loadCollections().catch(() => {}));
  setInterval(() => once("collections", () => loadCollections().catch(() => {})), 3000);
}

start();
