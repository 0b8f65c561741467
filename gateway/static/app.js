// Incline web page: four ways to ask, one way to show the answer. No framework, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
let objectUrls = [];

function fmt(value, digits = 1) {
  return value === null || value === undefined || Number.isNaN(value) ? "—" : Number(value).toFixed(digits);
}

function setBusy(busy, text) {
  document.querySelectorAll(".query button").forEach((b) => { b.disabled = busy; });
  $("status").textContent = text || "";
}

function showError(problem) {
  const box = $("error");
  box.replaceChildren();
  const title = document.createElement("strong");
  title.textContent = `${problem.title || "Error"}${problem.status ? ` (${problem.status})` : ""}`;
  const detail = document.createElement("span");
  detail.className = "detail";
  detail.textContent = problem.detail || "The request failed.";
  box.append(title, detail);
  const alreadySaid = /did you mean/i.test(problem.detail || "");
  if (Array.isArray(problem.suggestions) && problem.suggestions.length && !alreadySaid) {
    const hint = document.createElement("div");
    hint.textContent = `Did you mean: ${problem.suggestions.join(", ")}?`;
    box.append(hint);
  }
  box.hidden = false;
}

function clearOutput() {
  $("error").hidden = true;
  $("result").hidden = true;
  objectUrls.forEach((u) => URL.revokeObjectURL(u));
  objectUrls = [];
}

async function problemOf(response) {
  try {
    const body = await response.json();
    if (body && typeof body === "object") return body;
  } catch (_) { /* not JSON */ }
  return { status: response.status, title: response.statusText, detail: `HTTP ${response.status}` };
}

async function ask(url, init) {
  clearOutput();
  setBusy(true, "Measuring…");
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    if (!response.ok) {
      showError(await problemOf(response));
      setBusy(false, "");
      return null;
    }
    const result = await response.json();
    const ms = Math.round(performance.now() - started);
    setBusy(false, `${result.cached ? "From the cache" : "Computed"} in ${ms} ms.`);
    return result;
  } catch (err) {
    showError({ title: "Network error", detail: `The gateway cannot be reached: ${err.message}` });
    setBusy(false, "");
    return null;
  }
}

function row(cells, className) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  cells.forEach(([text, cls]) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.append(td);
  });
  return tr;
}

