// figscrape's labeler: the Streamlit component protocol by hand (no build step), the panels held in
// the page, one key press = the next panel shown at once and a press queued with its sequence number.
// The server saves the presses in order and acknowledges them; unacknowledged presses are sent again.
"use strict";

const S = {
  instance: Math.random().toString(36).slice(2, 12) + Date.now().toString(36),
  seq: 0, outbox: [], views: new Map(), figures: new Map(), figureEls: new Map(), window: [], handled: new Set(),
  history: [], back: null, front: [], undone: new Map(), drafts: new Map(), need: new Set(),
  seeded: false, needAt: -1e9, lastAction: -1e9, lastPatient: "", shown: null, pendingPaint: null,
  keys: [], debounce: 200, left: null, notice: "", flash: "", sentAt: 0, askedAt: 0, saved: 0, acked: 0, direct: 0,
  save: "", token: "", user: "", saveBroken: false, refillBelow: 20,
};
S.pressedAt = new Map();  // seq -> when it was pressed: how long the server took to acknowledge it
window.__figscrape = { timings: [], acks: [], ignored: 0, state: S };

// ---- the component protocol (what streamlit-component-lib does) ----
function post(type, data) { window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*"); }
function byEndpoint() { return !!S.save && !S.saveBroken; }  // else the presses ride on the component value
function send(force) {
  if (byEndpoint()) {  // presses to the save endpoint; the page reruns only to fetch panels
    postPresses(force);
    if (wantsPanels()) ask(force);
    return;
  }
  ask(force);
}
function ahead() { return S.window.filter((p) => !S.handled.has(p) && S.views.has(p)).length; }
// each page asks for more panels at its own depth (the server's refill_below, give or take 10): twenty
// pages opened together do not all ask on the same press and redraw at once
S.jitter = Math.floor(Math.random() * 21) - 10;
function wantsPanels() { return S.need.size > 0 || ahead() <= Math.max(2, S.refillBelow + S.jitter); }
function ask(force) {  // the component value: one in flight at a time, presses made meanwhile go with the next
  if (S.inFlight && !force && performance.now() - S.askedAt < 3000) { S.pending = true; return; }
  S.inFlight = true; S.pending = false;
  S.askedAt = performance.now();
  if (!byEndpoint()) S.sentAt = S.askedAt;
  const have = [...S.views.keys()].slice(-120);
  post("streamlit:setComponentValue", { dataType: "json", value: {
    instance: S.instance, presses: byEndpoint() ? [] : S.outbox, have, figures: [...S.figures.keys()], need: [...S.need],
    seeded: S.seeded, ahead: ahead(), refill: wantsPanels(), direct: S.direct, t: Date.now() } });
}
async function postPresses(force) {  // one request in flight at a time; an unanswered one is sent again after 3 s
  if (S.posting && !force && performance.now() - S.sentAt < 3000) { S.postAgain = true; return; }
  if (!S.outbox.length) return;
  S.posting = true; S.postAgain = false; S.sentAt = performance.now();
  const body = JSON.stringify({ user: S.user, token: S.token, instance: S.instance, presses: S.outbox, acked: S.acked });
  try {
    const r = await fetch(S.save, { method: "POST", headers: { "Content-Type": "application/json" }, body, keepalive: body.length < 60000 });
    const out = await r.json().catch(() => ({}));
    if (r.ok) { S.direct += out.saved || 0; acknowledged(out.acked || 0); S.notice = out.notice || ""; }
    else if ([403, 404, 405].includes(r.status)) { S.saveBroken = true; S.notice = ""; }  // no endpoint for this page: by reruns
    else S.notice = out.error || `Not saved yet (the server answered ${r.status}); your labels are kept here and sent again.`;
  } catch (err) {
    S.notice = "Not saved yet: the server did not answer. Your labels are kept here and sent again.";
  }
  S.posting = false;
  status();
  if (S.saveBroken) ask(true);
  else if (S.postAgain && S.outbox.length) postPresses();
}
function acknowledged(upTo) {  // every press numbered up to `upTo` is stored
  if (upTo <= S.acked) return;
  S.acked = upTo;
  const now = performance.now();
  for (const p of S.outbox) if (p.seq <= upTo) { window.__figscrape.acks.push(now - S.pressedAt.get(p.seq)); S.pressedAt.delete(p.seq); }
  const before = S.outbox.length;
  S.outbox = S.outbox.filter((p) => p.seq > upTo);
  S.saved += before - S.outbox.length;
}
window.addEventListener("pagehide", () => { if (S.outbox.length && byEndpoint()) postPresses(true); });
let lastHeight = 0;
function fitHeight() {
  const h = Math.ceil(document.documentElement.scrollHeight) + 4;
  if (h !== lastHeight) { lastHeight = h; post("streamlit:setFrameHeight", { height: h }); }
}
new ResizeObserver(fitHeight).observe(document.body);

window.addEventListener("message", (event) => {
  const msg = event.data;
  if (msg && msg.type === "streamlit:render") render(msg.args || {});
});
post("streamlit:componentReady", { apiVersion: 1 });

// ---- what the server sends ----
function decoded(src) { const img = new Image(); img.src = src; img.decode().catch(() => {}); return img; }

function render(args) {
  S.inFlight = false;
  if ((args.token || "") !== S.token) S.saveBroken = false;  // a new server start signs the page anew: its endpoint is tried again
  S.save = args.save || ""; S.token = args.token || ""; S.user = args.user || ""; S.refillBelow = args.refill_below ?? S.refillBelow;
  const held = S.pending;  // an ask held back while another was in flight
  if (held || (!byEndpoint() && S.outbox.some((p) => p.seq > (args.acked_for === S.instance ? args.acked : 0)))) {
    setTimeout(() => { if (!S.inFlight) { if (byEndpoint()) send(); else ask(); } }, 0);
  }
  if (args.acked_for === S.instance) acknowledged(args.acked);
  S.keys = args.keys || S.keys;
  S.debounce = args.debounce_ms ?? S.debounce;
  S.left = args.left ?? S.left;
  S.notice = args.notice || "";
  for (const [sha, src] of Object.entries(args.figures || {})) if (!S.figures.has(sha)) { S.figures.set(sha, src); figureEl(sha); }
  for (const [id, view] of Object.entries(args.views || {})) {
    const pid = Number(id);
    const old = S.views.get(pid);
    if (view.img) { view.el = decoded(view.img); delete view.img; }
    else if (old && old.el) view.el = old.el;
    else { S.need.add(pid); continue; }
    S.need.delete(pid);
    S.views.set(pid, view);
  }
  for (const pid of S.need) if (S.views.has(pid)) S.need.delete(pid);
  if (Array.isArray(args.window)) S.window = args.window.map(Number);  // null: the server saw that the page holds enough ahead
  for (const pid of S.window) if (!S.views.has(pid)) S.need.add(pid);  // dropped here earlier, back in the queue: asked for again
  if (S.views.size > 200) {  // the page keeps what it may show: the queue ahead, the undone, the last 60 of the history
    const keep = new Set([...S.window, ...S.front, ...S.history.slice(-60).map((h) => h.panel), S.shown]);
    for (const pid of [...S.views.keys()]) if (!keep.has(pid)) S.views.delete(pid);
  }
  if (!S.seeded && Array.isArray(args.recent)) {  // sent until this page says it has them (its value's "seeded")
    S.seeded = true;
    for (const r of args.recent) { S.history.push({ panel: r.panel, entry: r }); S.handled.add(r.panel); }
    const last = S.history.filter((h) => h.entry.kind === "label").pop();
    if (last) S.lastPatient = last.entry.patient || "";
  }
  drawButtons();
  neededNow().forEach((p) => S.need.add(p));
  if (S.need.size && performance.now() - S.needAt > 1000) { S.needAt = performance.now(); send(); }
  show();
}

function neededNow() {  // history panels the page no longer holds (after a reload): asked for
  return S.history.slice(-30).map((h) => h.panel).filter((p) => !S.views.has(p));
}

setInterval(() => {  // presses not acknowledged within 3 s are sent again (the save is idempotent)
  if (S.outbox.length && performance.now() - S.sentAt > 3000) send(true);
  status();
}, 1000);

// ---- which panel is on screen ----
function current() {
  if (S.back !== null) return S.history[S.back].panel;
  if (S.front.length) return S.front[0];
  for (const pid of S.window) if (!S.handled.has(pid) && S.views.has(pid)) return pid;
  return null;
}

function labelText(entry) {
  if (!entry) return "";
  if (entry.kind === "skip") return "skipped";
  const k = S.keys.find((k) => k[2] === entry.is_ct && (k[3] || "") === (entry.diagnosis || ""));
  return k ? k[1] : entry.is_ct;
}

function entryShown(pid) {
  if (S.back !== null) return S.history[S.back].entry;
  return null;
}

function show(t0) {
  const pid = current();
  const view = pid === null ? null : S.views.get(pid);
  const empty = document.getElementById("empty");
  const body = document.getElementById("view");
  if (!view) {
    const loading = S.window.some((p) => !S.handled.has(p)) || S.outbox.length;
    empty.textContent = loading ? "Loading the next panels…" : "Nothing left to label with these filters. Thank you! (Z undoes the last label, B goes back.)";
    empty.style.display = "block"; body.style.visibility = "hidden";
    if (t0 !== undefined && loading) S.pendingPaint = t0;
    S.shown = null; status(); return;
  }
  empty.style.display = "none"; body.style.visibility = "visible";
  if (t0 === undefined && S.pendingPaint !== null) { t0 = S.pendingPaint; }
  S.pendingPaint = null;
  if (S.shown !== pid) {
    S.shown = pid;
    document.getElementById("panel").replaceChildren(view.el);
    document.getElementById("head").textContent = view.head;
    drawFigure(view);
    drawCaption(view);
    const paper = document.getElementById("paper");
    const a = document.createElement("a");
    a.href = view.url.startsWith("https://doi.org/") ? view.url : "#"; a.target = "_blank"; a.rel = "noopener noreferrer";
    a.textContent = view.title;
    paper.replaceChildren(a, document.createTextNode(" · " + view.meta));
    fillFields(pid, view);
  }
  const entry = entryShown(pid);
  const given = document.getElementById("given");
  if (entry) given.textContent = `Your label: ${labelText(entry)} (press a key to change it, S to go on)`;
  else if (S.undone.has(pid)) given.textContent = `Undone: you had said ${labelText(S.undone.get(pid))}. Label it again.`;
  else given.textContent = "";
  for (const b of document.querySelectorAll("#labels button")) {
    b.classList.toggle("chosen", !!entry && entry.kind === "label" && b.dataset.ct === entry.is_ct && b.dataset.dx === (entry.diagnosis || ""));
  }
  status();
  if (t0 !== undefined) painted(view.el, t0, pid);
}

function painted(img, t0, pid) {  // keydown to the frame with the new image on screen
  const done = () => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => window.__figscrape.timings.push({ panel: pid, ms: performance.now() - t0, wait: S.handlerAt - t0 });
    ch.port2.postMessage(0);
  });
  if (img.complete && img.naturalWidth) done(); else img.decode().then(done, done);
}

