// Finds the demo data the journeys need through the JSON API, and adds what the demo lacks.

export const TEACHER = 'teacher@demo.example';
export const AUDITOR = 'auditor@demo.example';
export const ADMIN = 'admin@demo.example';

const TIMEZONE = process.env.E2E_TIMEZONE || 'Europe/London';

/** Today in the service's time zone, as YYYY-MM-DD. */
export function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE }).format(new Date());
}

/** "23 November 2026", as the pages say a date. */
export function inWords(isoDate) {
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${isoDate}T00:00:00Z`));
}

function shift(isoDate, { days = 0, years = 0 }) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const fullName = (c) => `${c.given_name} ${c.family_name}`;

function monthsOld(dob, on) {
  const [by, bm] = dob.split('-').map(Number);
  const [y, m] = on.split('-').map(Number);
  return (y - by) * 12 + (m - bm);
}

export async function discover(api) {
  const users = (await api.get('/users', ADMIN)).items;
  const emailOf = new Map(users.map((u) => [u.id, u.email]));

  // The auditor may read every child: the whole demo, with each child's open plan.
  const everyone = (await api.get('/dashboard', AUDITOR)).children;
  const records = await Promise.all(everyone.map((line) => api.get(`/children/${line.child_id}`, AUDITOR)));
  const children = records.map((r) => {
    const plan = r.plans.find((p) => !p.end_date);
    return {
      id: r.id,
      name: fullName(r),
      dob: r.date_of_birth,
      familyId: r.family_id,
      leadEmail: plan ? emailOf.get(plan.lead_social_worker_id) : undefined,
    };
  });

  const teachers = new Set((await api.get('/dashboard', TEACHER)).children.map((c) => c.child_id));
  const notTheTeachers = children.find((c) => !teachers.has(c.id));

  // Families of three or more children on open plans, all led by one social worker.
  const families = [];
  const byFamily = new Map();
  for (const c of children.filter((c) => c.familyId)) {
    byFamily.set(c.familyId, [...(byFamily.get(c.familyId) ?? []), c]);
  }
  for (const [familyId, members] of byFamily) {
    const leads = new Set(members.map((c) => c.leadEmail));
    if (members.length >= 3 && leads.size === 1 && members[0].leadEmail) {
      families.push({ familyId, leadEmail: members[0].leadEmail, children: members, made: false });
    }
  }
  // A family with a baby asks whether each baby was seen awake: make one if the demo has none.
  for (const f of families) f.baby = f.children.some((c) => monthsOld(c.dob, today()) < 12);
  if (!families.some((f) => f.baby)) families.push(await makeFamily(api, users));

  return {
    teachers,
    notTheTeachers,
    families,
    children,
    leadOf: (childId) => children.find((c) => c.id === childId)?.leadEmail,
  };
}

/** Three fictional siblings (one a baby) on plans led by one social worker. */
async function makeFamily(api, users) {
  const worker =
    users.find((u) => u.email === 'worker11@demo.example') ??
    users.find((u) => u.role === 'social_worker' && u.team_id && u.active);
  const chair = users.find((u) => u.role === 'cp_chair' && u.active);
  if (!worker || !chair) throw new Error('the demo has no social worker with a team, or no chair');
  const as = worker.email;
  const family = await api.post('/families', as, {});
  const day = today();
  const made = [];
  for (const [given, dob] of [
    ['Ada', shift(day, { years: -7 })],
    ['Bo', shift(day, { years: -4 })],
    ['Cy', shift(day, { days: -120 })],
  ]) {
    const child = await api.post('/children', as, {
      given_name: given,
      family_name: 'Samplewood',
      date_of_birth: dob,
      family_id: family.id,
    });
    await api.post(`/children/${child.id}/plans`, as, {
      start_date: shift(day, { days: -20 }),
      category: 'neglect',
      team_id: worker.team_id,
      lead_social_worker_id: worker.id,
      cp_chair_id: chair.id,
    });
    made.push({ id: child.id, name: fullName(child), dob, familyId: family.id, leadEmail: as });
  }
  return { familyId: family.id, leadEmail: as, children: made, made: true, baby: true };
}
