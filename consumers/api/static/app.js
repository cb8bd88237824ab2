// My Care Record viewer: talks to /api only, builds every element with textContent (never
// innerHTML), so record content can never run as markup. No external libraries.
"use strict";

const PURPOSE = "direct-care";
const SECTIONS = [
  { type: "result", key: "results", title: "Results" },
  { type: "medication", key: "medications", title: "Medications" },
  { type: "encounter", key: "encounters", title: "Encounters" },
];
const DAY = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const MOMENT = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  timeZone: "Europe/London",
});

const $ = (id) => document.getElementById(id);

function el(tag, options = {}, children = []) {
  const node = document.createElement(tag);
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.cls) node.className = options.cls;
  if (options.attrs) for (const [k, v] of Object.entries(options.attrs)) node.setAttribute(k, v);
  for (const child of children) if (child) node.append(child);
  return node;
}

function user() {
  return $("user").value.trim();
}

async function api(path) {
  let response;
  try {
    response = await fetch(path, {
      headers: { "X-MCR-User": user(), "X-MCR-Purpose": PURPOSE, Accept: "application/json" },
      cache: "no-store",
    });
  } catch (err) {
    return { status: 0, body: { error: "the service could not be reached" } };
  }
  let body;
  try {
    body = await response.json();
  } catch (err) {
    body = { error: `unexpected answer (${response.status})` };
  }
  return { status: response.status, body };
}

function describeError(body) {
  const text = body && body.error ? body.error : "something went wrong";
  return body && body.field && !text.startsWith(body.field) ? `${text} (${body.field})` : text;
}

// ---- formatting ------------------------------------------------------------------------

function formatNhs(n) {
  return n && n.length === 10 ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : n || "—";
}

function formatDay(iso) {
  if (!iso) return "—";
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : DAY.format(d);
}

function formatMoment(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : MOMENT.format(d);
}

function age(birthIso, deceasedIso) {
  if (!birthIso) return "";
  const born = new Date(`${birthIso}T00:00:00Z`);
  const until = deceasedIso ? new Date(deceasedIso) : new Date();
  let years = until.getUTCFullYear() - born.getUTCFullYear();
  const before = until.getUTCMonth() < born.getUTCMonth() ||
    (until.getUTCMonth() === born.getUTCMonth() && until.getUTCDate() < born.getUTCDate());
  if (before) years -= 1;
  return Number.isFinite(years) ? `${years} y` : "";
}

function fullName(p) {
  const given = (p.given_names || []).join(" ");
  const family = (p.family_name || "").toUpperCase();
  return [family, given].filter(Boolean).join(", ") || "(no name recorded)";
}

function titleCase(text) {
  if (!text) return "—";
  const lower = String(text).replace(/_/g, " ").toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

function display(code) {
  return code ? code.display || code.code || "—" : "—";
}

function number(value) {
  if (value === null || value === undefined) return "";
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(3)));
}

function labels(item) {
  const shown = (item.confidentiality || []).map((label) =>
    el("span", { cls: "label", text: label === "R" ? "Restricted" : label,
                 attrs: { title: `confidentiality: ${label}` } }));
  return shown.length ? el("span", {}, shown) : null;
}

function cell(text, cls, sub) {
  const td = el("td", { text, cls });
  if (sub) td.append(el("span", { cls: "sub", text: sub }));
  return td;
}

// ---- search ----------------------------------------------------------------------------

function setMessage(text, isError = false) {
  const node = $("search-message");
  node.textContent = text;
  node.className = isError ? "message error" : "message";
}

async function search(params) {
  setMessage("Searching…");
  $("matches").hidden = true;
  const { status, body } = await api(`/api/patients?${new URLSearchParams(params)}`);
  if (status !== 200) {
    setMessage(describeError(body), true);
    return;
  }
  showMatches(body.persons || []);
}

function showMatches(persons) {
  const tbody = $("matches").querySelector("tbody");
  tbody.replaceChildren();
  if (!persons.length) {
    setMessage("No patient found in the shared care record.");
    return;
  }
  setMessage(`${persons.length} patient${persons.length === 1 ? "" : "s"} found.`);
  for (const person of persons) {
    const open = el("button", { text: "Open record", cls: "secondary" });
    open.addEventListener("click", () => openRecord(person.person_id));
    let cells;
    if (person.objects_to_sharing) {
      cells = [el("td", { cls: "objects", text: "Patient objects to sharing",
                          attrs: { colspan: "6" } })];
    } else {
      const d = person.demographics || {};
      cells = [
        cell(fullName(d)), cell(formatDay(d.birth_date), "when", age(d.birth_date)),
        cell(titleCase(d.sex)), cell(formatNhs(d.nhs_number), "when"), cell(d.postcode || "—"),
        cell(String(person.sources)),
      ];
    }
    tbody.append(el("tr", {}, [...cells, el("td", {}, [open])]));
  }
  $("matches").hidden = false;
}