function figureEl(sha) {  // fetched and decoded when it arrives, before its panels are shown
  let img = S.figureEls.get(sha);
  if (!img && S.figures.has(sha)) {
    img = decoded(S.figures.get(sha)); img.alt = "the whole figure, the panel boxed";
    S.figureEls.set(sha, img);
    if (S.figureEls.size > 60) S.figureEls.delete(S.figureEls.keys().next().value);
  }
  return img;
}

function drawFigure(view) {  // the figure's picture decoded once and kept: a panel of the same figure moves only the box
  const fig = document.getElementById("figure");
  const box = document.getElementById("box");
  const src = S.figures.get(view.fig);
  if (!src) { for (const old of fig.querySelectorAll("img")) old.remove(); box.style.display = "none"; return; }
  const img = figureEl(view.fig);
  if (fig.querySelector("img") !== img) { for (const old of fig.querySelectorAll("img")) old.remove(); fig.insertBefore(img, box); }
  const [x0, y0, x1, y1] = view.box;
  Object.assign(box.style, { display: "block", left: `${100 * x0 / view.fw}%`, top: `${100 * y0 / view.fh}%`,
    width: `${100 * (x1 - x0) / view.fw}%`, height: `${100 * (y1 - y0) / view.fh}%` });
}

function drawCaption(view) {
  const el = document.getElementById("caption");
  const { caption, sub } = view;
  const at = sub ? caption.indexOf(sub) : -1;
  if (at >= 0) {
    const mark = document.createElement("mark"); mark.textContent = sub;
    el.replaceChildren(document.createTextNode(caption.slice(0, at)), mark, document.createTextNode(caption.slice(at + sub.length)));
  } else {
    el.replaceChildren(document.createTextNode(caption));
    if (sub) { const mark = document.createElement("mark"); mark.textContent = "\n" + sub; el.appendChild(mark); }
  }
}

