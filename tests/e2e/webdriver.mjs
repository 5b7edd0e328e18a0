// A tiny W3C WebDriver client over fetch: exactly what the end-to-end tests use, no npm
// dependencies. Spec: https://www.w3.org/TR/webdriver2/

/** The key under which W3C WebDriver returns an element reference. */
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

/** A command the driver answered with an error (`value.error` is the W3C error code). */
export class WebDriverError extends Error {
  constructor(command, httpStatus, value) {
    super(`${command}: ${value?.error ?? `HTTP ${httpStatus}`}: ${value?.message ?? JSON.stringify(value)}`);
    this.name = 'WebDriverError';
    this.code = value?.error;
  }
}

async function request(baseUrl, method, path, body, timeoutMs) {
  const command = `${method} ${path}`;
  let response;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`${command} to ${baseUrl}: ${error.name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : error.message}`, { cause: error });
  }
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(command, response.status, { error: 'invalid response', message: text.slice(0, 500) });
  }
  if (!response.ok || json?.value?.error) {
    throw new WebDriverError(command, response.status, json?.value);
  }
  return json.value;
}

/** `GET /status`: resolves when the driver answers at all, whatever it says. */
export async function driverStatus(baseUrl, { timeoutMs = 2_000 } = {}) {
  return request(baseUrl, 'GET', '/status', undefined, timeoutMs);
}

/** One WebDriver session. */
export class Session {
  #baseUrl;
  #id;

  constructor(baseUrl, id, capabilities) {
    this.#baseUrl = baseUrl;
    this.#id = id;
    this.capabilities = capabilities;
  }

  /** `POST /session`. Starting the app can be slow on a cold machine, hence the long timeout. */
  static async create(baseUrl, capabilities, { timeoutMs = 60_000 } = {}) {
    const value = await request(baseUrl, 'POST', '/session', { capabilities }, timeoutMs);
    return new Session(baseUrl, value.sessionId, value.capabilities);
  }

  get id() {
    return this.#id;
  }

  #command(method, path, body, timeoutMs = 30_000) {
    return request(this.#baseUrl, method, `/session/${this.#id}${path}`, body, timeoutMs);
  }

  /** The first element matching a CSS selector; throws `no such element` if there is none. */
  async findElement(css) {
    const value = await this.#command('POST', '/element', { using: 'css selector', value: css });
    return value[ELEMENT];
  }

  /** Every element matching a CSS selector (possibly none). */
  async findElements(css) {
    const value = await this.#command('POST', '/elements', { using: 'css selector', value: css });
    return value.map((element) => element[ELEMENT]);
  }

  /** Clicks the element, as a user would. */
  async click(element) {
    await this.#command('POST', `/element/${element}/click`, {});
  }

  /** The element's rendered text. */
  async text(element) {
    return this.#command('GET', `/element/${element}/text`);
  }

  /** Runs `script` as a function body with `arguments` = `args`; resolves to what it returns. */
  async execute(script, args = []) {
    return this.#command('POST', '/execute/sync', { script, args });
  }

  /** Like `execute`, but the script calls its last argument to finish. */
  async executeAsync(script, args = []) {
    return this.#command('POST', '/execute/async', { script, args });
  }

  /** A PNG of the current viewport. */
  async screenshot() {
    return Buffer.from(await this.#command('GET', '/screenshot'), 'base64');
  }

  /** Ends the session, which closes the app. */
  async delete() {
    await this.#command('DELETE', '');
  }
}

/**
 * Calls `probe` until it returns a truthy value (which is returned) or `timeoutMs` passes; then
 * throws with `describe()`'s account of what was last seen.
 */
export async function waitFor(probe, { timeoutMs, intervalMs = 250, describe = () => '' }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = await Promise.resolve()
        .then(describe)
        .catch((error) => `(could not describe: ${error.message})`);
      throw new Error(`gave up after ${timeoutMs} ms${seen ? `: ${seen}` : ''}${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
