// The journeys: what the people who use coregroup do, one browser context each, run with
// JavaScript on and again with it off.

import { equal, expectHeading, glimpse, includes, ok, Failure, clip } from './lib/assert.mjs';
import { TEACHER, today, inWords } from './lib/data.mjs';

/** Clicks something that submits a form, and waits for the page that answers. */
async function submit(page, control) {
  const arrived = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await control.click();
  await arrived;
  await page.waitForLoadState('load');
}

/**
 * Opens `path` signed out, which must lead to the sign-in page; signs in there as `email` and
 * lands back on `path`. Both pages are checked.
 */
async function signIn(t, page, email, path) {
  await page.goto(t.url(path));
  const at = new URL(page.url());
  equal(at.pathname, '/sign-in', `opening ${path} signed out should lead to the sign-in page`);
  await expectHeading(page, 'Sign in to coregroup');
  await t.check(page, 'sign-in');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(t.password);
  await submit(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  const landed = new URL(page.url());
  if (landed.pathname === '/sign-in') {
    throw new Failure(`signing in as ${email} failed: ${await glimpse(page)}`);
  }
  equal(landed.pathname + landed.search, path, `after signing in as ${email}, the page`);
}

function childRow(page, name) {
  return page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
}

/** A child of the teacher's not yet seen today (each mode takes another). */
async function teachersChildNotSeenToday(t) {
  const lines = (await t.api.get('/dashboard', TEACHER)).children;
  const child = lines.find(
    (c) => c.any_agency.last_seen !== today() && t.data.leadOf(c.child_id) && !t.shared.taken.has(c.child_id),
  );
  ok(child, 'the teacher has no child on a plan who was not seen today (the demo data changed?)');
  t.shared.taken.add(child.child_id);
  return { id: child.child_id, name: `${child.given_name} ${child.family_name}` };
}

// 1. A teacher records "seen" in three actions; a double submit or a replay makes one record.
async function teacherRecordsSighting(t) {
  const child = await teachersChildNotSeenToday(t);
  const before = await t.api.sightingCount(child.id, TEACHER);
  const page = await t.newPage();

  await signIn(t, page, TEACHER, '/record');
  await expectHeading(page, 'Which child did you see?');
  await t.check(page, 'choose-child');

  // Action 1: choose the child.
  await submit(page, page.getByRole('link', { name: child.name, exact: true }));
  equal(new URL(page.url()).pathname, `/children/${child.id}/record`, 'choosing the child opens');
  await expectHeading(page, `Did you see ${child.name}?`);
  await t.check(page, 'record');

  // Action 2: "Seen". Where and when are already filled in.
  await page.getByRole('group', { name: `Did you see ${child.name}?` }).getByLabel('Seen', { exact: true }).check();
  const form = page.locator(`form[action="/children/${child.id}/record"]`);
  const fields = await form.evaluate((f) => Object.fromEntries(new FormData(f)));
  ok(fields.idempotency_key, 'the form carries no idempotency key');
  equal(fields.outcome, 'seen', 'the chosen outcome');

  // Action 3: "Save", double-clicked as an impatient person does (the browser sends it once).
  const arrived = page.waitForURL(/\/sightings\/[^/]+\/recorded$/);
  await form.getByRole('button', { name: 'Save', exact: true }).dblclick();
  await arrived;
  await page.waitForLoadState('load');
  const confirmation = await page.locator('.govuk-panel').innerText().catch(() => '');
  includes(confirmation, 'Contact recorded', 'the confirmation panel');
  await t.check(page, 'recorded');

  // The same form sent again, twice at once (a replay, a retry on a slow line): each answer
  // leads to the first record.
  const replays = await Promise.all(
    [1, 2].map(() =>
      page.request.post(t.url(`/children/${child.id}/record`), { form: fields, maxRedirects: 0 }),
    ),
  );
  for (const replay of replays) {
    equal(replay.status(), 303, 'the replayed form answers with a redirect');
    equal(replay.headers().location, new URL(page.url()).pathname, 'the replay leads to the first record');
  }

  const after = await t.api.sightingCount(child.id, TEACHER);
  equal(after - before, 1, `contacts added to ${child.name}'s chronology by a double click and a replay`);
  const day = ['occurred-year', 'occurred-month', 'occurred-day'].map((f) => fields[f].padStart(2, '0')).join('-');
  t.state.recorded = { ...child, day };
}

// 2. The child's lead social worker sees the "Seen by any agency" clock restarted today.
async function leadSeesClockReset(t) {
  const child = t.state.recorded;
  ok(child, 'journey 1 recorded no contact in this mode, so there is nothing to look for');
  const lead = t.data.leadOf(child.id);
  const page = await t.newPage();

  await signIn(t, page, lead, '/children');
  await expectHeading(page, 'My children');
  await t.check(page, 'my-children');

  const row = childRow(page, child.name);
  ok((await row.count()) === 1, `${child.name} is not listed on ${lead}'s "My children": ${await glimpse(page)}`);
  const seen = await row.locator('td').nth(0).innerText();
  includes(seen, 'On time', `"Seen by any agency" for ${child.name}`);
  includes(seen, `Seen ${inWords(child.day)}`, `"Seen by any agency" for ${child.name}`);

  // The filters are a GET form: the same with or without JavaScript.
  const team = await page.locator('#team option').nth(1).getAttribute('value');
  ok(team, 'the team filter offers no team');
  await page.locator('#team').selectOption(team);
  await submit(page, page.getByRole('button', { name: 'Apply filters' }));
  const query = new URL(page.url()).searchParams;
  equal(query.get('team'), team, 'the team filter in the address');
  await expectHeading(page, 'My children');
  await t.check(page, 'my-children-filtered');

  await page.goto(t.url('/children'));
  await submit(page, page.getByRole('link', { name: child.name, exact: true }));
  await expectHeading(page, child.name);
  await t.check(page, 'child');
}

const OUTCOMES = ['Seen alone', 'Seen with a carer', 'Seen'];

// 3. A social worker records one home visit for three siblings.
async function familyVisit(t) {
  // With JavaScript off, the family with a baby (asked whether the baby was seen awake).
  const families = t.data.families;
  const family = t.js
    ? (families.find((f) => !f.baby) ?? families[0])
    : (families.find((f) => f.baby) ?? families[families.length - 1]);
  const before = new Map();
  for (const c of family.children) before.set(c.id, await t.api.sightingCount(c.id, family.leadEmail));
  const page = await t.newPage();

  await signIn(t, page, family.leadEmail, `/families/${family.familyId}/visit`);
  await expectHeading(page, 'Record a family home visit');
  await t.check(page, 'visit');

  const announced = page.getByRole('group', { name: 'Was the visit announced?' });
  await announced.getByLabel('Yes', { exact: true }).check();
  for (const [i, c] of family.children.entries()) {
    const part = page.locator('fieldset.app-child-fieldset', { has: page.getByRole('heading', { name: c.name, exact: true }) });
    ok((await part.count()) === 1, `the visit form has no field set for ${c.name}: ${await glimpse(page)}`);
    await part.getByRole('group', { name: `Did you see ${c.name}?` }).getByLabel(OUTCOMES[i % OUTCOMES.length], { exact: true }).check();
    await part.getByRole('group', { name: `Did you see where ${c.name} sleeps?` }).getByLabel('Yes', { exact: true }).check();
    const awake = part.getByRole('group', { name: `Was ${c.name} seen awake?` });
    if ((await awake.count()) > 0) await awake.getByLabel('Yes', { exact: true }).check();
    await part.getByLabel(`What did ${c.name} say? (optional)`).fill(`Synthetic words of child ${i + 1}: I like my room.`);
    await part.getByLabel('What did you notice? (optional)').fill('Synthetic observation: warm, fed, playing.');
  }
  await submit(page, page.getByRole('button', { name: 'Continue', exact: true }));
  await expectHeading(page, 'Check your answers before saving the visit');
  for (const c of family.children) {
    ok((await page.getByRole('heading', { name: c.name, exact: true }).count()) === 1, `"Check your answers" does not name ${c.name}`);
  }
  await t.check(page, 'visit-check');

  await submit(page, page.getByRole('button', { name: 'Save the visit', exact: true }));
  ok(/\/visits\/[^/]+\/recorded$/.test(new URL(page.url()).pathname), `saving the visit led to ${await glimpse(page)}`);
  includes(await page.locator('.govuk-panel').innerText().catch(() => ''), 'Visit recorded', 'the confirmation panel');
  const listed = await page.locator('main').innerText();
  for (const c of family.children) includes(listed, c.name, 'the confirmation');
  await t.check(page, 'visit-recorded');

  for (const c of family.children) {
    const after = await t.api.sightingCount(c.id, family.leadEmail);
    equal(after - before.get(c.id), 1, `records added for ${c.name} by the visit`);
  }
}

async function errorSummaryLinksTo(page, fieldId, message) {
  const title = await page.title();
  ok(title.startsWith('Error: '), `the title should start with "Error: ", it is "${title}"`);
  const summary = page.locator('.govuk-error-summary');
  ok((await summary.count()) === 1, `no error summary: ${await glimpse(page)}`);
  includes(await summary.innerText(), 'There is a problem', 'the error summary');
  const link = summary.locator(`a[href="#${fieldId}"]`);
  ok((await link.count()) === 1, `the error summary has no link to #${fieldId}: ${clip(await summary.innerHTML())}`);
  includes(await link.innerText(), message, `the error summary's link to #${fieldId}`);
  ok((await page.locator(`#${fieldId}`).count()) === 1, `the summary links to #${fieldId}, which is not on the page`);
  ok((await page.locator(`#${fieldId}-error`).count()) === 1, `the field #${fieldId} has no error message of its own`);
  // Following the link lands on the field: govuk-frontend focuses it, or the browser jumps to it.
  await link.click();
  const landed = await page.evaluate(
    (id) => location.hash === `#${id}` || document.activeElement?.id === id,
    fieldId,
  );
  ok(landed, `following the error summary's link did not reach #${fieldId}`);
}

// 4. Errors: the GOV.UK error summary, linked to each field, and "Error: " in the title.
async function errors(t) {
  const child = [...t.data.teachers][0];
  const before = await t.api.sightingCount(child, TEACHER);
  const page = await t.newPage();
  const path = `/children/${child}/record`;

  await page.goto(t.url(path));
  await expectHeading(page, 'Sign in to coregroup');
  await t.check(page, 'sign-in');
  await submit(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  await errorSummaryLinksTo(page, 'email', 'Enter your email address');
  await t.check(page, 'sign-in-error');

  await page.locator('#email').fill(TEACHER);
  await page.locator('#password').fill(t.password);
  await submit(page, page.getByRole('button', { name: 'Sign in', exact: true }));
  equal(new URL(page.url()).pathname, path, 'after signing in, the page');
  await t.check(page, 'record');

  const response = page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest());
  await submit(page, page.getByRole('button', { name: 'Save', exact: true }));
  equal((await response).status(), 422, 'the status of a form with errors');
  await errorSummaryLinksTo(page, 'outcome', 'Select whether you saw the child');
  await t.check(page, 'record-error');
  equal(await t.api.sightingCount(child, TEACHER), before, 'contacts recorded by a form with errors');
}

// 5. A child who is not theirs and a made-up one give a practitioner the same "Page not found".
async function notFound(t) {
  const other = t.data.notTheTeachers;
  ok(other, 'every child in the demo is in the teacher\'s core group: no child to try');
  const page = await t.newPage();
  await signIn(t, page, TEACHER, `/children/${other.id}`);
  const notTheirs = await page.goto(t.url(`/children/${other.id}`));
  equal(notTheirs.status(), 404, `the status of another child's page (${other.name})`);
  await expectHeading(page, 'Page not found');
  const shown = await page.locator('main').innerText();
  const title = await page.title();
  ok(!shown.includes(other.name) && !title.includes(other.name), 'the 404 page names the child');
  await t.check(page, 'not-theirs');

  const madeUp = await page.goto(t.url('/children/00000000-0000-4000-8000-000000000000'));
  equal(madeUp.status(), 404, 'the status of a made-up child\'s page');
  await expectHeading(page, 'Page not found');
  equal(await page.locator('main').innerText(), shown, 'the made-up child\'s page, against the hidden child\'s');
  equal(await page.title(), title, 'the made-up child\'s title, against the hidden child\'s');
  await t.check(page, 'made-up');

  const record = await page.goto(t.url(`/children/${other.id}/record`));
  equal(record.status(), 404, 'the status of recording a contact for a child not theirs');
  await expectHeading(page, 'Page not found');
}

// 6. Signing out ends the session: the old cookie no longer opens a page.
async function signOut(t) {
  const page = await t.newPage();
  await signIn(t, page, TEACHER, '/children');
  await expectHeading(page, 'My children');
  await t.check(page, 'my-children');
  const context = page.context();
  const session = (await context.cookies()).find((c) => c.name === 'coregroup_session');
  ok(session, 'signing in set no coregroup_session cookie');
  ok(session.httpOnly, 'the session cookie is not HttpOnly');

  await submit(page, page.getByRole('button', { name: /^Sign out/ }));
  await expectHeading(page, 'You have signed out');
  await t.check(page, 'signed-out');

  await page.goto(t.url('/children'));
  equal(new URL(page.url()).pathname, '/sign-in', 'opening "My children" after signing out leads to');

  // The old cookie, kept by someone who copied it, opens nothing.
  const replay = await page.request.get(t.url('/children'), {
    headers: { cookie: `coregroup_session=${session.value}` },
    maxRedirects: 0,
  });
  equal(replay.status(), 303, 'the answer to the old session cookie');
  const to = replay.headers().location ?? '';
  ok(/^\/(sign-in|session-ended)\b/.test(to), `the old session cookie was sent to ${to}, not to sign in`);

  await context.addCookies([session]);
  await page.goto(t.url('/children'));
  const at = new URL(page.url()).pathname;
  ok(at === '/sign-in' || at === '/session-ended', `the old session cookie opened ${await glimpse(page)}`);
  if (at === '/session-ended') {
    await expectHeading(page, 'Your session has ended');
    ok((await page.getByRole('link', { name: 'Sign in again' }).count()) === 1, 'the session-ended page has no link to sign in');
    await t.check(page, 'session-ended');
  }
}

// A health visitor records a home contact: seen alone, at home, with the child's words.
async function healthVisitorRecordsContact(t) {
  const who = 'healthvisitor@demo.example';
  const lines = (await t.api.get('/dashboard', who)).children;
  // A child no other journey uses, if there is one; a contact more does not disturb them.
  const line = lines.find((c) => !t.shared.taken.has(c.child_id)) ?? lines[0];
  ok(line, 'the health visitor has no child on a plan (the demo data changed?)');
  t.shared.taken.add(line.child_id);
  const name = `${line.given_name} ${line.family_name}`;
  const before = await t.api.sightingCount(line.child_id, who);
  const page = await t.newPage();

  await signIn(t, page, who, '/record');
  await submit(page, page.getByRole('link', { name, exact: true }));
  await expectHeading(page, `Did you see ${name}?`);
  await page.getByRole('group', { name: `Did you see ${name}?` }).getByLabel('Seen alone', { exact: true }).check();
  await page.getByRole('group', { name: 'Where?' }).getByLabel('Home', { exact: true }).check();
  await page.locator('#childs_voice').fill('Said the new baby cries at night and that is fine.');
  await t.check(page, 'record');
  await submit(page, page.getByRole('button', { name: 'Save', exact: true }));
  includes(await page.locator('.govuk-panel').innerText().catch(() => ''), 'Contact recorded', 'the confirmation panel');
  await t.check(page, 'recorded');

  equal((await t.api.sightingCount(line.child_id, who)) - before, 1, `contacts added to ${name}'s chronology`);
  await page.getByRole('link', { name: "See the child's record" }).click();
  await page.waitForLoadState('load');
  includes(await page.locator('main').innerText(), 'Said the new baby cries at night', "the child's page shows their words");
  await t.check(page, 'child');
}

// The pages anyone may open.
async function publicPages(t) {
  const page = await t.newPage();
  await page.goto(t.url('/'));
  equal(new URL(page.url()).pathname, '/sign-in', 'the home page, signed out, leads to');

  await page.goto(t.url('/accessibility'));
  await expectHeading(page, 'Accessibility statement for coregroup');
  await t.check(page, 'accessibility');

  await page.goto(t.url('/cookies'));
  await expectHeading(page, 'Cookies');
  await t.check(page, 'cookies');

  const missing = await page.goto(t.url('/no-such-page'));
  equal(missing.status(), 404, 'the status of an address that names no page');
  await expectHeading(page, 'Page not found');
  await t.check(page, 'not-found');
}

export const JOURNEYS = [
  { id: 'sighting', title: '1. a teacher records a sighting in three actions; a double submit makes one record', run: teacherRecordsSighting },
  { id: 'clock', title: '2. the lead social worker sees the child\'s "Seen by any agency" clock restarted', run: leadSeesClockReset },
  { id: 'health', title: 'a health visitor records a home contact, seen alone, with the child\'s voice', run: healthVisitorRecordsContact },
  { id: 'visit', title: '3. a social worker records one home visit for three siblings', run: familyVisit },
  { id: 'errors', title: '4. errors: the error summary links to the field; the title starts "Error: "', run: errors },
  { id: 'notfound', title: '5. another child\'s page and a made-up one are the same "Page not found"', run: notFound },
  { id: 'signout', title: '6. signing out ends the session', run: signOut },
  { id: 'public', title: 'the accessibility statement, cookies and 404 pages', run: publicPages },
];
