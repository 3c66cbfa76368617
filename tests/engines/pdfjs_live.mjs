// Fill a form in pdf.js WITH its scripting sandbox, as Firefox's viewer does, and save.
// Usage: node pdfjs_live.mjs SRC DST JOB.json     JOB: {"steps": [{"name": ..., "value": ...}, ...]}
// A step is one thing a worker does, in order (the same name twice is a change of mind):
// text/date -> string (a date as D/M/YYYY: typed, as in today's forms, whose date fields pdf.js leaves
// as text; picked as Firefox's date picker does in a form made before that, see
// cse_pdf/blank/widgets.py DATE_KEYSTROKE), checkbox ->
// boolean, radio -> the kid's on-state name.
//
// What pdf.js's viewer does, reproduced here without a DOM:
//  - web/pdf_scripting_manager.js: the sandbox (legacy/build/pdf.sandbox.mjs, QuickJS) is created
//    from doc.getFieldObjects(), getCalculationOrderIds() and getJSActions(); then "Open" is sent.
//  - display/annotation_layer.js: a user's change goes into annotationStorage and the same event
//    the element's listeners send goes to the sandbox (radio/checkbox "Action"; text "Keystroke"
//    with willCommit on leaving the field; a date picker's value as a timestamp).
//  - What the sandbox sends back ("updatefromsandbox": calculated values, formatted dates) goes,
//    as in pdf_scripting_manager.js, to the element's handler when its page has been rendered,
//    else straight into annotationStorage. Rendered: page 1 at open (a viewer opens there), then
//    each page the worker goes to; a page stays rendered (the viewer keeps its annotation layer).
//  - "WillSave", doc.saveDocument(), "DidSave".
// Prints one JSON line: {calculated: {name: value}, alerts, errors, events, timings}.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";

const [src, dst, jobPath] = process.argv.slice(2);
if (!jobPath) {
  console.error("usage: node pdfjs_live.mjs SRC DST JOB.json");
  process.exit(2);
}
const t0 = Date.now();
const timings = {};
const fail = (msg) => {
  throw new Error(msg);
};

// The sandbox talks to `window`: an EventTarget with the few browser functions it calls.
const alerts = [];
const errors = [];
const win = new EventTarget();
Object.assign(win, {
  CustomEvent, URL, setTimeout, clearTimeout, setInterval, clearInterval,
  alert: (msg) => alerts.push(String(msg)),
  confirm: () => false,
  prompt: () => null,
});
globalThis.window = win;

const pkgDir = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const job = JSON.parse(await readFile(jobPath, "utf8"));
const doc = await pdfjs.getDocument({
  data: new Uint8Array(await readFile(src)),
  standardFontDataUrl: path.join(pkgDir, "standard_fonts") + path.sep,
  verbosity: pdfjs.VerbosityLevel.ERRORS,
}).promise;
const storage = doc.annotationStorage;

// Every widget, by id and by fully qualified field name.
const byName = new Map();
const byId = new Map();
const rendered = new Set([0]); // page indexes whose annotation layer the viewer has drawn
for (let p = 1; p <= doc.numPages; p++) {
  const page = await doc.getPage(p);
  for (const a of await page.getAnnotations()) {
    if (a.annotationType !== pdfjs.AnnotationType.WIDGET || !a.fieldName) continue;
    a.pageIndex = p - 1;
    if (!byName.has(a.fieldName)) byName.set(a.fieldName, []);
    byName.get(a.fieldName).push(a);
    byId.set(a.id, a);
  }
}

// annotation_layer.js's "updatefromsandbox" handlers, per widget type (value/formattedValue only:
// the rest is looks). Commands without an id are the console's and app's: errors are kept.
let updates = 0;
win.addEventListener("updatefromsandbox", (ev) => {
  const detail = { ...ev.detail };
  const { id, siblings } = detail;
  if (!id) {
    if (detail.command === "error") errors.push(String(detail.value));
    return;
  }
  updates++;
  const { id: _id, siblings: _siblings, ...rest } = detail;
  for (const elementId of siblings ? [id, ...siblings] : [id]) {
    const w = byId.get(elementId);
    if (!w || !rendered.has(w.pageIndex)) {
      storage.setValue(elementId, rest); // no element on screen: what the scripting manager does
      continue;
    }
    const hasDate = Boolean(w.datetimeType);
    if (w.fieldType === "Tx") {
      if ("value" in detail && !hasDate) storage.setValue(elementId, { value: String(detail.value ?? "") });
      if ("formattedValue" in detail) {
        const data = { formattedValue: detail.formattedValue };
        if (hasDate) data.value = detail.formattedValue;
        storage.setValue(elementId, data);
      }
    } else if (w.checkBox && "value" in detail) {
      storage.setValue(elementId, { value: detail.value !== "Off" });
    } else if (w.radioButton && "value" in detail) {
      for (const r of byName.get(w.fieldName)) {
        storage.setValue(r.id, { value: r.buttonValue === detail.value && r.id === elementId });
      }
    }
  }
});

