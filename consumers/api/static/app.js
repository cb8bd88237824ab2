// My Care Record viewer: talks to /api only, builds every element with textContent (never
// innerHTML), so record content can never run as markup. No external libraries.
//
// One patient on screen at a time: each search and each record opened gets its own
// AbortController. Starting a new one aborts the previous request, and an answer is drawn only
// if its request is still the current one (and, for a record, is about the person asked for),
// so a slow answer for patient A can never be drawn over, or mixed into, patient B's record.
"use strict";

const PURPOSE = "direct-care";
const HIDDEN_CONTACT = "Not shown"; // address, postcode or phone of a very restricted (V) patient
const SECTIONS = [
  { type: "result", key: "results", title: "Results" },
  { type: "medication", key: "medications", title: "Medications" },
  { type: "encounter", key: "encounters", title: "Encounters" },
  { type: "condition", key: "problems", title: "Problems" },
  { type: "allergy", key: "allergies", title: "Allergies" },
  { type: "immunisation", key: "immunisations", title: "Immunisations" },
  { type: "procedure", key: "procedures", title: "Procedures" },
  { type: "document", key: "documents", title: "Documents" },
];
// Clinical statuses of a problem that is current, for the banner.
const CURRENT_PROBLEM = new Set(["ACTIVE", "RECURRENCE", "RELAPSE"]);
// An allergy of unknown status is shown as current: the safe reading.
const CURRENT_ALLERGY = new Set(["ACTIVE", "UNKNOWN"]);
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

// The acting role (a person_roleid of the signed-in user), sent with every request.
function actingRole() {
  return $("role").value || "";
}

function headers(extra = {}) {
  const found = { "X-MCR-Purpose": PURPOSE, Accept: "application/json", ...extra };
  const token = Auth.token();
  if (token) found.Authorization = `Bearer ${token}`;
  if (actingRole()) found["X-MCR-Role"] = actingRole();
  return found;
}