// ---- patient, age, sex, note ----
const FIELDS = ["patient", "age", "sex", "note"];
function field(name) { return document.getElementById("f-" + name); }
function fillFields(pid, view) {
  const entry = entryShown(pid) || S.undone.get(pid);
  const src = S.drafts.get(pid) || (entry && entry.kind === "label" ? entry : view.tip || {});
  for (const f of FIELDS) field(f).value = src[f] === undefined || src[f] === null ? "" : String(src[f]);
}
function readFields() {
  const out = {};
  for (const f of FIELDS) out[f] = field(f).value.trim();
  return out;
}
for (const f of FIELDS) field(f).addEventListener("input", () => { if (S.shown !== null) S.drafts.set(S.shown, readFields()); });
function editing(on) {
  document.getElementById("fields").classList.toggle("editing", on);
  if (on) { field("patient").focus(); field("patient").select(); } else if (document.activeElement) document.activeElement.blur();
}

// ---- actions ----
function press(kind, pid, extra) {
  const p = Object.assign({ seq: ++S.seq, panel: pid, kind }, extra || {});
  S.outbox.push(p);
  S.pressedAt.set(p.seq, performance.now());
  send();
  return p;
}

function bounced(e, t0) {  // measured between the presses themselves (their events' times), not when they were handled:
  const now = t0 ?? performance.now();  // a busy page handles two presses 20 ms apart late and together
  if (e && e.repeat || (now >= S.lastAction && now - S.lastAction < S.debounce)) {
    window.__figscrape.ignored += 1;
    S.flash = `ignored a repeated press (within ${S.debounce} ms of the last one)`;
    status();
    return true;
  }
  S.lastAction = now;
  return false;
}

