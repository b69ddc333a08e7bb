// What every page visited must pass: axe (WCAG 2.2 AA), no console error, no uncaught script
// error, no CSP violation; and a full-page screenshot at each width.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';

export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 320, height: 640 };
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The one documented exception: govuk-frontend keeps `aria-expanded` on a radio that reveals a
 * conditional question (govuk-frontend #979), which axe reports as `aria-allowed-attr`. Only
 * that rule, only on such a radio (it carries aria-controls), and only when `aria-expanded` is
 * the sole attribute axe objects to, is set aside; anything else still fails.
 */
function isConditionalRadioExpanded(violation, node) {
  if (violation.id !== 'aria-allowed-attr') return false;
  if (!/^<input\b[^>]*\btype="radio"/.test(node.html) || !/\baria-controls="/.test(node.html)) {
    return false;
  }
  const objected = [...node.any, ...node.all, ...node.none].flatMap((c) =>
    Array.isArray(c.data?.values) ? c.data.values : Array.isArray(c.data) ? c.data : [],
  );
  return objected.length > 0 && objected.every((a) => /^aria-expanded\b/.test(String(a)));
}

export function describeViolation(v, where) {
  const lines = [`axe ${where}: ${v.id} (${v.impact ?? 'no impact given'}): ${v.help}`, `    ${v.helpUrl}`];
  for (const node of v.nodes) {
    const summary = (node.failureSummary ?? '').split('\n').map((s) => s.trim()).filter(Boolean).join(' ');
    lines.push(`    - ${node.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(', ')}`);
    if (summary) lines.push(`      ${summary}`);
  }
  return lines.join('\n');
}

/** Each page's last document's content security policy, for its copy (see copyWithoutScripts). */
const csp = new WeakMap();

/** Counts and findings across the whole run. */
export class Findings {
  constructor(screenshotDir) {
    this.screenshotDir = screenshotDir;
    this.axeRuns = 0;
    this.pages = new Set();
    this.violations = [];
    this.consoleErrors = [];
    this.screenshots = [];
  }
}

/**
 * One journey in one mode: its browser contexts, and the problems found on its pages (which
 * fail the journey at its end, after it has gone as far as it can).
 */
export class Trip {
  constructor({ browser, baseUrl, mode, journey, findings }) {
    this.browser = browser;
    this.baseUrl = baseUrl;
    this.mode = mode;
    this.journey = journey;
    this.findings = findings;
    this.problems = [];
    this.contexts = [];
    this.copyContext = null;
  }

  get js() {
    return this.mode === 'js';
  }

  url(p) {
    return this.baseUrl + p;
  }

  /** A fresh browser context (one person) and its page, watched for errors. */
  async newPage() {
    const context = await this.browser.newContext({
      javaScriptEnabled: this.js,
      viewport: WIDE,
      baseURL: this.baseUrl,
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(30_000);
    this.contexts.push(context);
    const page = await context.newPage();
    this.watch(page);
    return page;
  }

  watch(page) {
    const documents = new Set();
    page.on('request', (r) => {
      if (r.isNavigationRequest()) documents.add(r.url());
    });
    page.on('response', async (r) => {
      if (!r.request().isNavigationRequest() || r.request().frame() !== page.mainFrame()) return;
      if (r.status() >= 500) this.problem(`server error ${r.status()} for ${r.request().method()} ${r.url()}`);
      if (r.status() < 300 || r.status() >= 400) {
        csp.set(page, (await r.allHeaders().catch(() => ({})))['content-security-policy']);
      }
    });
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const source = msg.location()?.url ?? '';
      // A page answered 404 or 422 on purpose is logged by Chromium as a failed load of the
      // document itself; the journeys check those statuses. A failed asset still counts.
      if (/^Failed to load resource/.test(msg.text()) && documents.has(source)) return;
      const text = `console error on ${page.url()}: ${msg.text()}${source ? ` (${source})` : ''}`;
      this.findings.consoleErrors.push(`[${this.mode}] ${this.journey}: ${text}`);
      this.problem(text);
    });
    page.on('pageerror', (err) => {
      const text = `uncaught script error on ${page.url()}: ${err.message}`;
      this.findings.consoleErrors.push(`[${this.mode}] ${this.journey}: ${text}`);
      this.problem(text);
    });
  }

  problem(text) {
    this.problems.push(text);
  }

  /**
   * Checks the page as it is now: a full-page screenshot and axe at 1280 and at 320 pixels wide.
   * `name` names the page in the screenshot's file name.
   */
  async check(page, name) {
    await page.waitForLoadState('load');
    const id = `${this.journey}-${name}`;
    this.findings.pages.add(`${id}-${this.mode}`);
    for (const size of [WIDE, NARROW]) {
      await page.setViewportSize(size);
      const file = `${id}-${size.width}${this.js ? '' : '-nojs'}.png`;
      await mkdir(this.findings.screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(this.findings.screenshotDir, file), fullPage: true });
      this.findings.screenshots.push(file);
      await this.axe(page, `[${this.mode} ${size.width}px] ${id} ${page.url()}`);
    }
    await page.setViewportSize(WIDE);
  }

  async axe(page, where) {
    const target = this.js ? page : await this.copyWithoutScripts(page);
    try {
      const results = await new AxeBuilder({ page: target }).withTags(AXE_TAGS).analyze();
      this.findings.axeRuns += 1;
      for (const v of results.violations) {
        const nodes = v.nodes.filter((n) => !isConditionalRadioExpanded(v, n));
        if (nodes.length === 0) continue;
        const text = describeViolation({ ...v, nodes }, where);
        this.findings.violations.push(text);
        this.problem(text);
      }
    } finally {
      if (target !== page) await target.close();
    }
  }

  /**
   * With JavaScript off Chromium runs no timers, and axe needs them, so axe would never finish
   * in the page itself. It checks a copy instead: the same DOM at the same address and width,
   * in a context with JavaScript on for axe alone, with the page's own scripts blocked, so what
   * it sees is what a visitor without JavaScript sees.
   */
  async copyWithoutScripts(page) {
    const html = await page.content();
    if (!this.copyContext) {
      this.copyContext = await this.browser.newContext({ javaScriptEnabled: true, baseURL: this.baseUrl });
      this.contexts.push(this.copyContext);
    }
    const copy = await this.copyContext.newPage();
    await copy.setViewportSize(page.viewportSize());
    await copy.route('**/*', (route) => {
      const request = route.request();
      if (request.isNavigationRequest() && request.frame() === copy.mainFrame()) {
        // The page's own content security policy too, so the copy applies only what it did.
        const policy = csp.get(page);
        return route.fulfill({
          status: 200,
          contentType: 'text/html; charset=utf-8',
          headers: policy ? { 'content-security-policy': policy } : {},
          body: html,
        });
      }
      if (request.resourceType() === 'script') return route.abort();
      return route.continue();
    });
    await copy.goto(page.url(), { waitUntil: 'load' });
    return copy;
  }

  async close() {
    for (const context of this.contexts) await context.close().catch(() => {});
    this.contexts = [];
  }
}
