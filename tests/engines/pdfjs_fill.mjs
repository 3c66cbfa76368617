// Fill an AcroForm with pdf.js (Firefox's engine) the way its form layer does.
// Usage: node pdfjs_fill.mjs SRC DST VALUES.json
// VALUES maps fully qualified field names to: text -> string (null clears),
// checkbox -> boolean, radio -> the kid's on-state name, combo/list -> export value or label.
// Values go into doc.annotationStorage exactly as annotation_layer.js stores them,
// then pdf.js's own saveDocument() writes the (incremental) update.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";

const [src, dst, valuesPath] = process.argv.slice(2);
if (!valuesPath) {
  console.error("usage: node pdfjs_fill.mjs SRC DST VALUES.json");
  process.exit(2);
}

const fail = (msg) => {
  throw new Error(msg);
};

const pkgDir = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const values = JSON.parse(await readFile(valuesPath, "utf8"));
const doc = await pdfjs.getDocument({
  data: new Uint8Array(await readFile(src)),
  standardFontDataUrl: path.join(pkgDir, "standard_fonts") + path.sep,
  verbosity: pdfjs.VerbosityLevel.ERRORS,
}).promise;

// Every widget of every page, grouped by fully qualified field name.
const byName = new Map();
for (let p = 1; p <= doc.numPages; p++) {
  const page = await doc.getPage(p);
  for (const a of await page.getAnnotations()) {
    if (a.annotationType !== pdfjs.AnnotationType.WIDGET || !a.fieldName) continue;
    if (!byName.has(a.fieldName)) byName.set(a.fieldName, []);
    byName.get(a.fieldName).push(a);
  }
}

// Validate everything first, then store: a bad name must not leave a half-filled file.
const updates = [];
for (const [name, wanted] of Object.entries(values)) {
  const group = byName.get(name) ?? fail(`no form field named '${name}'; have ${[...byName.keys()].sort().join(", ")}`);
  const w = group[0];
  if (w.fieldType === "Tx") {
    if (wanted !== null && typeof wanted !== "string") fail(`text field '${name}' needs a string`);
    for (const a of group) updates.push([a.id, { value: wanted ?? "" }]);
  } else if (w.fieldType === "Btn" && w.checkBox) {
    if (wanted !== null && typeof wanted !== "boolean") fail(`checkbox '${name}' needs a boolean`);
    for (const a of group) updates.push([a.id, { value: Boolean(wanted) }]);
  } else if (w.fieldType === "Btn" && w.radioButton) {
    if (!group.some((a) => a.buttonValue === wanted)) {
      fail(`radio '${name}' has no option '${wanted}'; have ${group.map((a) => a.buttonValue).join(", ")}`);
    }
    for (const a of group) updates.push([a.id, { value: a.buttonValue === wanted }]);
  } else if (w.fieldType === "Ch") {
    const opt = w.options.find((o) => o.exportValue === wanted || o.displayValue === wanted);
    if (!opt) {
      const have = w.options.map((o) => `${o.exportValue}=${o.displayValue}`).join(", ");
      fail(`choice '${name}' has no option '${wanted}'; have ${have}`);
    }
    const value = w.multiSelect ? [opt.exportValue] : opt.exportValue;
    for (const a of group) updates.push([a.id, { value }]);
  } else {
    fail(`field '${name}' is of unsupported type ${w.fieldType}`);
  }
}

for (const [id, entry] of updates) doc.annotationStorage.setValue(id, entry);
await writeFile(dst, await doc.saveDocument());
await doc.destroy();
