// Fill a PDF form in Firefox ESR's built-in PDF viewer (pdf.js) with real mouse clicks and typing,
// then save what pdf.js itself saves (PDFViewerApplication.pdfDocument.saveDocument(), the bytes
// behind Firefox's Save button).   node firefox_fill.mjs SRC DST JOB.json
// JOB.json (written by browser_fill.py): {executable, steps: [{name, kind, value, widgets: [{objId,
// onState, page}], optionIndex?, options?}], screenshot?}. pdf.js marks each widget's HTML element
// with data-element-id="<object number>R", so clicks go to those elements.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const [src, dst, jobPath] = process.argv.slice(2);
if (!jobPath) { console.error('usage: node firefox_fill.mjs SRC DST JOB.json'); process.exit(2); }
const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const timings = {};
const log = (...a) => { if (process.env.CSE_PDF_BROWSER_DEBUG) console.error(`[${Date.now() - t0}ms]`, ...a); };

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-pdf-firefox-'));
const browser = await puppeteer.launch({
  browser: 'firefox', // WebDriver BiDi: no geckodriver
  executablePath: job.executable || '/usr/lib/firefox-esr/firefox-esr',
  headless: true,
  userDataDir: profile,
  extraPrefsFirefox: { 'pdfjs.enableScripting': true, 'browser.shell.checkDefaultBrowser': false },
  defaultViewport: { width: 1000, height: 1400 },
});
let exitCode = 0;
try {
  const page = await browser.newPage();
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(pathToFileURL(path.resolve(src)).href);
  await page.waitForFunction(() => window.PDFViewerApplication && PDFViewerApplication.pdfDocument
    && document.querySelector('.annotationLayer [data-element-id]'), { timeout: 30000 });
  await page.evaluate(async () => {
    const m = PDFViewerApplication.pdfScriptingManager;
    if (m && m.ready !== undefined) { for (let i = 0; i < 100 && !m.ready; i++) await new Promise((r) => setTimeout(r, 50)); }
  });
  timings.loadMs = Date.now() - t0;

  // pdf.js renders annotation layers lazily: bring the page into view, then wait for the element.
  async function widgetElement(w) {
    const sel = `[data-element-id="${w.objId}R"]`;
    let el = await page.$(sel);
    if (!el) {
      await page.evaluate((n) => { PDFViewerApplication.page = n; }, w.page + 1);
      el = await page.waitForSelector(sel, { timeout: 10000 });
    }
    return el;
  }
  const selectAll = async () => {
    await page.keyboard.down('Control'); await page.keyboard.press('KeyA'); await page.keyboard.up('Control');
  };
  async function typeText(text) {
    const lines = String(text).split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i) await page.keyboard.press('Enter');
      if (lines[i]) await page.keyboard.type(lines[i], { delay: 5 });
    }
  }

  const tFill = Date.now();
  for (const step of job.steps) {
    const { kind, value, widgets } = step;
    if (kind === 'text' || kind === 'multiline') {
      const el = await widgetElement(widgets[0]);
      const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(String(value ?? ''));
      await el.click();
      if (m && (await el.evaluate((e) => e.type)) === 'date') {
        // Only in forms made before the date scripts lost their ";" (cse_pdf/blank/widgets.py, DATE_KEYSTROKE;
        // today's are text fields, typed into): pdf.js makes such a field the native date picker: pick
        // the day as the picker does (an ISO value, then change), not by typing into locale segments.
        const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
        await el.evaluate((e, v) => {
          e.value = v;
          e.dispatchEvent(new Event('input', { bubbles: true }));
          e.dispatchEvent(new Event('change', { bubbles: true }));
        }, iso);
        await page.keyboard.press('Tab');
        continue;
      }
      await selectAll();
      if (value === '' || value === null) await page.keyboard.press('Delete');
      else await typeText(value);
    } else if (kind === 'checkbox') {
      const el = await widgetElement(widgets[0]);
      if ((await el.evaluate((e) => e.checked)) !== Boolean(value)) await el.click();
    } else if (kind === 'radio') {
      const w = widgets.find((k) => k.onState === value);
      if (!w) throw new Error(`${step.name}: no radio button ${value}`);
      const el = await widgetElement(w);
      if (!(await el.evaluate((e) => e.checked))) await el.click();
    } else if (kind === 'combo') {
      // An HTML <select>: a click opens Firefox's own popup, Escape closes it keeping the focus;
      // then type-ahead: pressing an option label's first letter again and again steps through the
      // options starting with it (typing a whole label fails: its space key reopens the popup).
      const el = await widgetElement(widgets[0]);
      await el.click();
      await sleep(200);
      await page.keyboard.press('Escape');
      const [want, label] = step.options[step.optionIndex];
      let got = await el.evaluate((e) => e.value);
      for (let i = 0; got !== want && i <= step.options.length + 1; i++) {
        await page.keyboard.type(label.trim()[0]);
        await sleep(60);
        got = await el.evaluate((e) => e.value);
      }
      if (got !== want) throw new Error(`${step.name}: type-ahead could not reach ${JSON.stringify(label)} (at ${JSON.stringify(got)})`);
    } else {
      throw new Error(`${step.name}: field kind ${kind} not supported`);
    }
    await sleep(80);
    log(step.name, 'done');
  }
  // Leave the last field (blur commits it): click the blank left margin of the first step's page.
  const first = await page.$(`.page[data-page-number="${job.steps[0].widgets[0].page + 1}"]`);
  await first.click({ offset: { x: 12, y: 12 } });
  await sleep(300);
  timings.fillMs = Date.now() - tFill;
  if (job.screenshot) {
    await (await widgetElement(job.screenshotWidget || job.steps[0].widgets[0])).scrollIntoView();
    await sleep(300);
    await page.screenshot({ path: job.screenshot });
  }

  const tSave = Date.now();
  const b64 = await page.evaluate(async () => {
    const bytes = await PDFViewerApplication.pdfDocument.saveDocument();
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  });
  const data = Buffer.from(b64, 'base64');
  if (data.length < 100 || !data.subarray(0, 1024).toString('latin1').includes('%PDF-')) {
    throw new Error(`pdf.js's save returned ${data.length} bytes, not a PDF`);
  }
  fs.writeFileSync(dst, data);
  timings.saveMs = Date.now() - tSave;
  timings.totalMs = Date.now() - t0;
  const pdfjs = await page.evaluate(() => (window.pdfjsLib && pdfjsLib.version) || null).catch(() => null);
  console.log(JSON.stringify({ browser: await browser.version(), pdfjs, bytes: data.length, dialogs, timings }));
} catch (err) {
  console.error(err && err.stack ? err.stack : String(err));
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