async function api(path, signal, { method = "GET", json, purpose } = {}) {
  let response;
  const extra = json === undefined ? {} : { "Content-Type": "application/json" };
  if (purpose) extra["X-MCR-Purpose"] = purpose;
  try {
    response = await fetch(path, {
      method,
      headers: headers(extra),
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: "no-store",
      signal,
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
  if (response.status === 401) showSignIn("your session has ended: sign in again");
  return { status: response.status, body };
}

// The newest request of each kind ("search", "record"); starting one aborts the one before.
const latest = { search: null, record: null };

function begin(kind) {
  if (latest[kind]) latest[kind].abort();
  latest[kind] = new AbortController();
  return latest[kind];
}

function isCurrent(kind, controller) {
  return latest[kind] === controller && !controller.signal.aborted;
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

// Organisation names from the registry (the answer's `organisations` table), else the code.
const orgNames = { table: {} };

function orgNamed(code) {
  return code ? orgNames.table[code] || code : "—";
}

function orgOf(item) {
  return item.org_name || orgNamed(item.org);
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
  const request = begin("search");
  setMessage("Searching…");
  $("matches").hidden = true;
  $("matches").querySelector("tbody").replaceChildren();
  const { status, body } = await api(`/api/patients?${new URLSearchParams(params)}`, request.signal);
  if (!isCurrent("search", request)) return; // a newer search has started
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
        cell(titleCase(d.sex)), cell(formatNhs(d.nhs_number), "when"),
        cell(person.contact_details_hidden ? HIDDEN_CONTACT : d.postcode || "—"),
        cell(String(person.sources)),
      ];
    }
    tbody.append(el("tr", {}, [...cells, el("td", {}, [open])]));
  }
  $("matches").hidden = false;
}

// ---- record ----------------------------------------------------------------------------

function resetRecord() {
  $("record").hidden = false;
  $("objection").hidden = true;
  $("refused").hidden = true;
  $("break-glass-form").hidden = true;
  $("break-glass-note").hidden = true;
  $("consent-actions").hidden = true;
  $("consent-message").textContent = "";
  $("kept-back").hidden = true;
  $("patient-banner").replaceChildren();
  $("sources").replaceChildren();
  $("sections").replaceChildren();
  if (typeof Timeline !== "undefined") Timeline.reset(); // timeline.js
}

function recordPath(personId, query) {
  const path = `/api/persons/${encodeURIComponent(personId)}/record`;
  return query ? `${path}?${query}` : path;
}

// Whether an answer (record or objection) is about `personId`: one that names a person must
// name that one, and a record must name one. Error bodies name nobody.
function isAbout(personId, status, body) {
  const about = body ? body.person_id : undefined;
  return about === undefined ? status !== 200 : about === personId;
}

const NOT_THIS_PATIENT = "the answer was about another patient: not shown";

async function openRecord(personId) {
  const request = begin("record"); // aborts the previous record and its "show more"
  resetRecord();
  $("patient-banner").append(el("p", { cls: "message", text: "Loading record…" }));
  const { status, body } = await api(recordPath(personId), request.signal);
  if (!isCurrent("record", request)) return; // another record was opened meanwhile
  resetRecord();
  if (!isAbout(personId, status, body)) {
    $("patient-banner").append(el("p", { cls: "message error", text: NOT_THIS_PATIENT }));
    return;
  }
  current.personId = personId;
  if (status === 403 && body.objects_to_sharing) {
    $("objection").hidden = false;
    $("consent-actions").hidden = !current.mayRecordConsent;
    $("record").scrollIntoView({ behavior: "smooth", block: "start" });
    return;
  }
  if (status === 403 && body.refusal) {
    showRefusal(body);
    return;
  }
  if (status !== 200) {
    $("patient-banner").append(el("p", { cls: "message error", text: describeError(body) }));
    return;
  }
  orgNames.table = body.organisations || {};
  showAccess(body.access);
  $("consent-actions").hidden = !current.mayRecordConsent;
  showDemographics(body.demographics || [], Boolean(body.contact_details_hidden));
  showBannerList("Problems", body.problems, "condition", CURRENT_PROBLEM);
  showBannerList("Allergies", body.allergies, "allergy", CURRENT_ALLERGY);
  showKeptBack(body.kept_back || 0);
  for (const section of SECTIONS) {
    $("sections").append(renderSection(section, body[section.key], personId, request));
  }
  if (typeof Timeline !== "undefined") Timeline.show(personId, body, request); // timeline.js
  $("record").scrollIntoView({ behavior: "smooth", block: "start" });
}

// The current problems or allergies of the page read, in the banner (left out when the role
// may not see them).
function showBannerList(term, page, type, current) {
  if (!page) return;
  const shown = page.items.filter((item) => current.has((item[type] || {}).clinical_status));
  const names = [...new Set(shown.map((item) => display((item[type] || {}).code)))];
  const facts = $("patient-banner").querySelector("dl.patient-facts");
  const node = fact(term, names.length ? names.join("; ") : "None recorded");
  node.className = `banner-${term.toLowerCase()}`;
  if (facts) facts.append(node);
  else $("patient-banner").append(el("dl", { cls: "patient-facts" }, [node]));
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

// `contactHidden`: a patient document is labelled very restricted (V), so no organisation's
// address, postcode or phone is shown (the service sends none); the banner says why.
function showDemographics(sources, contactHidden) {
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
    fact("GP practice", p.registered_gp_practice ? orgNamed(p.registered_gp_practice) : "—"),
    fact("Address", contactHidden ? HIDDEN_CONTACT : address),
    fact("Phone", contactHidden ? HIDDEN_CONTACT : p.phone),
    p.deceased_at ? fact("Died", formatMoment(p.deceased_at)) : null,
  ]));
  if (contactHidden) {
    banner.append(el("p", { cls: "message contact-hidden", attrs: { role: "note" },
      text: "Contact details hidden: this patient's record is very restricted (V). Address, " +
            "postcode and phone are not shown from any organisation." }));
  }
  if (sources.length > 1) {
    const rows = sources.map((s) => el("tr", {}, [
      cell(orgOf(s)), cell(s.source_system), cell(fullName(s)), cell(formatDay(s.birth_date), "when"),
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
    cell(display(r.code), "", [r.panel ? display(r.panel) : "",
      r.category && r.category !== "LABORATORY" ? titleCase(r.category) : ""].filter(Boolean).join(" · ")),
    valueCell,
    cell(range || "—", "num"),
    cell(abnormal ? titleCase(r.abnormal_flag) : "Normal", abnormal ? "flag" : ""),
    cell(titleCase(r.status)),
    el("td", {}, [document.createTextNode(orgOf(item)), labels(item)]),
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
    el("td", {}, [document.createTextNode(orgOf(item)), labels(item)]),
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
    el("td", {}, [document.createTextNode(orgOf(item)), labels(item)]),
  ]);
}

function conditionRow(item) {
  const c = item.condition || {};
  return el("tr", {}, [
    cell(display(c.code), "", c.severity || ""),
    cell(titleCase(c.category)),
    cell(titleCase(c.clinical_status), "", titleCase(c.verification_status)),
    cell(formatDay(c.onset_date), "when"),
    cell(formatDay(c.abatement_date), "when"),
    el("td", {}, [document.createTextNode(orgOf(item)), labels(item)]),
  ]);
}

function allergyRow(item) {
  const a = item.allergy || {};
  const reactions = (a.reactions || []).map(display).join(", ");
  return el("tr", {}, [
    cell(display(a.code), "", titleCase(a.allergy_type)),
    cell((a.categories || []).map(titleCase).join(", ") || "—"),
    cell(titleCase(a.criticality)),
    cell(reactions || "—", "", a.reaction_severity ? titleCase(a.reaction_severity) : ""),
    cell(titleCase(a.clinical_status), "", titleCase(a.verification_status)),
    el("td", {}, [document.createTextNode(orgOf(item)), labels(item)]),
  ]);
}

function immunisationRow(item) {
  const v = item.immunisation || {};
  return el("tr", {}, [
    cell(formatDay(v.occurrence_date || item.occurred_at), "when"),
    cell(display(v.vaccine), "", v.dose_number ? `Dose ${v.dose_number}` : ""),
    cell(titleCase(v.status), "", v.primary_source === false ? "Reported, not given here" : ""),
    cell([v.site, v.route].filter(Boolean).join(", ") || "—", "", v.lot_number ? `Lot ${v.lot_number}` : ""),
    el("td", {}, [document.createTextNode(v.performer_org ? orgNamed(v.performer_org) : orgOf(item)), labels(item)]),
  ]);
}

function procedureRow(item) {
  const p = item.procedure || {};
  const reasons = (p.reasons || []).map(display).join(", ");
  return el("tr", {}, [
    cell(formatMoment(p.performed_start || item.occurred_at), "when",
         p.performed_end ? `to ${formatMoment(p.performed_end)}` : ""),
    cell(display(p.code), "", p.body_site || ""),
    cell(reasons || "—"),
    cell(titleCase(p.status), "", p.outcome || ""),
    el("td", {}, [document.createTextNode(p.performer_org || item.org || "—"), labels(item)]),
  ]);
}

// A document kept at its source is a link the browser opens (the service never fetches it);
// only https URLs become links. An attached one is fetched from its content route (signed in,
// audited, a download the browser never runs) and saved under the name the service gives.
function documentWhere(d) {
  if (d.url && /^https:\/\//i.test(d.url)) {
    return el("td", {}, [el("a", { text: "Open at source",
      attrs: { href: d.url, target: "_blank", rel: "noopener noreferrer" } })]);
  }
  if (d.content_url && d.content_url.startsWith("/api/persons/")) {
    const size = d.size ? ` (${Math.ceil(d.size / 1024)} KB)` : "";
    const button = el("button", { text: `Download${size}`, cls: "document-download",
      attrs: { type: "button", "data-href": d.content_url } });
    button.addEventListener("click", () => downloadDocument(d.content_url, button));
    return el("td", {}, [button]);
  }
  return cell("—");
}

function savedName(response) {
  const found = /filename="([A-Za-z0-9._-]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return found ? found[1] : "document.bin";
}

async function downloadDocument(path, button) {
  button.disabled = true;
  try {
    const response = await fetch(path, { headers: headers({ Accept: "*/*" }), cache: "no-store" });
    if (response.status === 401) showSignIn("your session has ended: sign in again");
    if (!response.ok) {
      let body = {};
      try { body = await response.json(); } catch (err) { body = {}; }
      setMessage(describeError(body), true);
      return;
    }
    // A blob URL saved with download=: the bytes never render in the viewer's page.
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { attrs: { href: url, download: savedName(response) } });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    setMessage("the document could not be downloaded", true);
  } finally {
    button.disabled = false;
  }
}

