// The page of ecs-tagger's web service: tag a pasted text, show its areas, scores and evidence,
// and (when the service has an index) similar initiatives in other regions. Plain JavaScript, no
// build step, nothing loaded from elsewhere; every text goes into the page as text, never as HTML.
"use strict";

const WORDS = {
  sv: {
    title: "Smart specialisering: vilka områden handlar texten om?",
    paste: "Klistra in en projektbeskrivning (svenska eller engelska)",
    region: "Projektets län (för liknande initiativ i andra län)",
    "no-region": "inget valt",
    tag: "Tagga",
    key: "API-nyckel",
    areas: "Områden",
    evidence: "Belägg i texten",
    "evidence-hint": "Meningarna som stöder en tagg är markerade i områdets färg.",
    similar: "Liknande initiativ",
    api: "API (OpenAPI)",
    working: "Taggar…",
    searching: "Söker liknande initiativ…",
    empty: "Skriv eller klistra in en text först.",
    none: "Texten handlar inte tydligt om något av områdena.",
    tagged: "Texten handlar om: ",
    score: "poäng",
    "key-words": "nyckelord",
    "needs-key": "Tjänsten kräver en API-nyckel: skriv in den och försök igen.",
    "not-ready": "Modellen laddas fortfarande; försök igen om en stund.",
    failed: "Det gick inte: ",
    "similar-other": "Liknande projekt i andra län än {region}.",
    "similar-all": "Liknande projekt i hela registret (välj ett län för att bara se andra län).",
    "no-hits": "Inga liknande projekt hittades.",
    similarity: "likhet",
    why: "Varför: ",
    shared: "Gemensamma nyckelord: ",
    "no-actor": "okänd aktör",
    weak: "svag likhet: inget nära motsvarande projekt",
    "all-weak": "Registret har inget projekt som liknar texten tydligt; de närmaste visas, markerade som svaga.",
    model: "Modell",
    status: "Status",
  },
  en: {
    title: "Smart specialisation: which areas is the text about?",
    paste: "Paste a project description (Swedish or English)",
    region: "The project's region (for similar initiatives in other regions)",
    "no-region": "none chosen",
    tag: "Tag",
    key: "API key",
    areas: "Areas",
    evidence: "Evidence in the text",
    "evidence-hint": "The sentences that support a tag are marked in the area's colour.",
    similar: "Similar initiatives",
    api: "API (OpenAPI)",
    working: "Tagging…",
    searching: "Looking for similar initiatives…",
    empty: "Type or paste a text first.",
    none: "The text is not clearly about any of the areas.",
    tagged: "The text is about: ",
    score: "score",
    "key-words": "key words",
    "needs-key": "This service needs an API key: type it and try again.",
    "not-ready": "The model is still loading; try again in a moment.",
    failed: "That did not work: ",
    "similar-other": "Similar projects in regions other than {region}.",
    "similar-all": "Similar projects in the whole registry (choose a region to see other regions only).",
    "no-hits": "No similar projects found.",
    similarity: "similarity",
    why: "Why: ",
    shared: "Shared key words: ",
    "no-actor": "actor unknown",
    weak: "weak similarity: not a close counterpart",
    "all-weak": "The registry holds no project clearly like the text; the nearest are shown, marked as weak.",
    model: "Model",
    status: "Status",
  },
};

const state = {
  language: pickLanguage(),
  areas: [],        // [{code, name_sv, name_en}]
  info: null,       // GET /v1/info
  result: null,     // the last POST /v1/tag answer
  similar: null,    // the last POST /v1/similar answer
  region: "",
};

function pickLanguage() {
  const stored = window.localStorage && localStorage.getItem("ecs-tagger-language");
  if (stored === "sv" || stored === "en") return stored;
  return (navigator.language || "sv").toLowerCase().startsWith("sv") ? "sv" : "en";
}