const [objects, calculationOrder, docActions] = await Promise.all([
  doc.getFieldObjects(), doc.getCalculationOrderIds(), doc.getJSActions()]);
const { QuickJSSandbox } = await import("pdfjs-dist/legacy/build/pdf.sandbox.mjs");
const sandbox = await QuickJSSandbox();
sandbox.create({
  objects,
  calculationOrder,
  appInfo: { platform: "Linux x86_64", language: "en-GB" },
  docInfo: { actions: docActions, numPages: doc.numPages },
});
const send = (detail) => sandbox.dispatchEvent(detail); // synchronous: QuickJS runs in this thread
send({ id: "doc", name: "Open" });
send({ id: "page", name: "PageOpen", pageNumber: 1 });
timings.openMs = Date.now() - t0;

// ISO day of a D/M/YYYY text, as a date picker holds it; a local-midnight timestamp on commit.
function pickedDate(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text) ?? fail(`not a D/M/YYYY date: ${text}`);
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  return { iso, stamp: new Date(`${iso}T00:00`).valueOf() };
}

const tFill = Date.now();
const events = [];
for (const { name, value } of job.steps) {
  const group = byName.get(name) ?? fail(`no form field named '${name}'`);
  const w = group[0];
  for (const a of group) rendered.add(a.pageIndex); // the worker scrolls to it
  let detail;
  if (w.fieldType === "Tx") {
    if (typeof value !== "string") fail(`text field '${name}' needs a string`);
    if (w.datetimeType === "date") {
      const { iso, stamp } = pickedDate(value);
      storage.setValue(w.id, { value: iso }); // the picker's "input" event
      detail = { id: w.id, name: "Keystroke", value: stamp, willCommit: true, commitKey: 3 };
    } else {
      storage.setValue(w.id, { value }); // "input"
      detail = { id: w.id, name: "Keystroke", value, willCommit: true, commitKey: 3, selStart: value.length,
        selEnd: value.length }; // Tab out
    }
  } else if (w.fieldType === "Btn" && w.checkBox) {
    if (typeof value !== "boolean") fail(`checkbox '${name}' needs a boolean`);
    for (const a of group) storage.setValue(a.id, { value });
    detail = { id: w.id, name: "Action", value };
  } else if (w.fieldType === "Btn" && w.radioButton) {
    const chosen = group.find((a) => a.buttonValue === value)
      ?? fail(`radio '${name}' has no option '${value}'; have ${group.map((a) => a.buttonValue).join(", ")}`);
    for (const a of group) storage.setValue(a.id, { value: a === chosen });
    detail = { id: chosen.id, name: "Action", value: true };
  } else {
    fail(`field '${name}' (${w.fieldType}) is not supported here`);
  }
  if (w.actions?.Validate) send({ ...detail, name: "Validate" });
  send(detail);
  events.push(detail.name);
}
timings.fillMs = Date.now() - tFill;

const tSave = Date.now();
send({ id: "doc", name: "WillSave" });
await writeFile(dst, await doc.saveDocument());
send({ id: "doc", name: "DidSave" });
timings.saveMs = Date.now() - tSave;

// What the calculated fields hold in annotationStorage now (what was saved).
const calculated = {};
for (const [name, group] of byName) {
  if (!name.startsWith("calculated.")) continue;
  const entry = storage.getRawValue(group[0].id);
  calculated[name] = entry?.value ?? null;
}
sandbox.nukeSandbox();
await doc.destroy();
timings.totalMs = Date.now() - t0;
console.log(JSON.stringify({ pdfjs: pdfjs.version, calculated, updates, alerts, errors, events, timings }));