function forward() {  // from the history, one step towards the queue
  S.back = S.back + 1 >= S.history.length ? null : S.back + 1;
}

function nothingShown() {  // a press while no panel is on screen stores nothing, and says so
  S.flash = "no panel on screen yet: that press was not taken";
  window.__figscrape.idle = (window.__figscrape.idle || 0) + 1;
  status();
}

function doLabel(isCt, dx, t0, e) {
  const pid = current();
  if (pid === null) { nothingShown(); return; }
  if (bounced(e, t0)) return;
  const fields = readFields();
  const entry = press("label", pid, Object.assign({ is_ct: isCt, diagnosis: isCt === "yes" ? dx : "" }, fields));
  S.drafts.delete(pid);
  S.undone.delete(pid);
  if (S.back !== null) { S.history[S.back].entry = entry; forward(); S.flash = `changed: panel ${pid} is now ${labelText(entry)}`; }
  else {
    S.history.push({ panel: pid, entry }); S.handled.add(pid);
    if (S.front[0] === pid) S.front.shift();
    S.flash = `panel ${pid}: ${labelText(entry)}`;
  }
  S.lastPatient = fields.patient;
  show(t0);
}

function doSkip(t0, e) {
  const pid = current();
  if (pid === null) { nothingShown(); return; }
  if (bounced(e, t0)) return;
  if (S.back !== null) { forward(); show(t0); return; }
  const entry = press("skip", pid);
  S.history.push({ panel: pid, entry }); S.handled.add(pid);
  if (S.front[0] === pid) S.front.shift();
  S.flash = `skipped panel ${pid} (Z brings it back)`;
  show(t0);
}

function doBack(t0) {
  if (!S.history.length) { S.flash = "nothing before this panel"; status(); return; }
  S.back = S.back === null ? S.history.length - 1 : Math.max(0, S.back - 1);
  show(t0);
}

function doUndo(t0) {
  const last = S.history.pop();
  if (!last) { S.flash = "nothing to undo"; status(); return; }
  S.back = null;
  press(last.entry.kind === "skip" ? "unskip" : "withdraw", last.panel);
  S.handled.delete(last.panel);
  S.front = [last.panel, ...S.front.filter((p) => p !== last.panel)];
  S.undone.set(last.panel, last.entry);
  S.flash = `undone: panel ${last.panel} no longer ${labelText(last.entry)}`;
  show(t0);
}

function doSamePatient() {
  field("patient").value = S.lastPatient;
  if (S.shown !== null) S.drafts.set(S.shown, readFields());
  S.flash = S.lastPatient ? `patient: ${S.lastPatient}` : "the previous panel had no patient";
  status();
}

function fieldsDone(save) {  // Enter in a field; Esc leaves it keeping what was typed
  editing(false);
  const pid = S.shown;
  if (save && pid !== null && S.back !== null && S.history[S.back].entry.kind === "label") {
    const old = S.history[S.back].entry;
    doLabel(old.is_ct, old.diagnosis, performance.now());
  }
}