function say(key, values) {
  let text = (WORDS[state.language] || WORDS.sv)[key] || WORDS.en[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.replace(`{${name}}`, value);
  return text;
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else if (name === "style") node.style.cssText = value; // CSSOM: allowed by the page's CSP
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function areaName(code) {
  const area = state.areas.find((a) => a.code === code);
  if (!area) return code;
  return state.language === "en" ? area.name_en : area.name_sv;
}

function decimal(value) {
  // Swedish writes 0,45, English 0.45.
  const locale = state.language === "sv" ? "sv-SE" : "en-GB";
  return value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function areaIndex(code) {
  const found = state.areas.findIndex((a) => a.code === code);
  return found < 0 ? 0 : found;
}

// -- talking to the API ---------------------------------------------------------------------
async function api(path, body) {
  const headers = { Accept: "application/json" };
  const key = document.getElementById("key").value || sessionStorage.getItem("ecs-tagger-key");
  if (key) headers["X-API-Key"] = key;
  const options = { method: body === undefined ? "GET" : "POST", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (response.status === 401) {
    document.getElementById("key-field").hidden = false;
    throw new Error(say("needs-key"));
  }
  if (response.status === 503 && data && data.title === "Not ready") throw new Error(say("not-ready"));
  if (!response.ok) throw new Error((data && (data.detail || data.title)) || response.statusText);
  if (key) sessionStorage.setItem("ecs-tagger-key", key);
  return data;
}

async function loadDescription() {
  try {
    const areas = await api("v1/areas");
    state.areas = areas.areas;
    state.info = await api("v1/info");
    if (state.info.index) {
      const regions = await api("v1/regions");
      const select = document.getElementById("region");
      for (const region of regions.regions) {
        select.append(element("option", { value: region.region }, `${region.region} (${region.projects})`));
      }
      document.getElementById("region-field").hidden = false;
    }
    render();
  } catch (error) {
    showMessage(error.message, true);
  }
}

async function tagText() {
  const text = document.getElementById("text").value;
  if (!text.trim()) {
    showMessage(say("empty"), true);
    return;
  }
  const button = document.getElementById("tag");
  button.disabled = true;
  state.region = document.getElementById("region").value;
  showMessage(say("working"));
  try {
    if (!state.areas.length) await loadDescription();
    state.result = await api("v1/tag", { text, evidence: true });
    state.similar = null;
    render();
    showMessage("");
    if (state.info && state.info.index) {
      showMessage(say("searching"));
      const query = { text, k: 5, explain: true };
      if (state.region) Object.assign(query, { other_regions: true, query_regions: [state.region] });
      state.similar = await api("v1/similar", query);
      renderSimilar();
      showMessage("");
    }
  } catch (error) {
    showMessage(say("failed") + error.message, true);
  } finally {
    button.disabled = false;
  }
}

function showMessage(text, isError) {
  const node = document.getElementById("message");
  node.textContent = text;
  node.className = isError ? "error" : "";
}

// -- drawing ----------------------------------------------------------------------------------
function render() {
  document.documentElement.lang = state.language;
  for (const node of document.querySelectorAll("[data-say]")) node.textContent = say(node.dataset.say);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.language));
  }
  const model = state.info ? `${say("model")} ${state.info.model_version}` : "";
  document.getElementById("model").textContent = model;
  renderResult();
  renderSimilar();
}

function renderResult() {
  const section = document.getElementById("result");
  const result = state.result;
  section.hidden = !result;
  if (!result) return;
  const verdict = document.getElementById("verdict");
  if (result.status === "empty" || result.status === "not_text") {
    verdict.textContent = `${say("status")}: ${result.status}${result.message ? ` (${result.message})` : ""}`;
  } else if (result.areas.length) {
    verdict.textContent = say("tagged") + result.areas.map(areaName).join(", ");
  } else {
    verdict.textContent = say("none");
  }
  const list = document.getElementById("areas");
  list.replaceChildren();
  for (const area of state.areas) {
    const score = result.scores[area.code];
    const tagged = result.areas.includes(area.code);
    const percent = score === null || score === undefined ? 0 : Math.round(score * 100);
    const evidence = (result.evidence || {})[area.code];
    const terms = evidence ? evidence.terms.map((t) => t.term).join(", ") : "";
    list.append(
      element(
        "li",
        { class: `area area-${areaIndex(area.code)}${tagged ? " tagged" : ""}`, "data-code": area.code },
        element("span", { class: "area-name" }, areaName(area.code)),
        element("span", { class: "bar" }, element("span", { class: "fill", style: `width: ${percent}%` })),
        element("span", { class: "score" }, `${say("score")} ${score === null || score === undefined ? "–" : decimal(score)}`),
        terms ? element("span", { class: "terms" }, `${say("key-words")}: ${terms}`) : null,
      ),
    );
  }
  renderEvidenceText(result);
}

function renderEvidenceText(result) {
  const box = document.getElementById("evidence-text");
  box.replaceChildren();
  const text = result.clean_text || "";
  // Sentences supporting a tag, by their offsets in the cleaned text; one sentence may support
  // several areas.
  const spans = new Map();
  for (const [code, evidence] of Object.entries(result.evidence || {})) {
    for (const sentence of evidence.sentences) {
      const key = `${sentence.start}:${sentence.end}`;
      if (!spans.has(key)) spans.set(key, { start: sentence.start, end: sentence.end, codes: [] });
      spans.get(key).codes.push(code);
    }
  }
  const ordered = [...spans.values()].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const span of ordered) {
    if (span.start < at) continue;
    if (span.start > at) box.append(document.createTextNode(text.slice(at, span.start)));
    const names = span.codes.map(areaName).join(", ");
    box.append(
      element(
        "mark",
        { class: `area-${areaIndex(span.codes[0])}`, title: names, "data-areas": span.codes.join(" ") },
        text.slice(span.start, span.end),
      ),
    );
    at = span.end;
  }
  box.append(document.createTextNode(text.slice(at)));
}

