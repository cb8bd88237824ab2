// My Care Record viewer: the timeline (every record type, newest first, filtered and searched
// inside) and the results trend (one test's values over time, drawn as plain SVG). Loaded after
// app.js and uses its helpers (el, api, isCurrent, formatMoment, formatDay, number, display,
// titleCase, labels, SECTIONS). Like app.js it builds every node with textContent or
// setAttribute, never innerHTML, so record content can never run as markup; the chart uses SVG
// presentation attributes and CSS classes (the page's CSP allows no inline style).
//
// Each view answers for the record that is open: a request carries the record's controller
// (app.js `begin("record")`) and its answer is drawn only while that record is still current.
"use strict";

const Timeline = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const PAGE_SIZE = 25;
  const TREND_POINTS = 100;
  const state = { personId: null, request: null, page: 1, query: null };

  const $id = (id) => document.getElementById(id);
  const typeTitle = (type) => (SECTIONS.find((s) => s.type === type) || {}).title || titleCase(type);
  const orgName = (item) => item.org_name || item.org || "—";

  function reset() {
    state.personId = null;
    state.request = null;
    for (const id of ["timeline", "trend"]) $id(id).hidden = true;
    $id("timeline-items").replaceChildren();
    $id("timeline-message").textContent = "";
    $id("timeline-more").hidden = true;
    $id("trend-chart").replaceChildren();
    $id("trend-table").tBodies[0].replaceChildren();
    $id("trend-message").textContent = "";
  }

  // ---- timeline ----------------------------------------------------------------------------

  function option(value, text) {
    return el("option", { text, attrs: { value } });
  }

  function fillFilters(record) {
    const types = SECTIONS.filter((s) => record[s.key] !== undefined);
    $id("tl-type").replaceChildren(option("", "All types"),
      ...types.map((s) => option(s.type, s.title)));
    const orgs = Object.entries(record.organisations || {})
      .sort((a, b) => (a[1] || a[0]).localeCompare(b[1] || b[0]));
    $id("tl-org").replaceChildren(option("", "All organisations"),
      ...orgs.map(([code, name]) => option(code, name ? `${name} (${code})` : code)));
    for (const id of ["tl-text", "tl-code", "tl-from", "tl-to"]) $id(id).value = "";
  }

  function filters() {
    const query = new URLSearchParams();
    const add = (name, id) => {
      const value = $id(id).value.trim();
      if (value) query.set(name, value);
    };
    add("text", "tl-text");
    add("code", "tl-code");
    add("type", "tl-type");
    add("org", "tl-org");
    add("from", "tl-from");
    add("to", "tl-to");
    query.set("page_size", String(PAGE_SIZE));
    return query;
  }

  // What an item says beyond its summary, by type; a type not listed here shows its status.
  const DETAIL = {
    result: (r) => {
      const value = r.value_quantity !== null && r.value_quantity !== undefined
        ? `${number(r.value_quantity)} ${r.unit || ""}`.trim() : r.value_text || "";
      const flag = r.abnormal_flag && r.abnormal_flag !== "NORMAL" ? ` (${titleCase(r.abnormal_flag)})` : "";
      return `${value}${flag}`;
    },
    medication: (m) => [m.dose_text, titleCase(m.status)].filter(Boolean).join(" · "),
    encounter: (e) => [titleCase(e.encounter_class), e.reason ? display(e.reason) : ""]
      .filter(Boolean).join(" · "),
    condition: (c) => titleCase(c.clinical_status),
    allergy: (a) => [titleCase(a.clinical_status), a.criticality ? `criticality ${titleCase(a.criticality).toLowerCase()}` : ""]
      .filter(Boolean).join(" · "),
  };

  function detail(item) {
    const fields = item[item.record_type] || {};
    const describe = DETAIL[item.record_type];
    return describe ? describe(fields) : (fields.status ? titleCase(fields.status) : "");
  }

  function isAbnormal(item) {
    const r = item.record_type === "result" ? item.result || {} : {};
    return Boolean(r.abnormal_flag && r.abnormal_flag !== "NORMAL");
  }

  function provenance(item) {
    const from = item.org_name ? `${item.org_name} (${item.org})` : item.org || "unknown organisation";
    const received = item.received_at ? ` · received ${formatMoment(item.received_at)}` : "";
    return `From ${from} · ${item.source_system || "—"} record ${item.source_record_id || "—"}${received}`;
  }

  function entry(item) {
    const text = [item.summary || typeTitle(item.record_type), detail(item)].filter(Boolean);
    return el("li", { cls: `timeline-item type-${item.record_type}`, attrs: { "data-id": item.id } }, [
      el("span", { cls: "when", text: formatMoment(item.occurred_at) }),
      el("span", { cls: "kind", text: typeTitle(item.record_type) }),
      el("span", { cls: isAbnormal(item) ? "what flag" : "what", text: text.join(" — ") }),
      el("span", { cls: "org", text: orgName(item) }),
      labels(item),
      el("span", { cls: "provenance sub", text: provenance(item) }),
    ]);
  }

  async function load(page) {
    const { personId, request, query } = state;
    if (!personId || !isCurrent("record", request)) return;
    query.set("page", String(page));
    const path = `/api/persons/${encodeURIComponent(personId)}/timeline?${query}`;
    $id("timeline-message").textContent = "Loading…";
    const { status, body } = await api(path, request.signal);
    if (!isCurrent("record", request) || state.personId !== personId) return;
    if (status !== 200 || body.person_id !== personId) {
      $id("timeline-message").textContent = status === 200 ? NOT_THIS_PATIENT : describeError(body);
      $id("timeline-more").hidden = true;
      return;
    }
    const list = $id("timeline-items");
    if (page === 1) list.replaceChildren();
    list.append(...body.items.map(entry));
    state.page = page;
    const kept = body.kept_back ? ` ${body.kept_back} not shown (withheld or sensitive).` : "";
    const hidden = body.not_permitted.length
      ? ` Not available to your role: ${body.not_permitted.map(typeTitle).join(", ")}.` : "";
    $id("timeline-message").textContent =
      `${body.total} item${body.total === 1 ? "" : "s"} found.${kept}${hidden}`;
    $id("timeline-more").hidden = !body.has_more;
  }

  function search(event) {
    if (event) event.preventDefault();
    state.query = filters();
    load(1);
  }

  function clear() {
    for (const id of ["tl-text", "tl-code", "tl-type", "tl-org", "tl-from", "tl-to"]) $id(id).value = "";
    search();
  }

  // ---- results trend -------------------------------------------------------------------------

  function fillTests(results) {
    const seen = new Map();
    for (const item of (results && results.items) || []) {
      const code = (item.result || {}).code;
      if (code && code.code && !seen.has(code.code)) seen.set(code.code, display(code));
    }
    const select = $id("trend-test");
    select.replaceChildren(option("", "Choose a test"),
      ...[...seen].map(([code, name]) => option(code, name)));
    $id("trend").hidden = seen.size === 0;
  }

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  // The chart of `points` ({at: Date, value, flagged}), oldest left, with the reference range
  // shaded when the newest result gives one.
  function chart(points, range, unit, title) {
    const W = 640, H = 260, L = 56, R = 16, T = 16, B = 40;
    const values = points.map((p) => p.value).concat(range ? [range.low, range.high] : [])
      .filter((v) => v !== null && v !== undefined);
    let lo = Math.min(...values), hi = Math.max(...values);
    if (lo === hi) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.1;
    lo -= pad; hi += pad;
    const t0 = points[0].at.getTime(), t1 = points[points.length - 1].at.getTime();
    const x = (t) => (t1 === t0 ? L + (W - L - R) / 2 : L + ((t - t0) / (t1 - t0)) * (W - L - R));
    const y = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "trend-svg",
                              "aria-labelledby": "trend-svg-title" });
    root.append(svg("title", { id: "trend-svg-title" }, `${title}: ${points.length} results over time`));
    if (range && range.low !== null && range.low !== undefined && range.high !== null && range.high !== undefined) {
      root.append(svg("rect", { class: "trend-range", x: L, width: W - L - R,
                                y: y(range.high), height: Math.max(0, y(range.low) - y(range.high)) }));
    }
    root.append(svg("line", { class: "trend-axis", x1: L, y1: H - B, x2: W - R, y2: H - B }));
    root.append(svg("line", { class: "trend-axis", x1: L, y1: T, x2: L, y2: H - B }));
    for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
      root.append(svg("text", { class: "trend-tick", x: L - 6, y: y(v) + 4, "text-anchor": "end" }, number(v)));
    }
    root.append(svg("text", { class: "trend-tick", x: L, y: H - B + 18 }, formatDay(points[0].at.toISOString())));
    root.append(svg("text", { class: "trend-tick", x: W - R, y: H - B + 18, "text-anchor": "end" },
      formatDay(points[points.length - 1].at.toISOString())));
    root.append(svg("text", { class: "trend-tick", x: 4, y: T + 4 }, unit || ""));
    root.append(svg("polyline", { class: "trend-line",
      points: points.map((p) => `${x(p.at.getTime()).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ") }));
    for (const p of points) {
      const dot = svg("circle", { class: p.flagged ? "trend-point flagged" : "trend-point",
                                  cx: x(p.at.getTime()).toFixed(1), cy: y(p.value).toFixed(1), r: p.flagged ? 5 : 4 });
      dot.append(svg("title", {}, `${formatMoment(p.at.toISOString())}: ${number(p.value)} ${unit || ""}`.trim()));
      root.append(dot);
    }
    return root;
  }

  async function trend() {
    const code = $id("trend-test").value;
    const { personId, request } = state;
    const table = $id("trend-table");
    $id("trend-chart").replaceChildren();
    table.tBodies[0].replaceChildren();
    table.hidden = true;
    if (!code || !personId) return;
    const query = new URLSearchParams({ type: "result", code, page_size: String(TREND_POINTS) });
    const path = `/api/persons/${encodeURIComponent(personId)}/timeline?${query}`;
    $id("trend-message").textContent = "Loading…";
    const { status, body } = await api(path, request.signal);
    if (!isCurrent("record", request) || state.personId !== personId || $id("trend-test").value !== code) return;
    if (status !== 200 || body.person_id !== personId) {
      $id("trend-message").textContent = status === 200 ? NOT_THIS_PATIENT : describeError(body);
      return;
    }
    const results = body.items.filter((i) => i.result && i.result.value_quantity !== null &&
                                             i.result.value_quantity !== undefined);
    const points = results.map((i) => ({
      at: new Date(i.occurred_at || i.result.issued_at), value: Number(i.result.value_quantity),
      flagged: isAbnormal(i), item: i,
    })).filter((p) => !Number.isNaN(p.at.getTime())).sort((a, b) => a.at - b.at);
    const title = $id("trend-test").selectedOptions[0].textContent;
    const more = body.has_more ? ` (the newest ${body.items.length} of ${body.total})` : "";
    $id("trend-message").textContent = points.length
      ? `${points.length} numeric result${points.length === 1 ? "" : "s"}${more}.` : "No numeric results for this test.";
    if (!points.length) return;
    const newest = points[points.length - 1].item.result;
    const range = { low: newest.reference_low, high: newest.reference_high };
    $id("trend-chart").append(chart(points, range, newest.unit, title));
    table.tBodies[0].replaceChildren(...points.slice().reverse().map((p) => el("tr", {}, [
      el("td", { cls: "when", text: formatMoment(p.at.toISOString()) }),
      el("td", { cls: p.flagged ? "num flag" : "num", text: `${number(p.value)} ${p.item.result.unit || ""}`.trim() }),
      el("td", { cls: p.flagged ? "flag" : "", text: p.flagged ? titleCase(p.item.result.abnormal_flag) : "Normal" }),
      el("td", { text: orgName(p.item) }),
    ])));
    table.hidden = false;
  }

  // ---- wiring --------------------------------------------------------------------------------

  // A record was drawn (status 200) for `personId` by `request`: offer its timeline and trend.
  function show(personId, record, request) {
    state.personId = personId;
    state.request = request;
    fillFilters(record);
    fillTests(record.results);
    $id("timeline").hidden = false;
    search();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $id("timeline-filters").addEventListener("submit", search);
    $id("tl-clear").addEventListener("click", clear);
    $id("timeline-more").addEventListener("click", () => load(state.page + 1));
    $id("trend-test").addEventListener("change", trend);
  });

  return { show, reset };
})();
