// Small assertions that say what the page showed when they fail.

export class Failure extends Error {}

export function ok(condition, message) {
  if (!condition) throw new Failure(message);
}

export function equal(actual, expected, what) {
  if (actual !== expected) {
    throw new Failure(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function includes(text, part, what) {
  if (!String(text).includes(part)) {
    throw new Failure(`${what}: expected it to contain ${JSON.stringify(part)}, got ${JSON.stringify(clip(text))}`);
  }
}

export function clip(text, n = 400) {
  const t = String(text).replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

/** The page's main heading and the start of its main content, for a failure message. */
export async function glimpse(page) {
  const h1 = await page.locator('h1').first().innerText({ timeout: 2_000 }).catch(() => '(no h1)');
  const main = await page.locator('main').first().innerText({ timeout: 2_000 }).catch(() => '');
  return `${page.url()} — h1 "${h1}" — ${clip(main, 300)}`;
}

export async function heading(page) {
  return (await page.locator('h1').first().innerText()).trim();
}

export async function expectHeading(page, expected) {
  const h1 = await page.locator('h1').first().innerText({ timeout: 5_000 }).catch(() => null);
  if (h1 === null || h1.trim() !== expected) {
    throw new Failure(`expected the heading "${expected}", but the page was ${await glimpse(page)}`);
  }
}
