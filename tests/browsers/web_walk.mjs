// Walk the web app (`cse-pdf serve`) in the real Chromium as its users would, checking every page with
// axe-core and keeping a screenshot of each.      node web_walk.mjs JOB.json
// JOB.json (written by test_web_browser.py): {executable, baseUrl, screenshots: folder, samples: [pdf paths],
//   users: {admin, teamManager, preventionManager, viewer: [name, password]}, form: form id to agree on}
// Writes JSON to job.resultPath (or prints it): {steps: {name: {ok, ...}}, pages: [{name, url, screenshot, violations}],
//   keyboard, offsite, cspViolations, errors}. The Python test asserts on it; this script judges nothing
// beyond what it needs to carry on (a step that cannot go on throws, and the report says where).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html'; // Chromium's PDF viewer
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// axe-core from node_modules, never a CDN: the app must work, and be checked, on an offline network.
const AXE_SOURCE = fs.readFileSync(path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const [jobPath] = process.argv.slice(2);
if (!jobPath) { console.error('usage: node web_walk.mjs JOB.json'); process.exit(2); }
const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
const base = new URL(job.baseUrl);
const shots = job.screenshots;
fs.mkdirSync(shots, { recursive: true });
const t0 = Date.now();
const log = (...a) => { if (process.env.CSE_PDF_BROWSER_DEBUG) console.error(`[${Date.now() - t0}ms]`, ...a); };

const result = { steps: {}, pages: [], keyboard: {}, offsite: [], cspViolations: [], errors: [] };
let pageNumber = 0;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cse-pdf-web-'));
const browser = await puppeteer.launch({
  executablePath: job.executable || '/usr/lib/chromium/chromium',
  headless: true, // the new headless, which shows PDFs in the page as a desktop Chromium does
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--lang=en-GB', `--user-data-dir=${profile}`],
  defaultViewport: { width: 1280, height: 900 },
});

// One browser context per person, so sessions never mix (as two managers on two machines).
async function personPage() {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && url.origin !== base.origin) {
      result.offsite.push(request.url());
    }
  });
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy/i.test(text)) result.cspViolations.push({ url: page.url(), text });
  });
  page.on('pageerror', (error) => result.errors.push({ url: page.url(), text: String(error) }));
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() && response.frame() === page.mainFrame()) {
      page.lastDocumentStatus = response.status();
    }
  });
  return page;
}