function renderSimilar() {
  const section = document.getElementById("similar");
  const found = state.similar;
  section.hidden = !found;
  if (!found) return;
  const hint = document.getElementById("similar-hint");
  hint.textContent = state.region ? say("similar-other", { region: state.region }) : say("similar-all");
  if (found.hits.length && found.hits.every((hit) => hit.level === "weak")) hint.textContent += " " + say("all-weak");
  const list = document.getElementById("hits");
  list.replaceChildren();
  if (!found.hits.length) list.append(element("li", {}, say("no-hits")));
  for (const hit of found.hits) {
    const reason = hit.reason;
    list.append(
      element(
        "li",
        { class: `hit${hit.level === "weak" ? " weak" : ""}`, "data-level": hit.level || "" },
        element("div", { class: "hit-title" }, hit.title),
        hit.level === "weak" ? element("div", { class: "hit-level" }, say("weak")) : null,
        element(
          "div",
          { class: "hit-meta" },
          `${hit.regions.join(", ")} · ${hit.actor || say("no-actor")} · ${say("similarity")} ${decimal(hit.similarity)}` +
            (hit.areas.length ? ` · ${hit.areas.map(areaName).join(", ")}` : ""),
        ),
        reason
          ? element("div", { class: "hit-why" }, say("why"), element("q", {}, reason.query_sentence), " ~ ", element("q", {}, reason.hit_sentence))
          : null,
        reason && reason.shared_terms.length
          ? element("div", { class: "hit-terms" }, say("shared") + reason.shared_terms.join(", "))
          : null,
      ),
    );
  }
}

// -- start ------------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("tag").addEventListener("click", tagText);
  document.getElementById("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) tagText();
  });
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      state.language = button.dataset.lang;
      if (window.localStorage) localStorage.setItem("ecs-tagger-language", state.language);
      render();
    });
  }
  render();
  loadDescription();
});
