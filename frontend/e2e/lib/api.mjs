// The JSON API, used to find test data and to check what the pages saved.

export class Api {
  constructor(baseUrl, password) {
    this.base = `${baseUrl}/api/v1`;
    this.password = password;
    this.tokens = new Map();
  }

  async token(email) {
    const held = this.tokens.get(email);
    // Access tokens live 15 minutes; take a new one well before that.
    if (held && Date.now() - held.at < 10 * 60 * 1000) return held.token;
    const session = await this.call('POST', '/auth/login', { body: { email, password: this.password } });
    this.tokens.set(email, { token: session.access_token, at: Date.now(), user: session.user });
    return session.access_token;
  }

  async call(method, path, { as, body } = {}) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (as) headers.authorization = `Bearer ${await this.token(as)}`;
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path}${as ? ` as ${as}` : ''} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return text ? JSON.parse(text) : null;
  }

  get(path, as) {
    return this.call('GET', path, { as });
  }

  post(path, as, body) {
    return this.call('POST', path, { as, body });
  }

  /** How many contacts (sightings) the child's chronology holds, as `as` sees it. */
  async sightingCount(childId, as) {
    const chronology = await this.get(`/children/${childId}/chronology`, as);
    return chronology.entries.filter((e) => e.type === 'sighting').length;
  }
}
