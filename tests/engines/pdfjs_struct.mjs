// What pdf.js (Firefox's engine) exposes to assistive technology: each page's structure tree and widgets.
// Usage: node pdfjs_struct.mjs FILE.pdf  -> JSON on stdout:
// [{page, tree: getStructTree(), widgets: [{id, fieldName, alternativeText, hidden, buttonValue}]}]
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import * as pdfjs from "pdfjs-dist/legacy/build/pdf.mjs";

const [src] = process.argv.slice(2);
if (!src) {
  console.error("usage: node pdfjs_struct.mjs FILE.pdf");
  process.exit(2);
}
const pkgDir = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const doc = await pdfjs.getDocument({
  data: new Uint8Array(await readFile(src)),
  standardFontDataUrl: path.join(pkgDir, "standard_fonts") + path.sep,
  verbosity: pdfjs.VerbosityLevel.ERRORS,
}).promise;
const pages = [];
for (let p = 1; p <= doc.numPages; p++) {
  const page = await doc.getPage(p);
  const widgets = (await page.getAnnotations())
    .filter((a) => a.annotationType === pdfjs.AnnotationType.WIDGET)
    .map((a) => ({ id: a.id, fieldName: a.fieldName, alternativeText: a.alternativeText ?? null,
                   hidden: Boolean(a.hidden), buttonValue: a.buttonValue ?? null }));
  pages.push({ page: p, tree: await page.getStructTree(), widgets });
}
process.stdout.write(JSON.stringify(pages));
await doc.destroy();