const MOVES = [["b", "Back", doBack], ["s", "Skip", doSkip], ["z", "Undo", doUndo], ["p", "Same patient", doSamePatient]];
function drawButtons() {
  const labels = document.getElementById("labels");
  if (labels.childElementCount === S.keys.length) return;
  labels.replaceChildren(...S.keys.map(([key, text, isCt, dx]) => {
    const b = document.createElement("button");
    b.dataset.ct = isCt; b.dataset.dx = dx || "";
    b.innerHTML = `<kbd></kbd><span></span>`; b.querySelector("kbd").textContent = key; b.querySelector("span").textContent = text;
    b.addEventListener("click", () => doLabel(isCt, dx, performance.now()));
    return b;
  }));
  const moves = document.getElementById("moves");
  moves.replaceChildren(...MOVES.map(([key, text, fn]) => {
    const b = document.createElement("button");
    b.innerHTML = `<kbd>${key.toUpperCase()}</kbd>${text}`;
    b.addEventListener("click", () => fn(performance.now()));
    return b;
  }), (() => { const b = document.createElement("button"); b.innerHTML = "<kbd>Tab</kbd>Patient, age, sex"; b.onclick = () => editing(true); return b; })());
}

function status() {
  const el = document.getElementById("status");
  const parts = [];
  if (S.flash) parts.push(S.flash);
  parts.push(S.outbox.length ? `${S.outbox.length} waiting to be saved…` : `all saved`);
  if (S.left !== null) parts.push(`about ${S.left} panels left for you`);
  el.textContent = parts.join(" · ");
  if (S.notice) { const w = document.createElement("div"); w.className = "warn"; w.textContent = S.notice; el.appendChild(w); }
  if (S.outbox.length && performance.now() - S.sentAt > 6000) {
    const w = document.createElement("div"); w.className = "warn";
    w.textContent = "The server has not confirmed your last labels yet; they are kept here and sent again."; el.appendChild(w);
  }
}

// ---- keys: in this frame, and on the Streamlit page around it ----
function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function keyTime(e, origin) {  // the key event's time on this frame's clock (the parent page's events carry its clock)
  const shift = origin ? origin.performance.timeOrigin - performance.timeOrigin : 0;
  const t = e.timeStamp + shift;
  return t > 0 && t <= performance.now() ? t : performance.now();
}

function handle(e, origin) {  // true when the key was one of the labeler's
  if (e.ctrlKey || e.altKey || e.metaKey) return false;
  const t0 = keyTime(e, origin);
  S.handlerAt = performance.now();
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const label = S.keys.find((k) => k[0].toLowerCase() === key);
  if (label) { doLabel(label[2], label[3], t0, e); return true; }
  if (key === "s") { doSkip(t0, e); return true; }
  if (key === "b") { if (!e.repeat) doBack(t0); return true; }
  if (key === "z") { if (!e.repeat) doUndo(t0); return true; }
  if (key === "p") { doSamePatient(); return true; }
  if (key === "Tab" && !e.shiftKey) { editing(true); return true; }
  return false;
}

document.addEventListener("keydown", (e) => {
  if (typing(e.target)) {
    if (e.key === "Escape") { e.preventDefault(); fieldsDone(false); }
    else if (e.key === "Enter") { e.preventDefault(); fieldsDone(true); }
    return;
  }
  if (handle(e)) { e.preventDefault(); return; }
  if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !"rc".includes(e.key.toLowerCase())) {
    try {  // the page's own keys (L, G, O, V, X...) when the focus is in this frame
      const doc = window.parent.document;
      for (const type of ["keydown", "keyup"]) doc.body.dispatchEvent(new KeyboardEvent(type, { key: e.key, code: e.code, bubbles: true }));
    } catch (err) { /* another origin: the page's keys work once the focus is outside the frame */ }
  }
});

try {
  const parentWin = window.parent;
  const prev = parentWin.__figscrapeKeys;
  if (prev) parentWin.removeEventListener("keydown", prev, true);
  const onParentKey = (e) => {
    if (!window.frameElement || !window.frameElement.isConnected) { parentWin.removeEventListener("keydown", onParentKey, true); return; }
    if (!e.isTrusted || typing(e.target)) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (!e.ctrlKey && !e.metaKey && !e.altKey && (key === "r" || key === "c")) { e.preventDefault(); e.stopImmediatePropagation(); return; }
    if (handle(e, parentWin)) { e.preventDefault(); e.stopImmediatePropagation(); }
  };
  parentWin.__figscrapeKeys = onParentKey;
  parentWin.addEventListener("keydown", onParentKey, true);
  window.addEventListener("pagehide", () => parentWin.removeEventListener("keydown", onParentKey, true));
} catch (err) { /* the page is of another origin: keys work with the focus in this frame */ }