// ---- record ----------------------------------------------------------------------------

const current = { personId: null, pages: {} };

function resetRecord() {
  $("record").hidden = false;
  $("objection").hidden = true;
  $("kept-back").hidden = true;
  $("patient-banner").replaceChildren();
  $("sources").replaceChildren();
  $("sections").replaceChildren();
}

async function openRecord(personId) {
  current.personId = personId;
  current.pages = {};
  resetRecord();
  $("patient-banner").append(el("p", { cls: "message", text: "Loading record…" }));
  const { status, body } = await api(`/api/persons/${encodeURIComponent(personId)}/record`);
  $("patient-banner").replaceChildren();
  if (status === 403 && body.objects_to_sharing) {
    $("objection").hidden = false;
    $("record").scrollIntoView({ behavior: "smooth", block: "start" });
    return;
  }
  if (status !== 200) {
    $("patient-banner").append(el("p", { cls: "message error", text: describeError(body) }));
    return;
  }
  showDemographics(body.demographics || []);
  showKeptBack(body.kept_back || 0);
  for (const section of SECTIONS) {
    current.pages[section.type] = body[section.key];
    $("sections").append(renderSection(section, body[section.key]));
  }
  $("record").scrollIntoView({ behavior: "smooth", block: "start" });
}

function showKeptBack(count) {
  const node = $("kept-back");
  node.replaceChildren(
    el("strong", { text: `${count} item${count === 1 ? " is" : "s are"} not shown.` }),
    el("span", { text: "Withheld at the patient's request or recorded with a sensitive label. " +
                        "Their content is not available through the shared care record." }));
  node.hidden = count === 0;
}

function fact(term, value) {
  return el("div", {}, [el("dt", { text: term }), el("dd", { text: value || "—" })]);
}

function showDemographics(sources) {
  const banner = $("patient-banner");
  if (!sources.length) {
    banner.append(el("p", { cls: "message", text: "No demographics are shared for this person." }));
    return;
  }
  const p = sources[0];
  const born = p.birth_date ? `${formatDay(p.birth_date)} (${age(p.birth_date, p.deceased_at)})` : "—";
  const address = [...(p.address_lines || []), p.postcode].filter(Boolean).join(", ");
  banner.append(el("dl", { cls: "patient-facts" }, [
    el("div", { cls: "name", text: fullName(p) }),
    fact("NHS number", formatNhs(p.nhs_number)),
    fact("Born", born),
    fact("Sex", titleCase(p.sex)),
    fact("GP practice", p.registered_gp_practice),
    fact("Address", address),
    fact("Phone", p.phone),
    p.deceased_at ? fact("Died", formatMoment(p.deceased_at)) : null,
  ]));
  if (sources.length > 1) {
    const rows = sources.map((s) => el("tr", {}, [
      cell(s.org), cell(s.source_system), cell(fullName(s)), cell(formatDay(s.birth_date), "when"),
      cell(formatNhs(s.nhs_number), "when"), cell(formatMoment(s.recorded_at), "when"),
    ]));
    $("sources").append(table("Demographics held by each organisation",
      ["Organisation", "System", "Name", "Born", "NHS number", "Updated"], rows));
  }
}

function table(caption, headings, rows) {
  return el("table", { cls: "data" }, [
    el("caption", { cls: "visually-hidden", text: caption }),
    el("thead", {}, [el("tr", {}, headings.map((h) => el("th", { text: h, attrs: { scope: "col" } })))]),
    el("tbody", {}, rows),
  ]);
}

function referenceRange(low, high, unit) {
  const has = (v) => v !== null && v !== undefined;
  let range = "";
  if (has(low) && has(high)) range = `${number(low)}–${number(high)}`;
  else if (has(high)) range = `< ${number(high)}`;
  else if (has(low)) range = `> ${number(low)}`;
  return range ? `${range} ${unit || ""}`.trim() : "";
}