function documentRow(item) {
  const d = item.document || {};
  return el("tr", {}, [
    cell(formatMoment(d.date || item.occurred_at), "when"),
    cell(display(d.type), "", d.title || ""),
    cell(d.description || "—"),
    cell(titleCase(d.status)),
    documentWhere(d),
    el("td", {}, [document.createTextNode(d.author_org || item.org || "—"), labels(item)]),
  ]);
}

const LAYOUT = {
  result: { headings: ["Date", "Test", "Value", "Reference range", "Flag", "Status", "Source"], row: resultRow },
  medication: {
    headings: ["Medicine", "Frequency and route", "Course", "Status", "Started", "Ended", "Source"],
    row: medicationRow,
    // Unmarked (an older service) counts as current: the safe reading, as for allergies.
    groupOf: (item) => (item.current === false ? "past" : "current"),
    groups: [
      { key: "current", title: "Current medicines", empty: "No current medicines shared." },
      { key: "past", title: "Past medicines", empty: "No past medicines shared." },
    ],
  },
  encounter: { headings: ["When", "Type", "Service", "Reason", "Status", "Source"], row: encounterRow },
  condition: { headings: ["Problem", "Kind", "Status", "Onset", "Resolved", "Source"], row: conditionRow },
  allergy: { headings: ["Allergy", "Category", "Criticality", "Reactions", "Status", "Source"], row: allergyRow },
  immunisation: { headings: ["Given", "Vaccine", "Status", "Site and route", "Source"], row: immunisationRow },
  procedure: { headings: ["When", "Procedure", "Reason", "Status", "Source"], row: procedureRow },
  document: { headings: ["Date", "Document", "Description", "Status", "Where", "Source"], row: documentRow },
};

