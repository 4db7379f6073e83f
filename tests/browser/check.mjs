// Opens pages written by `socialform preview` in headless Chromium and checks them as a
// reviewer's browser shows them. Run by tests/preview.rs:
//
//   node check.mjs --shots DIR --page NAME=FILE [--page NAME=FILE ...]
//
// For each page, at 375 and 1280 px wide: no console error and no page error, no request
// other than the file itself (and data: images), the document no wider than the window,
// and no element sticking out of its card (boxes compared, and each card's scrollWidth).
// At 1280 px it takes a screenshot of each section of the first page (one per channel,
// proactive messages, groups) and of the first changed resource of a page with a plan.
// Prints a JSON report; exits 1 when a check fails, 2 when the browser cannot start.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const WIDTHS = [375, 1280];

function parseArgs(argv) {
  const out = { pages: [], shots: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--page') {
      const [name, file] = argv[++i].split('=');
      out.pages.push({ name, file: resolve(file) });
    } else if (argv[i] === '--shots') {
      out.shots = resolve(argv[++i]);
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return out;
}

// Runs in the page: every box that leaves its card, every card that scrolls sideways.
function overflowInPage() {
  const problems = [];
  const name = (el) => {
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const entry = el.closest('[data-address]');
    return `${el.tagName.toLowerCase()}${cls}` + (entry ? ` in ${entry.getAttribute('data-address')}` : '');
  };
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) {
    problems.push(`the document is ${doc.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  const cards = document.querySelectorAll('.card');
  for (const card of cards) {
    if (card.scrollWidth > card.clientWidth + 1) {
      problems.push(`${name(card)} scrolls: scrollWidth ${card.scrollWidth} > clientWidth ${card.clientWidth}`);
    }
    const c = card.getBoundingClientRect();
    if (c.right > window.innerWidth + 1 || c.left < -1) {
      problems.push(`${name(card)} leaves the window: ${c.left}..${c.right}`);
    }
    for (const el of card.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < c.left - 1 || r.right > c.right + 1) {
        problems.push(`${name(el)} sticks out of ${name(card)}: ${Math.round(r.left)}..${Math.round(r.right)} outside ${Math.round(c.left)}..${Math.round(c.right)}`);
      }
    }
  }
  return { problems, cards: cards.length };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const executablePath = process.env.SOCIALFORM_CHROMIUM || '/usr/bin/chromium';
  const profile = mkdtempSync(join(tmpdir(), 'socialform-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      chromiumSandbox: false,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    console.log(JSON.stringify({ started: false, error: String(e && e.message || e) }));
    process.exit(2);
  }
  const report = { started: true, pages: [], problems: [], screenshots: [] };
  try {
    if (args.shots) mkdirSync(args.shots, { recursive: true });
    for (const [index, p] of args.pages.entries()) {
      const url = pathToFileURL(p.file).href;
      for (const width of WIDTHS) {
        const page = await context.newPage();
        await page.setViewportSize({ width, height: 900 });
        const where = `${p.name} at ${width}px`;
        const requests = new Set();
        page.on('request', (r) => requests.add(r.url()));
        page.on('requestfailed', (r) => requests.add(r.url()));
        page.on('console', (m) => {
          if (m.type() === 'error') report.problems.push(`${where}: console error: ${m.text()}`);
        });
        page.on('pageerror', (e) => report.problems.push(`${where}: page error: ${e.message}`));
        await page.goto(url, { waitUntil: 'load' });
        await page.waitForTimeout(100);
        for (const r of requests) {
          if (r !== url && !r.startsWith('data:')) report.problems.push(`${where}: a request left the file: ${r}`);
        }
        const result = await page.evaluate(overflowInPage);
        for (const problem of result.problems) report.problems.push(`${where}: ${problem}`);
        report.pages.push({ page: p.name, width, requests: requests.size, cards: result.cards });
        if (width === 1280 && args.shots) {
          if (index === 0) {
            for (const section of await page.locator('section[data-section]').all()) {
              const id = await section.getAttribute('data-section');
              const file = join(args.shots, `${id}.png`);
              await section.screenshot({ path: file });
              report.screenshots.push(file);
            }
          }
          const changed = page.locator('article.entry[data-state="update"]').first();
          if (await changed.count()) {
            const file = join(args.shots, `${p.name}-change.png`);
            await changed.screenshot({ path: file });
            report.screenshots.push(file);
          }
        }
        await page.close();
      }
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  console.log(JSON.stringify(report, null, 1));
  process.exit(report.problems.length ? 1 : 0);
}

main().catch((e) => {
  console.log(JSON.stringify({ started: true, error: String(e && e.stack || e) }));
  process.exit(1);
});