// Every page the walk lands on: axe-core (serious and critical kept, with their nodes) and a screenshot.
// axe is evaluated through the DevTools protocol, which a CSP without inline script does not block, so the
// app's own CSP stays as strict as it is in use.
async function visited(page, name) {
  await page.waitForFunction(() => document.readyState === 'complete');
  pageNumber += 1;
  const file = path.join(shots, `${String(pageNumber).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await page.evaluate(AXE_SOURCE);
  const axe = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const entry = { name, url: page.url(), screenshot: file, violations: axe,
    title: await page.title(), lang: await page.evaluate(() => document.documentElement.lang) };
  result.pages.push(entry);
  log('page', name, page.url(), axe.map((v) => `${v.id}:${v.impact}`).join(' '));
  return entry;
}

const url = (p) => new URL(p, base).href;

// The control a label names (a label for=, or a label around it): what a screen-reader user hears.
async function controlByLabel(page, pattern) {
  const handle = await page.evaluateHandle((source) => {
    const re = new RegExp(source, 'i');
    for (const label of document.querySelectorAll('label')) {
      if (re.test(label.textContent.trim())) return label.control;
    }
    return null;
  }, pattern.source);
  const element = handle.asElement();
  if (!element) throw new Error(`no control labelled ${pattern} on ${page.url()}`);
  return element;
}

// Waiting for a new page without puppeteer's lifecycle events: those wait on child frames too, and the PDF
// viewer's frame of the page being left can keep them waiting for ever. The old document is marked; the new
// one is there when the mark is gone and the document is parsed. Returns the new page's HTTP status.
async function navigate(page, action, timeout = 90000) {
  await page.evaluate(() => { window.walkLeftThisPage = true; });
  // The page being left is done with (checked and pictured): its embedded PDF viewer is closed first. Left
  // open, its frame sometimes kept puppeteer on the old document although Chromium had shown the new one.
  const hadViewer = await page.evaluate(() => {
    const viewers = document.querySelectorAll('object[type="application/pdf"], embed[type="application/pdf"]');
    viewers.forEach((e) => e.remove());
    return viewers.length > 0;
  });
  if (hadViewer) {
    for (let i = 0; i < 100 && page.frames().some((f) => f.url().startsWith(PDF_VIEWER)); i++) await sleep(50);
  }
  await action();
  const deadline = Date.now() + timeout;
  for (;;) {
    const arrived = await page.evaluate(() => !window.walkLeftThisPage && document.readyState !== 'loading')
      .catch(() => false); // the old document is being replaced
    if (arrived) return page.lastDocumentStatus;
    if (Date.now() > deadline) throw new Error(`no new page within ${timeout} ms (still at ${page.url()})`);
    await sleep(100);
  }
}

// Go to an address as the address bar does.
async function open(page, href) {
  return navigate(page, () => page.evaluate((h) => { window.location.assign(h); }, href).catch(() => null));
}

// A link is followed by its address (a GET, as a click makes): a click can be lost to the embedded PDF
// viewer's plugin, which takes mouse events for itself while it lays out.
async function follow(page, link) {
  return open(page, await link.evaluate((a) => a.href));
}

// A button is pressed from the keyboard (focus, Enter), as a keyboard user does, for the same reason.
async function pressAndWait(page, element) {
  return navigate(page, async () => {
    await element.focus();
    await page.keyboard.press('Enter');
  });
}

// A link or button by its visible text, as a user finds it.
async function byText(page, selector, pattern) {
  const handles = await page.$$(selector);
  for (const h of handles) {
    const text = await h.evaluate((e) => (e.innerText || e.value || e.getAttribute('aria-label') || '').trim());
    if (pattern.test(text)) return h;
  }
  return null;
}

// The level to agree: radio buttons named "level" (a fieldset) or a select labelled "level". Picked as a user
// does, by clicking its label or choosing the option. `wanted` (a value) or else one not already chosen.
async function chooseLevel(page, wanted) {
  const radios = await page.evaluate(() => Array.from(document.querySelectorAll('input[type=radio][name=level]'))
    .map((r) => ({ id: r.id, value: r.value, checked: r.checked,
      text: r.labels && r.labels[0] ? r.labels[0].textContent.trim() : '' })));
  if (radios.length) {
    const choice = radios.find((r) => (wanted ? r.value === wanted : !r.checked)) || radios[0];
    await page.click(`label[for="${choice.id}"]`);
    const checked = await page.$eval(`input[id="${choice.id}"]`, (r) => r.checked);
    if (!checked) throw new Error(`clicking the label of level ${choice.value} did not choose it`);
    return { value: choice.value, text: choice.text, suggested: radios.find((r) => r.checked)?.value };
  }
  const level = await controlByLabel(page, /level/);
  const options = await level.evaluate((e) => Array.from(e.options || []).filter((o) => o.value)
    .map((o) => ({ value: o.value, text: o.textContent.trim(), selected: o.selected })));
  const choice = options.find((o) => (wanted ? o.value === wanted : !o.selected)) || options[0];
  await level.select(choice.value);
  return { value: choice.value, text: choice.text };
}

async function signIn(page, [name, password], shotName) {
  await open(page, url('/'));
  if (shotName) await visited(page, shotName);
  const user = await controlByLabel(page, /user|name/);
  const secret = await page.$('input[type=password]');
  await user.click({ clickCount: 3 });
  await user.type(name);
  await secret.click({ clickCount: 3 });
  await secret.type(password);
  return navigate(page, () => secret.press('Enter')); // the HTTP status of the page signing in ends on
}

async function signOut(page) {
  const out = await byText(page, 'a, button, input[type=submit]', /sign ?out|log ?out/i);
  if (!out) throw new Error(`no sign-out control on ${page.url()}`);
  await pressAndWait(page, out);
}

// Same-origin fetch from inside the page, so it carries the session cookie as the page's own requests do.
async function fetchIn(page, target, init = {}) {
  return page.evaluate(async (target, init) => {
    const response = await fetch(target, { credentials: 'same-origin', redirect: 'manual', ...init });
    const type = response.headers.get('content-type') || '';
    const buffer = new Uint8Array(await response.arrayBuffer());
    const head = Array.from(buffer.slice(0, 8)).map((b) => String.fromCharCode(b)).join('');
    const text = type.startsWith('text/') ? new TextDecoder().decode(buffer) : '';
    const disposition = response.headers.get('content-disposition') || '';
    return { status: response.status, type, head, size: buffer.length, text, disposition };
  }, target, init);
}

// The form (action URL and fields) holding a submit button whose text matches.
async function formWithButton(page, pattern) {
  const button = await byText(page, 'form button, form input[type=submit]', pattern);
  if (!button) return null;
  return button.evaluate((b) => {
    const form = b.form;
    return { action: form.action, method: form.method,
      fields: Array.from(new FormData(form).entries()).filter(([, v]) => typeof v === 'string') };
  });
}

function step(name, body) {
  return (async () => {
    log('step', name);
    try {
      result.steps[name] = { ok: true, ...(await body()) };
    } catch (error) {
      result.steps[name] = { ok: false, error: String(error && error.stack || error) };
      throw error;
    }
  })();
}

let exitCode = 0;
try {
  // 0 The keyboard from the top of the sign-in page: skip link first, then the sign-in fields; focus visible.
  const anonymous = await personPage();
  await step('keyboard', async () => {
    await open(anonymous, url('/'));
    const stops = [];
    for (let i = 0; i < 12; i++) {
      await anonymous.keyboard.press('Tab');
      stops.push(await anonymous.evaluate(() => {
        const e = document.activeElement;
        const style = getComputedStyle(e);
        const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        const shadow = style.boxShadow && style.boxShadow !== 'none';
        const label = e.labels && e.labels[0] ? e.labels[0].textContent.trim() : '';
        return { tag: e.tagName.toLowerCase(), type: e.type || '', href: e.getAttribute('href') || '',
          text: (e.innerText || '').trim().slice(0, 60), label, focusVisible: e.matches(':focus-visible'),
          outlineShown: Boolean(outline || shadow) };
      }));
    }
    result.keyboard = { stops };
    return { stops: stops.length };
  });
  await anonymous.browserContext().close();

  // 1 An admin signs in and uploads the samples (several files at once), then sees ingest's closing table.
  const admin = await personPage();
  await step('upload', async () => {
    await signIn(admin, job.users.admin, 'sign-in');
    await visited(admin, 'admin-home');
    const link = await byText(admin, 'a', /upload/i);
    if (!link) throw new Error(`no upload link for an admin on ${admin.url()}`);
    await follow(admin, link);
    await visited(admin, 'upload');
    const input = await admin.$('input[type=file]');
    await input.uploadFile(...job.samples);
    const send = await byText(admin, 'form button, form input[type=submit]', /upload|ingest|send/i);
    await pressAndWait(admin, send);
    // The progress page refreshes itself (no script needed) until ingest's closing tables are there.
    let progressShown = false;
    const deadline = Date.now() + 240000;
    const finished = () => admin.evaluate(() => !document.querySelector('[data-upload-running]')
      && document.readyState !== 'loading' && Boolean(document.querySelector('main table'))).catch(() => false);
    while (!(await finished())) {
      if (Date.now() > deadline) throw new Error('the upload never finished');
      if (!progressShown && (await admin.$('progress').catch(() => null))) {
        await visited(admin, 'upload-progress');
        progressShown = true;
      }
      await sleep(250);
    }
    await visited(admin, 'upload-done');
    const tables = await admin.evaluate(() => Array.from(document.querySelectorAll('main table')).map((t) => ({
      caption: t.caption ? t.caption.innerText.trim() : '', rows: t.querySelectorAll('tbody tr').length,
      text: t.innerText })));
    return { tables, progressShown };
  });
  // 2 A Team Manager signs in and opens a record that needs review, of the form two managers agree.
  const manager = await personPage();
  let recordUrl;
  let agreedLevel;
  await step('open', async () => {
    await signIn(manager, job.users.teamManager);
    await visited(manager, 'queue');
    // The queue's own filters (a GET form, no script): this form, records that need review.
    const formFilter = await controlByLabel(manager, /^form/);
    await formFilter.select(job.form);
    const stateFilter = await controlByLabel(manager, /^state/);
    await stateFilter.select('needs-review');
    await pressAndWait(manager, await byText(manager, 'main form button', /filter/i));
    await visited(manager, 'queue-filtered');
    const filteredUrl = manager.url();
    const href = await manager.evaluate((formId) => {
      for (const row of document.querySelectorAll('main table tbody tr')) {
        const text = row.innerText.toLowerCase();
        const link = row.querySelector('a[href]');
        if (link && text.includes(formId) && text.includes('needs review')) return link.href;
      }
      return null;
    }, job.form);
    if (!href) throw new Error(`no ${job.form} record that needs review in the queue`);
    await open(manager, href);
    recordUrl = manager.url();
    await visited(manager, 'record');
    const text = await manager.evaluate(() => document.querySelector('main').innerText);
    return { recordUrl, filteredUrl, needsReview: /needs review/i.test(text) };
  });

  // 3 The stamped PDF shows in the page, from a same-origin URL that answers with a PDF.
  await step('pdf', async () => {
    const pdf = await manager.evaluate(() => {
      const e = document.querySelector('iframe[src], object[data], embed[src]');
      if (!e) return null;
      const r = e.getBoundingClientRect();
      return { tag: e.tagName.toLowerCase(), src: e.src || e.data, width: r.width, height: r.height };
    });
    if (!pdf) throw new Error('no embedded PDF element on the record page');
    const answer = await fetchIn(manager, pdf.src);
    // Shown, not only linked: Chromium's own PDF viewer (as chromium_fill.mjs drives it) opened in the page
    // and laid out the first page of the stamped copy.
    // In view first: the viewer lays out (and paints) a page only once its element is on screen.
    const element = await manager.$('iframe[src], object[data], embed[src]');
    await element.scrollIntoView();
    let viewer;
    for (let i = 0; i < 600 && !viewer; i++) {
      viewer = manager.frames().find((f) => f.url().startsWith(PDF_VIEWER));
      if (!viewer) await sleep(50);
    }
    let firstPage = null;
    if (viewer) {
      await viewer.waitForFunction(() => {
        const v = document.querySelector('pdf-viewer');
        return v && v.viewport_ && v.viewport_.getPageScreenRect(0).width > 0;
      }, { timeout: 60000 });
      firstPage = await viewer.evaluate(() => {
        const r = document.querySelector('pdf-viewer').viewport_.getPageScreenRect(0);
        return { width: r.width, height: r.height };
      });
      await sleep(1000); // the plugin paints the page just after its layout
      pageNumber += 1;
      await element.screenshot({ path: path.join(shots, `${String(pageNumber).padStart(2, '0')}-stamped-pdf.png`) });
      // Leave the viewer as a user would, so its plugin does not keep the mouse (or the focus) to itself.
      await manager.mouse.move(5, 5);
      await manager.evaluate(() => { window.scrollTo(0, 0); document.activeElement?.blur(); });
    }
    return { ...pdf, status: answer.status, type: answer.type, head: answer.head, sameOrigin:
      new URL(pdf.src).origin === base.origin, viewerShown: Boolean(viewer), firstPage };
  });

  // 4 The Team Manager agrees a level with a note.
  await step('agree-team-manager', async () => {
    // Not the suggested level: a level that differs needs the note.
    const choice = await chooseLevel(manager, null);
    agreedLevel = choice;
    const note = await controlByLabel(manager, /note/);
    await note.type('Discussed with the worker and the CSE Prevention Manager on Monday.');
    const button = await byText(manager, 'form button, form input[type=submit]', /^agree/i);
    await pressAndWait(manager, button);
    await visited(manager, 'record-agreed-once');
    const text = await manager.evaluate(() => document.querySelector('main').innerText);
    return { level: choice, awaiting: /awaiting agreement/i.test(text), url: manager.url() };
  });

  // 8 A POST without the CSRF token is refused (the Team Manager's own comment form, token left out).
  await step('csrf', async () => {
    const form = await formWithButton(manager, /comment/i);
    if (!form) throw new Error('no comment form on the record page');
    const body = new URLSearchParams(form.fields.filter(([k]) => !/csrf/i.test(k)));
    if (!body.has('text')) body.set('text', 'A comment without the token.');
    const withToken = form.fields.some(([k]) => /csrf/i.test(k));
    const answer = await fetchIn(manager, form.action, { method: 'POST', body: body.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    return { status: answer.status, formHadToken: withToken };
  });
  await signOut(manager);
  await visited(manager, 'signed-out');

  // 5 The CSE Prevention Manager, another person, confirms the same level.
  const prevention = await personPage();
  await step('agree-prevention-manager', async () => {
    await signIn(prevention, job.users.preventionManager);
    await open(prevention, recordUrl);
    await visited(prevention, 'record-for-prevention-manager');
    // By keyboard alone, from the top of the page: Tab to the level (the page's skip link past the embedded PDF,
    // whose fields are otherwise ~150 Tab stops), arrow keys to the level, Tab to the note, Tab to the button, Enter.
    const focused = () => prevention.evaluate(() => {
      const e = document.activeElement;
      return { tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
        checked: Boolean(e.checked), text: (e.innerText || '').trim().slice(0, 60) };
    });
    await prevention.evaluate(() => { window.scrollTo(0, 0); document.activeElement?.blur(); });
    const path = [];
    let here = await focused();
    for (let i = 0; i < 40 && !(here.tag === 'input' && here.name === 'level'); i++) {
      await prevention.keyboard.press('Tab');
      here = await focused();
      path.push(here.tag === 'a' ? `a:${here.text}` : `${here.tag}:${here.name || here.type}`);
      if (here.tag === 'a' && /^skip past the stamped copy/i.test(here.text)) {
        await prevention.keyboard.press('Enter'); // the PDF viewer's own fields would be ~150 more stops
        here = await focused();
      }
    }
    if (here.name !== 'level') throw new Error(`Tab never reached the level: ${path.join(' > ')}`);
    for (let i = 0; i < 8 && !(here.value === agreedLevel.value && here.checked); i++) {
      await prevention.keyboard.press('ArrowUp');
      here = await focused();
    }
    if (here.value !== agreedLevel.value || !here.checked) throw new Error('arrow keys did not reach the level');
    await prevention.keyboard.press('Tab');
    if ((await focused()).name !== 'note') throw new Error(`Tab after the level went to ${JSON.stringify(await focused())}`);
    await prevention.keyboard.type('Agreed at the CSE panel.');
    await prevention.keyboard.press('Tab');
    const button = await focused();
    if (!/^agree/i.test(button.text)) throw new Error(`Tab after the note went to ${JSON.stringify(button)}`);
    await navigate(prevention, () => prevention.keyboard.press('Enter'));
    await visited(prevention, 'record-agreed');
    const text = await prevention.evaluate(() => document.querySelector('main').innerText);
    return { text, byKeyboard: true, tabStops: path };
  });

  // 6 Agreed: the record says so, and the export and the Board report show it.
  await step('outputs', async () => {
    const link = await byText(prevention, 'nav a, header a', /export|download|report/i);
    if (!link) throw new Error('no export/report link in the navigation');
    await follow(prevention, link);
    await visited(prevention, 'downloads');
    const links = await prevention.evaluate(() => Array.from(document.querySelectorAll('main a[href]'))
      .map((a) => ({ href: a.href, text: a.innerText.trim() })));
    const out = {};
    // The agreed record's own form first (a per-form CSV has that form's columns), then any other link.
    links.sort((a, b) => Number(b.href.includes(`form=${job.form}`)) - Number(a.href.includes(`form=${job.form}`)));
    for (const { href, text } of links) {
      const kind = /xlsx/i.test(href + text) ? 'xlsx' : /csv/i.test(href + text) ? 'csv'
        : /report/i.test(href + text) ? (/\.pdf|\(pdf\)/i.test(href + text) ? 'reportPdf' : 'report') : null;
      if (!kind || out[kind]) continue;
      const answer = await fetchIn(prevention, href);
      out[kind] = { href, status: answer.status, type: answer.type, head: answer.head, size: answer.size,
        disposition: answer.disposition, text: answer.text.replace(/data:[^"')\s]+/g, 'data:…') };
    }
    // The report's web page is a download (attachment) for the Board, not one of the app's pages: fetched only.
    return out;
  });
  await signOut(prevention);

  // The admin reads the record's audit trail: every opening and both agreements, appended.
  await step('audit', async () => {
    await open(admin, recordUrl);
    const link = await byText(admin, 'main a', /audit/i);
    if (!link) throw new Error('no audit trail link on the record page for an admin');
    await follow(admin, link);
    await visited(admin, 'audit');
    const rows = await admin.evaluate(() => Array.from(document.querySelectorAll('main table tbody tr'))
      .map((tr) => Array.from(tr.cells).map((c) => c.innerText.trim())));
    return { rows };
  });

  // 7 A viewer reads the record but has no agree form, and a forged POST to agree gets 403.
  const viewer = await personPage();
  await step('viewer', async () => {
    await signIn(viewer, job.users.viewer);
    await open(viewer, recordUrl);
    await visited(viewer, 'record-for-viewer');
    const agreeForm = await formWithButton(viewer, /^agree/i);
    // The viewer's own token (from any form on the page, e.g. sign-out): so a 403 is for the role, not CSRF.
    const token = await viewer.evaluate(() => {
      const e = document.querySelector('input[name*=csrf i]');
      return e ? [e.name, e.value] : null;
    });
    const body = new URLSearchParams([...(token ? [token] : []), ['level', agreedLevel.value],
      ['role', 'team-manager'], ['note', 'forged']]);
    const target = new URL('agree', recordUrl.endsWith('/') ? recordUrl : recordUrl + '/').href;
    const answer = await fetchIn(viewer, target, { method: 'POST', body: body.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    return { agreeForm: Boolean(agreeForm), forgedStatus: answer.status, target, hadToken: Boolean(token) };
  });
  await viewer.browserContext().close();

  // 9 Five wrong passwords for one user name, then the right one: refused (throttled).
  const guesser = await personPage();
  await step('throttle', async () => {
    const [name, password] = job.users.viewer;
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(await signIn(guesser, [name, i < 5 ? `wrong-${i}` : password], null));
    }
    await visited(guesser, 'throttled');
    const text = await guesser.evaluate(() => document.body.innerText);
    // Not signed in by the sixth try: the app's front page still asks for a password.
    await open(guesser, url('/'));
    const stillOut = Boolean(await guesser.$('input[type=password]'));
    return { statuses, stillOut, text: text.slice(0, 500) };
  });
  await guesser.browserContext().close();
  await admin.browserContext().close();
} catch (error) {
  exitCode = 1;
  result.errors.push({ url: '', text: String(error && error.stack || error) });
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
result.ms = Date.now() - t0;
// Written to a file, synchronously: process.exit right after a large console.log can cut a piped stdout short.
if (job.resultPath) fs.writeFileSync(job.resultPath, JSON.stringify(result));
else console.log(JSON.stringify(result));
process.exitCode = exitCode;