function renderSection(section, page, personId, request) {
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
  const place = layout.groups ? groupedTables(wrapper, section, layout) : oneTable(wrapper, section, layout);
  for (const item of items) place(item).append(layout.row(item));
  if (page.has_more) wrapper.append(moreButton(section, place, page, personId, request));
  return wrapper;
}

// One table for the section; returns where an item's row goes.
function oneTable(wrapper, section, layout) {
  const tableNode = table(section.title, layout.headings, []);
  wrapper.append(tableNode);
  const body = tableNode.querySelector("tbody");
  return () => body;
}

// A table per group (medicines: current, then past; the service marks each item, and sends
// the current ones first): a group with no items yet says so until "Show more" brings one.
function groupedTables(wrapper, section, layout) {
  const bodies = new Map();
  for (const group of layout.groups) {
    const id = `h-${section.type}-${group.key}`;
    const empty = el("p", { cls: "empty", text: group.empty });
    const tableNode = table(group.title, layout.headings, []);
    tableNode.hidden = true;
    const body = tableNode.querySelector("tbody");
    wrapper.append(el("section", { cls: `group group-${group.key}`, attrs: { "aria-labelledby": id } }, [
      el("h3", { text: group.title, attrs: { id } }), empty, tableNode,
    ]));
    bodies.set(group.key, { body, empty, tableNode });
  }
  return (item) => {
    const target = bodies.get(layout.groupOf(item));
    target.empty.remove();
    target.tableNode.hidden = false;
    return target.body;
  };
}

