// figscrape's page keys: the Streamlit component protocol by hand (as labeler.js), listening on the
// page around this frame (same origin) in the capture phase, before Streamlit's own key handlers.
"use strict";

const K = { cells: [], cols: 6, at: 0, moves: 0 };
window.__figscrapePage = K;  // for the tests: the cells and the cursor

function post(type, data) { window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*"); }
window.addEventListener("message", (event) => {
  const msg = event.data;
  if (!msg || msg.type !== "streamlit:render") return;
  const grid = (msg.args || {}).grid;
  const before = K.cells[K.at];
  K.cells = grid ? grid.cells.map(Number) : [];
  K.cols = grid ? grid.cols : 6;
  const kept = K.cells.indexOf(before);  // the cursor stays on its panel, or where it was when that one left
  K.at = kept >= 0 ? kept : Math.min(K.at, Math.max(0, K.cells.length - 1));
  draw(false);
});
post("streamlit:componentReady", { apiVersion: 1 });
post("streamlit:setFrameHeight", { height: 0 });

const doc = window.parent.document;
function cell(pid) { return doc.querySelector(`.st-key-cell-${pid}`); }
function draw(scroll) {  // the cursor is a style rule on the page: Streamlit's own elements are left as they are
  let style = doc.getElementById("figscrape-cursor");
  if (!style) { style = doc.createElement("style"); style.id = "figscrape-cursor"; doc.head.appendChild(style); }
  const pid = K.cells[K.at];
  style.textContent = pid === undefined ? "" :
    `.st-key-cell-${pid} { outline: 3px solid #1d4ed8; outline-offset: 2px; border-radius: 4px; }`;
  if (scroll && pid !== undefined && cell(pid)) cell(pid).scrollIntoView({ block: "nearest" });
}

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) && target.type !== "checkbox");
}

const MOVES = { ArrowLeft: -1, h: -1, ArrowRight: 1, l: 1, ArrowUp: "up", k: "up", ArrowDown: "down", j: "down" };
function onKey(e) {
  if (!window.frameElement || !window.frameElement.isConnected) { window.parent.removeEventListener("keydown", onKey, true); return; }
  if (!e.isTrusted || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (key === "r" || key === "c") { e.preventDefault(); e.stopImmediatePropagation(); return; }  // Streamlit's rerun and clear caches
  if (!K.cells.length) return;
  let taken = true;
  if (key in MOVES) {
    const m = MOVES[key];
    const step = m === "up" ? -K.cols : m === "down" ? K.cols : m;
    K.at = Math.max(0, Math.min(K.cells.length - 1, K.at + step));
    K.moves += 1;
    draw(true);
  } else if (key === " ") {  // the cursor's checkbox, also when another one has the focus (its own Space is prevented)
    const box = cell(K.cells[K.at]) && cell(K.cells[K.at]).querySelector("input[type=checkbox]");
    if (doc.activeElement && doc.activeElement.blur) doc.activeElement.blur();
    if (box) box.click();  // the checkbox's own click: Streamlit sees it as the mouse's
  } else if (key === "Enter") {
    const reject = doc.querySelector(".st-key-reject button");
    if (reject) reject.click();
  } else if (key === "Escape") {
    const label = doc.querySelector(".st-key-page-Label button");
    if (label) label.click();
  } else taken = false;
  if (taken) { e.preventDefault(); e.stopImmediatePropagation(); }
}
const prev = window.parent.__figscrapePageKeys;
if (prev) window.parent.removeEventListener("keydown", prev, true);
window.parent.__figscrapePageKeys = onKey;
window.parent.addEventListener("keydown", onKey, true);
window.addEventListener("pagehide", () => window.parent.removeEventListener("keydown", onKey, true));
