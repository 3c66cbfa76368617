// What Firefox ESR's built-in PDF viewer (pdf.js) exposes to assistive technology: the structure layer it
// builds beside each page's text (hidden spans with ARIA roles, owning the text and the widgets).
//   node firefox_structure.mjs FILE.pdf EXECUTABLE  -> JSON on stdout, one entry a page:
//   [{page, headings: [{level, text}], owned: [{role, ownerRoles, id, label}]}]
// `owned`: every widget element (data-element-id) the structure layer points at with aria-owns, the roles of
// the structure elements around it, and the accessible name Firefox gives the widget's HTML control.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [src, executable] = process.argv.slice(2);
if (!executable) { console.error('usage: node firefox_structure.mjs FILE.pdf EXECUTABLE'); process.exit(2); }
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-pdf-firefox-'));
const browser = await puppeteer.launch({
  browser: 'firefox', executablePath: executable, headless: true, userDataDir: profile,
  extraPrefsFirefox: { 'browser.shell.checkDefaultBrowser': false },
  defaultViewport: { width: 1000, height: 1400 },
});
let exitCode = 0;
try {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(path.resolve(src)).href);
  await page.waitForFunction(() => window.PDFViewerApplication && PDFViewerApplication.pdfDocument
    && PDFViewerApplication.pagesCount > 0, { timeout: 30000 });
  const count = await page.evaluate(() => PDFViewerApplication.pagesCount);
  const pages = [];
  for (let n = 1; n <= count; n++) {
    await page.evaluate((k) => { PDFViewerApplication.page = k; }, n);
    const sel = `.page[data-page-number="${n}"] .structTree`;
    await page.waitForSelector(sel, { timeout: 20000 });
    // a page with no annotations (a stamped copy's summary, a flattened page) has no annotation layer to wait for
    const annotated = await page.evaluate(async (k) =>
      (await (await PDFViewerApplication.pdfDocument.getPage(k)).getAnnotations()).length > 0, n);
    if (annotated) {
      await page.waitForSelector(`.page[data-page-number="${n}"] .annotationLayer [data-element-id]`, { timeout: 20000 });
    }
    pages.push(await page.evaluate((k) => {
      const root = document.querySelector(`.page[data-page-number="${k}"]`);
      const tree = root.querySelector('.structTree');
      const textOf = (el) => (el.getAttribute('aria-owns') || '').split(/\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)?.textContent || '').join('')
        + [...el.children].map(textOf).join('');
      const headings = [...tree.querySelectorAll('[role="heading"]')]
        .map((h) => ({ level: Number(h.getAttribute('aria-level')), text: textOf(h) }));
      const owned = [];
      for (const el of tree.querySelectorAll('[aria-owns]')) {
        for (const id of el.getAttribute('aria-owns').split(/\s+/)) {
          const target = document.getElementById(id);
          if (!target || !target.closest('.annotationLayer')) continue;
          const control = target.matches('input, textarea, select') ? target
            : target.querySelector('input, textarea, select') || target;
          const ownerRoles = [];
          for (let a = el; a && a !== tree; a = a.parentElement) ownerRoles.push(a.getAttribute('role'));
          owned.push({ id: control.getAttribute('data-element-id'), ownerRoles,
                       label: control.getAttribute('aria-label') || control.getAttribute('title') || '',
                       containerLabel: target.getAttribute('aria-label') || '',
                       html: target.outerHTML.replace(/<canvas[^>]*><\/canvas>/g, '').slice(0, 400) });
        }
      }
      const widgets = [...root.querySelectorAll('.annotationLayer [data-element-id]')]
        .filter((w) => w.matches('input, textarea, select')).map((w) => w.getAttribute('data-element-id'));
      return { page: k, headings, owned, widgets };
    }, n));
  }
  process.stdout.write(JSON.stringify(pages));
} catch (e) {
  console.error(String(e && e.stack || e));
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