// "Show more" for the record of `personId` drawn by `request`: it asks for that person, never
// whoever is open now, and draws nothing once another record has been opened.
function moreButton(section, place, page, personId, request) {
  const button = el("button", { cls: "secondary more", text: `Show more ${section.title.toLowerCase()}` });
  let next = page.page + 1;
  button.addEventListener("click", async () => {
    if (!isCurrent("record", request)) return;
    button.disabled = true;
    const query = new URLSearchParams({ type: section.type, page: String(next),
                                        page_size: String(page.page_size) });
    const { status, body: answer } = await api(recordPath(personId, query), request.signal);
    if (!isCurrent("record", request)) return; // another record is open now
    button.disabled = false;
    if (!isAbout(personId, status, answer)) {
      button.textContent = NOT_THIS_PATIENT;
      return;
    }
    if (status !== 200) {
      button.textContent = describeError(answer);
      return;
    }
    const more = answer[section.key];
    for (const item of more.items) place(item).append(LAYOUT[section.type].row(item));
    next += 1;
    if (!more.has_more) button.remove();
  });
  return button;
}

// ---- access: refusals, break-glass, objections -------------------------------------------

// Who is signed in, in which role, and what that role may do (from /api/me).
const current = { personId: null, mayRecordConsent: false };

function showRefusal(body) {
  $("refused").hidden = false;
  $("refused-why").textContent = describeError(body);
  $("break-glass-form").hidden = !body.break_glass_offered;
  $("record").scrollIntoView({ behavior: "smooth", block: "start" });
}

function showAccess(access) {
  if (!access || access.basis !== "break-glass") return;
  const until = access.expires_at ? ` until ${formatMoment(access.expires_at)}` : "";
  $("break-glass-note").textContent =
    `Opened by breaking the glass${until}: this access is flagged for review.`;
  $("break-glass-note").hidden = false;
}

async function breakGlass(event) {
  event.preventDefault();
  const personId = current.personId;
  const reasonText = $("bg-text").value.trim();
  if (!personId) return;
  if (reasonText.length < 10) {
    $("refused-why").textContent = "explain why in at least 10 characters";
    return;
  }
  const path = `/api/persons/${encodeURIComponent(personId)}/break-glass`;
  const json = { reason_code: $("bg-reason").value, reason_text: reasonText };
  const { status, body } = await api(path, undefined, { method: "POST", json });
  if (status !== 201) {
    $("refused-why").textContent = describeError(body);
    return;
  }
  $("bg-text").value = "";
  openRecord(personId);
}

async function recordConsent(decision) {
  const personId = current.personId;
  if (!personId) return;
  const path = `/api/persons/${encodeURIComponent(personId)}/objection`;
  const { status, body } = await api(path, undefined, { method: "POST", json: { decision } });
  $("consent-message").textContent = status === 202
    ? (decision === "DENY" ? "Objection recorded: it takes effect within seconds."
      : "Withdrawal recorded: sharing resumes within seconds.")
    : describeError(body);
}

// ---- information governance ---------------------------------------------------------------

async function accessReport(event) {
  event.preventDefault();
  const personId = $("access-person").value.trim();
  const query = new URLSearchParams({ person_id: personId });
  const { status, body } = await api(`/api/audit/access-report?${query}`);
  const table = $("access-report");
  table.hidden = status !== 200;
  $("access-message").textContent = status === 200
    ? `${body.rows.length} access(es) recorded` : describeError(body);
  if (status !== 200) return;
  table.tBodies[0].replaceChildren(...body.rows.map((row) => el("tr", {}, [
    cell(formatMoment(row.at)), cell(row.user_id), cell(row.org_code || "—"),
    cell(row.role_code || "—"),
    cell(row.break_glass_reason ? `break-glass: ${row.break_glass_reason}` : row.relationship || "—",
      row.flagged ? "flagged" : ""),
    cell(row.outcome), cell(number(row.shown)),
  ])));
}

async function breakGlassReport() {
  const { status, body } = await api("/api/audit/break-glass");
  const table = $("break-glass-report");
  table.hidden = status !== 200;
  if (status !== 200) {
    $("access-message").textContent = describeError(body);
    return;
  }
  table.tBodies[0].replaceChildren(...body.rows.map((row) => el("tr", {}, [
    cell(formatMoment(row.at)), cell(row.user_id), cell(row.org_code), cell(row.person_id),
    cell(row.reason_code), cell(row.reason_text),
  ])));
}

// ---- service planning ---------------------------------------------------------------------

function chart(src, title) {
  return src ? el("img", { cls: "chart", attrs: { src, alt: `Chart: ${title}` } })
    : el("p", { cls: "empty", text: "No chart." });
}

