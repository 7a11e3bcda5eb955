#!/usr/bin/env node
// The buyer's pay page in real headless Chromium (Debian's /usr/bin/chromium), as a buyer uses it:
// open the pay link, see the code, the amount and a countdown that ticks, send the voucher photo
// through the page's own form (its script asks for a presigned link, then PUTs the file to S3),
// and read the page's confirmation. Saves a screenshot of the result.
//
//   node buyer_page.mjs --url URL --cip CIP --amount 150.00 --voucher FILE.png --screenshot OUT.png
//
// Each option can also come from the environment: BUYER_PAGE_URL, BUYER_PAGE_CIP,
// BUYER_PAGE_AMOUNT, BUYER_PAGE_VOUCHER, BUYER_PAGE_SCREENSHOT; CHROMIUM overrides the browser.
// Exits 0 when every check passed, 1 when one failed, 2 when it could not run; every failure
// prints one line starting with "FAILED:" that says what was wrong.
// Install once: `npm ci` in this folder (playwright-core only: it drives the system Chromium and
// downloads no browser).

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OVERALL_TIMEOUT_MS = 120_000;

class CheckFailed extends Error {}

function log(line) {
  process.stdout.write(`${line}\n`);
}

function usage(message) {
  log(`FAILED: ${message}`);
  log('usage: node buyer_page.mjs --url URL --cip CIP --amount 150.00 --voucher FILE --screenshot OUT.png');
  process.exit(2);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: process.env.BUYER_PAGE_URL },
        cip: { type: 'string', default: process.env.BUYER_PAGE_CIP },
        amount: { type: 'string', default: process.env.BUYER_PAGE_AMOUNT },
        voucher: { type: 'string', default: process.env.BUYER_PAGE_VOUCHER },
        screenshot: { type: 'string', default: process.env.BUYER_PAGE_SCREENSHOT },
        confirmation: { type: 'string', default: 'Recibimos tu comprobante' },
        chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
      },
      strict: true,
    }));
  } catch (e) {
    usage(e.message);
  }
  for (const name of ['url', 'cip', 'amount', 'voucher', 'screenshot']) {
    if (!values[name]) usage(`--${name} is required`);
  }
  if (!/^\d+(\.\d{1,2})?$/.test(values.amount)) usage(`--amount ${values.amount} is not like 150.00`);
  if (!existsSync(values.voucher)) usage(`the voucher file ${values.voucher} does not exist`);
  if (!existsSync(values.chromium)) {
    log(`FAILED: no Chromium at ${values.chromium}: install it with \`apt-get install -y chromium\``);
    process.exit(2);
  }
  return values;
}

function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

/** The amount a page shows ("S/ 1,250.00", "US$ 45.00") as "1250.00". */
function shownAmount(text) {
  return (text || '').replace(/[^0-9.]/g, '').replace(/^\.+/, '');
}