function resultRow(item) {
  const r = item.result || {};
  const value = r.value_quantity !== null && r.value_quantity !== undefined
    ? `${number(r.value_quantity)} ${r.unit || ""}`.trim() : r.value_text || "—";
  const range = r.reference_text || referenceRange(r.reference_low, r.reference_high, r.unit);
  const abnormal = r.abnormal_flag && r.abnormal_flag !== "NORMAL";
  const valueCell = cell(value, abnormal ? "num flag" : "num");
  return el("tr", {}, [
    cell(formatMoment(r.issued_at || item.occurred_at), "when"),
    cell(display(r.code), "", r.panel ? display(r.panel) : ""),
    valueCell,
    cell(range || "—", "num"),
    cell(abnormal ? titleCase(r.abnormal_flag) : "Normal", abnormal ? "flag" : ""),
    cell(titleCase(r.status)),
    el("td", {}, [document.createTextNode(item.org || "—"), labels(item)]),
  ]);
}

function medicationRow(item) {
  const m = item.medication || {};
  return el("tr", {}, [
    cell(display(m.medication), "", m.dose_text || ""),
    cell([m.frequency, m.route].filter(Boolean).join(", ") || "—"),
    cell(titleCase(m.course), "", titleCase(m.kind)),
    cell(titleCase(m.status)),
    cell(formatDay(m.start_date), "when"),
    cell(formatDay(m.end_date), "when"),
    el("td", {}, [document.createTextNode(item.org || "—"), labels(item)]),
  ]);
}

function encounterRow(item) {
  const e = item.encounter || {};
  return el("tr", {}, [
    cell(formatMoment(e.period_start || item.occurred_at), "when",
         e.period_end ? `to ${formatMoment(e.period_end)}` : ""),
    cell(titleCase(e.encounter_class)),
    cell(e.service || "—", "", e.location || ""),
    cell(display(e.reason)),
    cell(titleCase(e.status)),
    el("td", {}, [document.createTextNode(item.org || "—"), labels(item)]),
  ]);
}

const LAYOUT = {
  result: { headings: ["Date", "Test", "Value", "Reference range", "Flag", "Status", "Source"], row: resultRow },
  medication: { headings: ["Medicine", "Frequency and route", "Course", "Status", "Started", "Ended", "Source"], row: medicationRow },
  encounter: { headings: ["When", "Type", "Service", "Reason", "Status", "Source"], row: encounterRow },
};

function renderSection(section, page) {
  const wrapper = el("section", { attrs: { "aria-labelledby": `h-${section.type}` } });
  const items = page ? page.items : [];
  wrapper.append(el("div", { cls: "section-head" }, [
    el("h2", { text: section.title, attrs: { id: `h-${section.type}` } }),
    el("span", { cls: "count", text: page ? `${page.total} recorded` : "" }),
  ]));
  if (!items.length) {
    wrapper.append(el("p", { cls: "empty", text: `No ${section.title.toLowerCase()} shared.` }));
    return wrapper;
  }
  const layout = LAYOUT[section.type];
  const tableNode = table(section.title, layout.headings, items.map(layout.row));
  wrapper.append(tableNode);
  if (page.has_more) wrapper.append(moreButton(section, tableNode.querySelector("tbody"), page));
  return wrapper;
}

function moreButton(section, body, page) {
  const button = el("button", { cls: "secondary more", text: `Show more ${section.title.toLowerCase()}` });
  let next = page.page + 1;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const query = new URLSearchParams({ type: section.type, page: String(next),
                                        page_size: String(page.page_size) });
    const path = `/api/persons/${encodeURIComponent(current.personId)}/record?${query}`;
    const { status, body: answer } = await api(path);
    button.disabled = false;
    if (status !== 200) {
      button.textContent = describeError(answer);
      return;
    }
    const more = answer[section.key];
    for (const item of more.items) body.append(LAYOUT[section.type].row(item));
    next += 1;
    if (!more.has_more) button.remove();
  });
  return button;
}

// ---- wiring ----------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  const saved = sessionStorage.getItem("mcr-user");
  if (saved) $("user").value = saved;
  $("user").addEventListener("change", () => sessionStorage.setItem("mcr-user", user()));
  $("nhs-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search({ nhs_number: $("nhs").value.trim() });
  });
  $("name-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search({ family_name: $("family").value.trim(), birth_date: $("birth").value });
  });
});
