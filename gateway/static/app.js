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

const finite = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

// The answer's 1σ and 68% interval: the service's calibrated sigma and interval when the answer
// carries them, else the flavors' standard deviation and median ± stdev within 0–90°.
function intervalOf(inc) {
  const median = finite(inc.median);
  const sigma = finite(inc.sigma) ?? finite(inc.stdev);
  const given = Array.isArray(inc.interval) && inc.interval.length === 2 ? inc.interval.map(finite) : [null, null];
  if (given[0] !== null && given[1] !== null) return { sigma, lo: given[0], hi: given[1], calibrated: inc.calibrated !== false };
  if (median === null || sigma === null) return { sigma, lo: null, hi: null, calibrated: false };
  return { sigma, lo: Math.max(0, median - sigma), hi: Math.min(90, median + sigma), calibrated: false };
}

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, title) {
  const el = document.createElementNS(SVG_NS, name);
  Object.entries(attrs).forEach(([k, v]) => el.setAttribute(k, String(v)));
  if (title) {
    const t = document.createElementNS(SVG_NS, "title");
    t.textContent = title;
    el.append(t);
  }
  return el;
}

// The inclination scale, 0° face-on to 90° edge-on: the interval as a band, each flavor as a
// dot, the answer as a line, the catalog's axial-ratio inclination (when known) as a ring.
function drawScale(svg, result) {
  svg.replaceChildren();
  const left = 24, right = 616, y = 50;
  const x = (deg) => left + ((right - left) * Math.min(90, Math.max(0, deg))) / 90;
  const inc = result.inclination;
  const iv = intervalOf(inc);
  if (iv.lo !== null && iv.hi !== null) {
    const label = `${iv.calibrated ? "68% interval" : "median ± stdev"}: ${fmt(iv.lo)}° to ${fmt(iv.hi)}°`;
    svg.append(svgEl("rect", { class: "band", x: x(iv.lo), y: y - 18, width: Math.max(x(iv.hi) - x(iv.lo), 1.5), height: 36 }, label));
  }
  svg.append(svgEl("line", { class: "axis", x1: left, y1: y, x2: right, y2: y }));
  for (let deg = 0; deg <= 90; deg += 15) {
    const tick = svgEl("g", { class: "tick" });
    tick.append(svgEl("line", { class: "axis", x1: x(deg), y1: y - 4, x2: x(deg), y2: y + 4 }));
    const text = svgEl("text", { x: x(deg), y: y + 20, "text-anchor": "middle" });
    text.textContent = `${deg}°`;
    tick.append(text);
    svg.append(tick);
  }
  const ends = [["face-on", left, "start"], ["edge-on", right, "end"]];
  ends.forEach(([word, at, anchor]) => {
    const text = svgEl("text", { class: "label", x: at, y: y + 36, "text-anchor": anchor });
    text.textContent = word;
    svg.append(text);
  });
  const axial = result.galaxy ? finite(result.galaxy.axial_ratio_inclination_deg) : null;
  if (axial !== null) {
    svg.append(svgEl("circle", { class: "axial", cx: x(axial), cy: y, r: 8 }, `catalog axial ratio: ${fmt(axial)}°`));
  }
  const second = finite(inc.axial_ratio_deg);
  if (second !== null) {
    svg.append(svgEl("rect", { class: "axial-image", x: x(second) - 5, y: y - 5, width: 10, height: 10 },
      `the image's axial ratio (second opinion): ${fmt(second)}°`));
  }
  (result.flavors || []).forEach((f, i) => {
    const deg = finite(f.inclination_deg);
    if (deg === null) return;
    svg.append(svgEl("circle", { class: "flavor", cx: x(deg), cy: y + ((i % 3) - 1) * 7, r: 4.5 }, `${f.name}: ${fmt(deg)}°`));
  });
  const median = finite(inc.median);
  if (median !== null) {
    svg.append(svgEl("line", { class: "median", x1: x(median), y1: y - 22, x2: x(median), y2: y + 22 }, `answer: ${fmt(median)}°`));
    const text = svgEl("text", { class: "median-label", x: x(median), y: y - 27, "text-anchor": "middle" });
    text.textContent = `${fmt(median)}°`;
    svg.append(text);
  }
}