function planningTable(t) {
  const weeks = t.weeks.slice(-8); // the newest weeks on screen; the CSV has every week
  const first = t.weeks.length - weeks.length;
  return table(t.title, [t.dimension, ...weeks], t.rows.map((r) => el("tr", {}, [
    el("th", { text: r.row, attrs: { scope: "row" } }),
    ...r.values.slice(first).map((v) => cell(v)),
  ])));
}

async function planningReport() {
  const { status, body } = await api("/api/planning/report", undefined,
    { purpose: "service-planning" });
  const panel = $("planning-report");
  $("planning-message").textContent = status === 200
    ? `${body.title}: weeks ${body.period}; made ${body.generated}` : describeError(body);
  if (status !== 200) {
    panel.replaceChildren();
    return;
  }
  const w = body.workforce;
  panel.replaceChildren(
    el("h2", { text: "How the numbers are protected" }),
    el("ul", {}, body.rules.map((rule) => el("li", { text: rule }))),
    el("h2", { text: "Workforce estimate" }),
    chart(w.chart, "Workforce estimate"),
    table("Workforce estimate", ["Staff group", "Mean FTE per week", "Trend (FTE per week)",
      "Assumed contacts per FTE per week", "Source to take the figure from"],
    w.groups.map((g) => el("tr", {}, [cell(g.label), cell(g.mean_fte.toFixed(1)),
      cell(g.trend_per_week.toFixed(2)), cell(String(g.contacts_per_fte_week)), cell(g.source)]))),
    ...body.tables.flatMap((t) => [el("h2", { text: t.title }), chart(t.chart, t.title),
      planningTable(t)]),
  );
}

// ---- session ------------------------------------------------------------------------------

function showSignIn(message = "") {
  $("signin").hidden = false;
  $("signin-message").textContent = message;
  for (const id of ["session", "search-panel", "record", "governance", "planning"]) {
    $(id).hidden = true;
  }
}

function roleLabel(role) {
  return `${role.role_name} at ${role.org_name || role.org_code}`;
}

function applyRole(me) {
  const role = me.roles.find((r) => r.role_id === actingRole()) || me.roles[0];
  const categories = (role && role.categories) || [];
  const readsRecords = categories.some((c) => c !== "audit" && c !== "planning");
  current.mayRecordConsent = readsRecords;
  $("search-panel").hidden = !readsRecords;
  $("governance").hidden = !categories.includes("audit");
  $("planning").hidden = !categories.includes("planning");
  $("record").hidden = true;
}

async function startSession() {
  const { status, body } = await api("/api/me");
  if (status !== 200) return;
  $("signin").hidden = true;
  $("session").hidden = false;
  $("who").textContent = body.user_id;
  const select = $("role");
  select.replaceChildren(...body.roles.map((role) =>
    el("option", { text: roleLabel(role), attrs: { value: role.role_id } })));
  select.value = body.acting_role.role_id;
  select.onchange = () => applyRole(body);
  applyRole(body);
}

document.addEventListener("DOMContentLoaded", async () => {
  $("sign-in").addEventListener("click", () => Auth.signIn());
  $("sign-out").addEventListener("click", () => Auth.signOut());
  $("nhs-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search({ nhs_number: $("nhs").value.trim() });
  });
  $("name-form").addEventListener("submit", (event) => {
    event.preventDefault();
    search({ family_name: $("family").value.trim(), birth_date: $("birth").value });
  });
  $("break-glass-form").addEventListener("submit", breakGlass);
  $("record-objection").addEventListener("click", () => recordConsent("DENY"));
  $("record-withdrawal").addEventListener("click", () => recordConsent("PERMIT"));
  $("access-form").addEventListener("submit", accessReport);
  $("break-glass-list").addEventListener("click", breakGlassReport);
  $("planning-show").addEventListener("click", planningReport);
  let problem = null;
  try {
    problem = await Auth.finishSignIn();
  } catch (err) {
    problem = "sign-in could not be completed (the identity provider could not be reached)";
  }
  if (Auth.token()) {
    await startSession();
  } else {
    showSignIn(problem || "");
  }
});