function addProvenance(list, term, value) {
  if (value === null || value === undefined || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  if (typeof value === "string" && /^https?:\/\//.test(value)) {
    const a = document.createElement("a");
    a.href = value; a.textContent = value; a.rel = "noreferrer"; a.target = "_blank";
    dd.append(a);
  } else {
    dd.textContent = String(value);
  }
  list.append(dt, dd);
}

function render(result, images) {
  const inc = result.inclination;
  $("median").textContent = `${fmt(inc.median)}°`;
  $("uncertainty").textContent = `± ${fmt(inc.stdev)}°`;
  $("uncertainty").title = `standard deviation over flavors; mean ${fmt(inc.mean)}°`;

  const alarm = $("alarm");
  alarm.className = `alarm ${result.alarm.raised ? "raised" : "quiet"}`;
  alarm.textContent = result.alarm.raised
    ? `Alarm: flavors disagree by ${fmt(result.alarm.spread_deg)}° (threshold ${fmt(result.alarm.threshold_deg)}°) — please look`
    : `Flavors agree: spread ${fmt(result.alarm.spread_deg)}° (threshold ${fmt(result.alarm.threshold_deg)}°)`;

  const rejection = $("rejection");
  const rj = result.rejection;
  rejection.hidden = !rj;
  if (rj) {
    rejection.className = `alarm ${rj.verdict === "reject" ? "raised" : "quiet"}`;
    rejection.textContent = rj.verdict === "reject"
      ? `Rejected: probably not a measurable disk galaxy (likelihood ${fmt(rj.likelihood, 2)}, threshold ${fmt(rj.threshold, 2)}) — the inclination is likely meaningless`
      : `Accepted as a disk galaxy (rejection likelihood ${fmt(rj.likelihood, 2)}, threshold ${fmt(rj.threshold, 2)})`;
  }

  const g = result.galaxy;
  $("galaxy").textContent = g
    ? [
        g.names && g.names.length ? g.names.slice(0, 4).join(" · ") : `PGC ${g.pgc}`,
        `RA ${fmt(g.ra, 4)}°, Dec ${fmt(g.dec, 4)}°`,
        g.major_axis_arcmin ? `axes ${fmt(g.major_axis_arcmin, 2)}′ × ${fmt(g.minor_axis_arcmin, 2)}′` : null,
        g.position_angle_deg !== null && g.position_angle_deg !== undefined ? `PA ${fmt(g.position_angle_deg, 0)}°` : null,
        g.axial_ratio_inclination_deg !== null && g.axial_ratio_inclination_deg !== undefined
          ? `axial-ratio inclination ${fmt(g.axial_ratio_inclination_deg)}°` : null,
        g.separation_arcmin !== null && g.separation_arcmin !== undefined ? `${fmt(g.separation_arcmin, 2)}′ from the position` : null,
      ].filter(Boolean).join(" — ")
    : (result.image.source === "upload" ? `Uploaded image ${result.image.filename || ""}` : "Field (no catalog galaxy)");

  const tbody = $("flavors").querySelector("tbody");
  tbody.replaceChildren();
  result.flavors.forEach((f) => {
    tbody.append(row([[f.name], [String(f.version)], [`${fmt(f.inclination_deg)}°`, "num"], [f.clipped ? "clipped" : ""]]));
  });
  (result.failed_flavors || []).forEach((f) => {
    tbody.append(row([[f.name], ["—"], ["failed", "num"], [f.reason]], "failed"));
  });

  const cutout = $("cutout-img");
  const caption = cutout.parentElement.querySelector("figcaption");
  caption.textContent = "The image measured";
  cutout.onerror = () => {
    // FITS and some TIFFs are measured fine but a browser cannot show them.
    if (cutout.getAttribute("src")) caption.textContent = "The image measured (not viewable in a browser)";
  };
  cutout.src = images.cutout || "";
  $("preview-img").src = images.preview || "";

  const prov = $("provenance");
  prov.replaceChildren();
  const img = result.image;
  addProvenance(prov, "image", img.source === "sdss" ? "SDSS cutout" : "upload");
  addProvenance(prov, "SkyServer URL", img.url);
  addProvenance(prov, "sha256", img.sha256);
  if (img.width && img.height) addProvenance(prov, "size", `${img.width} × ${img.height} ${img.format || ""}`);
  addProvenance(prov, "scale", img.scale_arcsec ? `${img.scale_arcsec}″/px` : null);
  addProvenance(prov, "options", `${result.options.mode}, ${result.options.copies} test-time copies`);
  addProvenance(prov, "model set", result.model_set_version);
  addProvenance(prov, "cached", result.cached ? "yes" : "no");
  $("result").hidden = false;
}

async function queryCatalog(path) {
  const result = await ask(path);
  if (result) render(result, { cutout: result.image.cutout, preview: result.image.preview });
}

$("pgc-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const pgc = $("pgc-input").value.trim();
  queryCatalog(`/api/pgc/${encodeURIComponent(pgc)}`);
});

$("name-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("name-input").value.trim();
  queryCatalog(`/api/objname/${encodeURIComponent(name)}`);
});

$("coord-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams({ ra: $("ra-input").value, dec: $("dec-input").value });
  if ($("fov-input").value) params.set("fov", $("fov-input").value);
  else if ($("radius-input").value) params.set("radius", $("radius-input").value);
  queryCatalog(`/api/coord?${params}`);
});

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("file-input").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  const result = await ask("/api/file", { method: "POST", body: form });
  if (!result) return;
  const images = { cutout: URL.createObjectURL(file), preview: "" };
  objectUrls.push(images.cutout);
  try {
    const preview = await fetch("/api/preview", { method: "POST", body: form });
    if (preview.ok) {
      images.preview = URL.createObjectURL(await preview.blob());
      objectUrls.push(images.preview);
    }
  } catch (_) { /* the answer stands without its preview */ }
  render(result, images);
});
