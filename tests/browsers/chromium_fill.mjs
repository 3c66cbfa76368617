// Fill a PDF form in Chromium's built-in PDF viewer (PDFium) with real mouse clicks and typing,
// then save the viewer's own edited file.   node chromium_fill.mjs SRC DST JOB.json
// JOB.json (written by browser_fill.py): {executable, steps: [{name, kind, value, current, widgets:
// [{page, rect:[x0,y0,x1,y1], onState, pageBox:[l,b,r,t]}], optionIndex?, options?}], screenshot?}
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html';
const [src, dst, jobPath] = process.argv.slice(2);
if (!jobPath) { console.error('usage: node chromium_fill.mjs SRC DST JOB.json'); process.exit(2); }
const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const timings = {};
const log = (...a) => { if (process.env.CSE_PDF_BROWSER_DEBUG) console.error(`[${Date.now() - t0}ms]`, ...a); };

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-pdf-chromium-'));
const browser = await puppeteer.launch({
  executablePath: job.executable || '/usr/lib/chromium/chromium',
  headless: true, // the new headless: the old headless shell downloads a PDF instead of showing it
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--lang=en-GB', `--user-data-dir=${profile}`],
  defaultViewport: { width: 1000, height: 1400 },
});
let exitCode = 0;
try {
  const page = await browser.newPage();
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await page.goto(pathToFileURL(path.resolve(src)).href);
  let frame;
  for (let i = 0; i < 200 && !frame; i++) {
    frame = page.frames().find((f) => f.url().startsWith(VIEWER));
    if (!frame) await sleep(50);
  }
  if (!frame) throw new Error(`the PDF viewer frame never appeared; frames: ${page.frames().map((f) => f.url())}`);
  await frame.waitForFunction(() => {
    const v = document.querySelector('pdf-viewer');
    return v && v.viewport_ && v.viewport_.getPageScreenRect(0).width > 0 && v.currentController;
  }, { timeout: 30000 });
  await sleep(300); // the plugin attaches its form filler just after the first layout
  timings.loadMs = Date.now() - t0;

  // Screen point (page CSS px) of PDF user-space point (x, y) on page `index`, scrolled into view.
  async function screenPoint(w, x, y) {
    const [l, b, r, t] = w.pageBox;
    let atEnd = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      const g = await frame.evaluate((index) => {
        const v = document.querySelector('pdf-viewer');
        const plugin = v.shadowRoot.querySelector('#plugin');
        const pr = plugin.getBoundingClientRect();
        const rect = v.viewport_.getPageScreenRect(index);
        return { rect: { x: rect.x, y: rect.y, width: rect.width, height: rect.height },
          plugin: { x: pr.x, y: pr.y, width: pr.width, height: pr.height }, pos: v.viewport_.position };
      }, w.page);
      const px = g.plugin.x + g.rect.x + ((x - l) * g.rect.width) / (r - l);
      const py = g.plugin.y + g.rect.y + ((t - y) * g.rect.height) / (t - b);
      // Keep clear of the floating zoom buttons at the viewer's bottom right (a click there misses
      // the document); accept nearer the edge only when the document cannot scroll any further.
      const bottomMargin = atEnd ? 10 : 150;
      if (py > g.plugin.y + 10 && py < g.plugin.y + g.plugin.height - bottomMargin) return { x: px, y: py };
      // Scroll as a user does, with the mouse wheel over the document, until the point is mid-screen.
      const dy = py - (g.plugin.y + g.plugin.height / 2);
      await page.mouse.move(g.plugin.x + g.plugin.width / 2, g.plugin.y + g.plugin.height / 2);
      await page.mouse.wheel({ deltaY: Math.max(-500, Math.min(500, dy)) }); // small steps, as a hand does
      await waitScrollSettled();
      const after = await frame.evaluate(() => document.querySelector('pdf-viewer').viewport_.position);
      atEnd = after.y === g.pos.y && after.x === g.pos.x;
    }
    throw new Error(`cannot scroll page ${w.page} point ${x},${y} into view`);
  }
  async function waitScrollSettled() {
    let last = null;
    for (let i = 0; i < 40; i++) {
      await sleep(60);
      const pos = await frame.evaluate(() => JSON.stringify(document.querySelector('pdf-viewer').viewport_.position));
      if (pos === last) break;
      last = pos;
    }
    await sleep(150);
  }
  async function clickWidget(w) {
    const [x0, y0, x1, y1] = w.rect;
    const p = await screenPoint(w, (x0 + x1) / 2, Math.max((y0 + y1) / 2, y1 - 8));
    await page.mouse.click(p.x, p.y);
    await sleep(120);
    if (process.env.CSE_PDF_BROWSER_DEBUG) {
      log('click', w.page, w.rect, '->', p, await frame.evaluate(() => {
        const v = document.querySelector('pdf-viewer'); return [v.formFieldFocus_, v.viewport_.position]; }));
    }
    return p;
  }
  // A click in the blank left margin, level with widget w: leaves any field (committing it).
  async function clickBlank(w) {
    const x = w.pageBox[0] + 12;
    const y = (w.rect[1] + w.rect[3]) / 2;
    const p = await screenPoint(w, x, y);
    await page.mouse.click(p.x, p.y);
    await sleep(120);
  }
  // Seen with Chromium 156 headless: while a checkbox/radio keeps the focus, once the view moves two
  // pages or more away, clicks on text/combo fields there no longer give them keyboard focus. So,
  // like a worker clicking on empty paper, leave the button before moving on.
  async function leaveField(w) {
    await clickBlank(w);
  }
  async function typeText(text) {
    const lines = String(text).split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i) await page.keyboard.press('Enter');
      if (lines[i]) await page.keyboard.type(lines[i], { delay: 5 });
    }
  }
  // The viewer forwards keys to PDFium only while it knows a text-like field has focus (a combo
  // counts as one); before that message arrives, arrow keys scroll the document instead.
  const hasTextFocus = () => frame.evaluate(() => document.querySelector('pdf-viewer').formFieldFocus_ === 'text');
  // Click a text/combo widget until the viewer says a text-like field has focus. Seen here: after
  // scrolling to a far page and back, the first click on a combo box sometimes does not register
  // as a form-field click in the viewer (formFieldFocus_ stays 'non-text'/'none').
  async function focusTextWidget(name, w) {
    for (let attempt = 0; attempt < 4; attempt++) {
      await clickWidget(w);
      for (let i = 0; i < 20; i++) {
        if (await hasTextFocus()) {
          await sleep(200); // the first keystroke right after the focus message can be lost
          return;
        }
        await sleep(50);
      }
      log(name, 'no text focus after click', attempt + 1);
    }
    throw new Error(`${name}: clicking it never gave a text/combo field keyboard focus`);
  }
  const selectAll = async () => {
    await page.keyboard.down('Control'); await page.keyboard.press('KeyA'); await page.keyboard.up('Control');
  };

  const tFill = Date.now();
  for (const step of job.steps) {
    const { kind, value, widgets } = step;
    if (kind === 'text' || kind === 'multiline') {
      await focusTextWidget(step.name, widgets[0]);
      // Select-all reaches PDFium by another path than typed characters, and on a busy machine it can
      // arrive after the first of them ("Told her" saved as "old her"): an empty box is typed into
      // without it, and after it the viewer is given time before the typing starts.
      if (step.current) {
        await selectAll();
        await sleep(300);
      }
      if (value === '' || value === null) { if (step.current) await page.keyboard.press('Delete'); }
      else await typeText(value);
    } else if (kind === 'checkbox') {
      if (Boolean(value) !== Boolean(step.current)) { await clickWidget(widgets[0]); await leaveField(widgets[0]); }
    } else if (kind === 'radio') {
      const w = widgets.find((k) => k.onState === value);
      if (!w) throw new Error(`${step.name}: no radio button ${value}`);
      if (step.current !== value) { await clickWidget(w); await leaveField(w); }
    } else if (kind === 'combo') {
      // A click focuses PDFium's combo box (it draws its own list, not an HTML <select>); the arrow
      // keys then step through the options. From "nothing chosen" the first ArrowDown picks the
      // first option, so: one ArrowDown, enough ArrowUps to reach the first option, then down.
      await focusTextWidget(step.name, widgets[0]);
      await page.keyboard.press('ArrowDown');
      for (let i = 0; i <= step.options.length; i++) await page.keyboard.press('ArrowUp');
      for (let i = 0; i < step.optionIndex; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
    } else {
      throw new Error(`${step.name}: field kind ${kind} not supported`);
    }
    await sleep(100);
    if (process.env.CSE_PDF_BROWSER_DEBUG_DIR) {
      await page.screenshot({ path: path.join(process.env.CSE_PDF_BROWSER_DEBUG_DIR, `chromium-step-${step.name}.png`) });
    }
  }
  // Leave the last field (commits it), clicking the blank left margin of the first page.
  await clickBlank(job.steps[0].widgets[0]);
  await sleep(300);
  timings.fillMs = Date.now() - tFill;
  if (job.screenshot) {
    const w = job.screenshotWidget || job.steps[0].widgets[0];
    await screenPoint(w, (w.rect[0] + w.rect[2]) / 2, (w.rect[1] + w.rect[3]) / 2);
    await sleep(500); // let the plugin repaint what the calculate actions changed
    await page.screenshot({ path: job.screenshot });
  }

  const tSave = Date.now();
  const saved = await frame.evaluate(async () => {
    const result = await document.querySelector('pdf-viewer').currentController.save('EDITED');
    const bytes = new Uint8Array(result.dataToSave);
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { fileName: result.fileName, b64: btoa(bin) };
  });
  const data = Buffer.from(saved.b64, 'base64');
  if (data.length < 100 || !data.subarray(0, 1024).toString('latin1').includes('%PDF-')) {
    throw new Error(`the viewer's save returned ${data.length} bytes, not a PDF`);
  }
  fs.writeFileSync(dst, data);
  timings.saveMs = Date.now() - tSave;
  timings.totalMs = Date.now() - t0;
  console.log(JSON.stringify({ browser: await browser.version(), fileName: saved.fileName, bytes: data.length, dialogs, timings }));
} catch (err) {
  console.error(err && err.stack ? err.stack : String(err));
  exitCode = 1;
} finally {
  await browser.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
process.exit(exitCode);