// The fitted isophote over the 128×128 input, when the answer carries one: axis ratio q, major
// semi-axis sma_px (input pixels), position angle pa_deg counter-clockwise from the image's +x
// axis (photutils' convention), centre x0_px, y0_px (default: the centre).
function drawIsophote(svg, iso) {
  svg.replaceChildren();
  if (!iso || finite(iso.q) === null || finite(iso.sma_px) === null) return false;
  const cx = finite(iso.x0_px) ?? 64, cy = finite(iso.y0_px) ?? 64, pa = finite(iso.pa_deg) ?? 0;
  svg.append(svgEl("ellipse", {
    cx, cy, rx: iso.sma_px, ry: iso.sma_px * iso.q, transform: `rotate(${-pa} ${cx} ${cy})`,
  }, `isophote: q ${fmt(iso.q, 2)}, PA ${fmt(pa, 0)}°`));
  return true;
}

function drawFraming(svg, image) {
  // The square measured of a reframed upload, over the upload as the figure shows it
  // (object-fit: contain in 256x256).
  svg.replaceChildren();
  const framing = image && image.framing;
  const w = finite(image && image.width), h = finite(image && image.height);
  if (!framing || !framing.applied || !framing.square_px || !w || !h) return false;
  const scale = 256 / Math.max(w, h);
  const ox = (256 - w * scale) / 2, oy = (256 - h * scale) / 2;
  const [left, top, side] = framing.square_px;
  svg.append(svgEl("rect", {
    class: "framing", x: ox + left * scale, y: oy + top * scale, width: side * scale, height: side * scale,
  }, "the square measured"));
  if (framing.galaxy_px) {
    const [x, y] = framing.galaxy_px;
    svg.append(svgEl("circle", { class: "framing", cx: ox + x * scale, cy: oy + y * scale, r: 2.5 },
      "where the galaxy was found"));
  }
  return true;
}