async function main() {
  const o = options();
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    log(`FAILED: playwright-core is not installed: run \`npm ci\` in ${HERE} (${e.message})`);
    process.exit(2);
  }

  const timer = setTimeout(() => {
    log(`FAILED: the buyer page journey took more than ${OVERALL_TIMEOUT_MS / 1000} s`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  timer.unref();

  const userDataDir = mkdtempSync(join(tmpdir(), 'cuadre-e2e-chromium-'));
  const screenshot = resolve(o.screenshot);
  mkdirSync(dirname(screenshot), { recursive: true });
  const problems = [];
  const scriptErrors = [];
  let context;
  let page;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: o.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'es-PE',
      timezoneId: 'America/Lima',
      viewport: { width: 412, height: 915 },
      deviceScaleFactor: 1,
      timeout: 60_000,
    });
    page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => scriptErrors.push(`script error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // A resource that failed to load is judged by the checks (the favicon has none: a 404).
      if (m.text().startsWith('Failed to load resource')) problems.push(`console error: ${m.text()}`);
      else scriptErrors.push(`console error: ${m.text()}`);
    });
    page.on('requestfailed', (r) =>
      problems.push(`request failed: ${r.method()} ${r.url().split('?')[0]}: ${r.failure()?.errorText}`),
    );
    const uploads = [];
    page.on('response', (r) => {
      const req = r.request();
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${req.method()} ${r.url().split('?')[0]}`);
      if (req.method() === 'PUT' || (req.method() === 'POST' && /\/uploads$/.test(r.url()))) {
        uploads.push(`${req.method()} ${r.url().split('?')[0]} -> ${r.status()}`);
      }
    });

    // 1. The pay link opens the page.
    const response = await page.goto(o.url, { waitUntil: 'load' });
    check(response, `no response for ${o.url}`);
    check(response.status() === 200, `GET ${o.url} answered HTTP ${response.status()}`);
    log(`ok   opened ${o.url}`);

    // 2. The code and the amount, as the merchant issued them.
    const cip = ((await page.textContent('#cip')) || '').replace(/\s+/g, '');
    check(cip === o.cip, `the page shows CIP ${JSON.stringify(cip)}, expected ${o.cip}`);
    const amountText = ((await page.textContent('#amount')) || '').trim();
    const expected = Number(o.amount).toFixed(2);
    check(
      shownAmount(amountText) === expected,
      `the page shows the amount ${JSON.stringify(amountText)}, expected ${expected}`,
    );
    log(`ok   CIP ${cip} and amount ${amountText}`);

    // 3. The countdown is there and ticks.
    const countdown = page.locator('#countdown');
    check(await countdown.isVisible(), 'the countdown (#countdown) is not visible');
    const first = ((await countdown.textContent()) || '').trim();
    check(/\d{2}:\d{2}:\d{2}$/.test(first), `the countdown shows ${JSON.stringify(first)}, not a time left`);
    try {
      await page.waitForFunction(
        (before) => (document.getElementById('countdown')?.textContent || '').trim() !== before,
        first,
        { timeout: 3_000 },
      );
    } catch {
      throw new CheckFailed(`the countdown did not change within 3 s (it stays at ${first})`);
    }
    const second = ((await countdown.textContent()) || '').trim();
    check(/\d{2}:\d{2}:\d{2}$/.test(second), `the countdown went from ${first} to ${JSON.stringify(second)}`);
    log(`ok   countdown ticks: ${first} -> ${second}`);

    // 4. The buyer sends the voucher through the page's form.
    check(await page.locator('#voucher-form').isVisible(), 'the page has no voucher form (#voucher-form)');
    await page.setInputFiles('#voucher-file', o.voucher);
    await page.click('#voucher-submit');
    let outcome;
    try {
      const handle = await page.waitForFunction(
        () => {
          const s = document.getElementById('upload-status');
          if (!s || !(s.className === 'ok' || s.className === 'err')) return null;
          return { kind: s.className, text: (s.textContent || '').trim() };
        },
        null,
        { timeout: 30_000 },
      );
      outcome = await handle.jsonValue();
    } catch {
      const now = ((await page.textContent('#upload-status')) || '').trim();
      throw new CheckFailed(`no confirmation within 30 s of sending the voucher (the page says ${JSON.stringify(now)})`);
    }
    check(outcome.kind === 'ok', `the page refused the upload: ${JSON.stringify(outcome.text)}`);
    check(
      outcome.text.includes(o.confirmation),
      `the page's confirmation is ${JSON.stringify(outcome.text)}, expected it to contain ${JSON.stringify(o.confirmation)}`,
    );
    check(
      uploads.some((u) => u.startsWith('PUT ') && / -> 2\d\d$/.test(u)),
      `the page confirmed but no PUT of the file succeeded (${uploads.join('; ') || 'no upload request seen'})`,
    );
    log(`ok   voucher sent (${uploads.join('; ')}); the page says: ${outcome.text}`);

    // 5. The page's own script ran without an error (nor one the browser logged about it).
    check(scriptErrors.length === 0, `the page's script went wrong: ${scriptErrors.join('; ')}`);

    await page.screenshot({ path: screenshot, fullPage: true });
    log(`ok   screenshot ${screenshot}`);
    for (const p of problems) log(`note ${p}`);
  } catch (e) {
    if (page) {
      const failed = screenshot.replace(/(\.png)?$/, '-failed.png');
      await page.screenshot({ path: failed, fullPage: true }).catch(() => {});
      log(`note screenshot of the failure: ${failed}`);
    }
    for (const p of problems) log(`note ${p}`);
    for (const e of scriptErrors) log(`note ${e}`);
    log(`FAILED: ${e instanceof CheckFailed ? e.message : e.stack || e}`);
    process.exitCode = 1;
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

await main();