function render(result, images) {
  const inc = result.inclination;
  const iv = intervalOf(inc);
  $("median").textContent = `${fmt(inc.median)}°`;
  $("uncertainty").textContent = iv.lo === null ? `± ${fmt(iv.sigma)}°`
    : `± ${fmt(iv.sigma)}° (68%: ${fmt(iv.lo)}–${fmt(iv.hi)}°${iv.calibrated ? "" : ", uncalibrated"})`;
  const second = finite(inc.axial_ratio_deg);
  $("uncertainty").title = (iv.calibrated
    ? `calibrated 1σ; 68% interval ${fmt(iv.lo)}° to ${fmt(iv.hi)}°`
    : `standard deviation over flavors; mean ${fmt(inc.mean)}°`)
    + (second === null ? "" : `; the image's axial ratio says ${fmt(second)}° (10° or more away: a doubtful answer)`);
  drawScale($("scale-svg"), result);

  const verdict = $("verdict");
  const rejection = result.rejection;
  verdict.hidden = !(rejection && rejection.verdict);
  if (!verdict.hidden) {
    const rejected = rejection.verdict === "reject";
    verdict.className = `verdict ${rejected ? "reject" : "accept"}`;
    verdict.textContent = `${rejected ? "Rejected: not a measurable disk galaxy" : "Accepted as a disk galaxy"}`
      + ` (likelihood ${fmt(rejection.likelihood, 2)}, threshold ${fmt(rejection.threshold, 2)})`;
  }

  const alarm = $("alarm");
  alarm.className = `alarm ${result.alarm.raised ? "raised" : "quiet"}`;
  alarm.textContent = result.alarm.raised
    ? `Alarm: flavors disagree by ${fmt(result.alarm.spread_deg)}° (threshold ${fmt(result.alarm.threshold_deg)}°) — please look`
    : `Flavors agree: spread ${fmt(result.alarm.spread_deg)}° (threshold ${fmt(result.alarm.threshold_deg)}°)`;

  const doubt = $("second-opinion");
  doubt.hidden = !inc.axial_ratio_departs;
  doubt.textContent = doubt.hidden ? ""
    : `The image's own axial ratio says ${fmt(inc.axial_ratio_deg)}°, ${fmt(Math.abs(inc.axial_ratio_deg - inc.median))}° from the answer: `
      + "a doubtful answer (on real galaxies such answers err 1.4 to 3.4 times as much) — please look";

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
  const caption = cutout.closest("figure").querySelector("figcaption");
  caption.textContent = "The image measured";
  cutout.onerror = () => {
    // FITS and some TIFFs are measured fine but a browser cannot show them.
    if (cutout.getAttribute("src")) caption.textContent = "The image measured (not viewable in a browser)";
  };
  cutout.src = images.cutout || "";
  if (drawFraming($("framing-svg"), result.image)) {
    caption.textContent = "The image uploaded; dashed: the square measured, centred on the galaxy found";
  }
  $("preview-img").src = images.preview || "";
  const ellipse = drawIsophote($("isophote-svg"), result.isophote);
  const framing = result.image && result.image.framing;
  const framed = framing && framing.applied && framing.galaxy_px
    ? `, centred on the galaxy found off centre at x ${fmt(framing.galaxy_px[0], 0)}, y ${fmt(framing.galaxy_px[1], 0)} of the upload`
    : "";
  $("preview-caption").textContent = `What the network saw (128×128)${framed}${ellipse ? ", with the fitted isophote" : ""}`;

  const prov = $("provenance");
  prov.replaceChildren();
  const img = result.image;
  addProvenance(prov, "image", img.source === "upload" ? "upload" : `${SURVEYS[img.source] || img.source} cutout`);
  addProvenance(prov, "source URL", img.url);
  addProvenance(prov, "sha256", img.sha256);
  if (img.width && img.height) addProvenance(prov, "size", `${img.width} × ${img.height} ${img.format || ""}`);
  addProvenance(prov, "scale", img.scale_arcsec ? `${img.scale_arcsec}″/px` : null);
  addProvenance(prov, "field", img.fov_arcmin ? `${img.fov_arcmin}′` : null);
  addProvenance(prov, "options", `${result.options.mode}, ${result.options.copies} test-time copies`);
  addProvenance(prov, "model set", result.model_set_version);
  addProvenance(prov, "cached", result.cached ? "yes" : "no");
  $("result").hidden = false;
}

async function queryCatalog(path) {
  const result = await ask(path);
  if (result) render(result, { cutout: result.image.cutout, preview: result.image.preview });
}

const SURVEYS = { sdss: "SDSS", legacy: "Legacy Surveys", panstarrs: "Pan-STARRS1", dss: "DSS2" };

// The survey chosen on the page, as a query string ("" for auto, the gateway's default).
function surveyQuery(joiner) {
  const survey = $("survey-select").value;
  return survey && survey !== "auto" ? `${joiner}survey=${encodeURIComponent(survey)}` : "";
}

$("pgc-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const pgc = $("pgc-input").value.trim();
  queryCatalog(`/api/pgc/${encodeURIComponent(pgc)}${surveyQuery("?")}`);
});

$("name-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("name-input").value.trim();
  queryCatalog(`/api/objname/${encodeURIComponent(name)}${surveyQuery("?")}`);
});

$("coord-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams({ ra: $("ra-input").value, dec: $("dec-input").value });
  if ($("fov-input").value) params.set("fov", $("fov-input").value);
  else if ($("radius-input").value) params.set("radius", $("radius-input").value);
  queryCatalog(`/api/coord?${params}${surveyQuery("&")}`);
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
