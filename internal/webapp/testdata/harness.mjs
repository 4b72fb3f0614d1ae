// Runs app.js under a minimal fake DOM, fetch and setTimeout, for the
// package's Go tests (TestAppScript). Not part of the app.
//
//   node harness.mjs <copy of app.js as .mjs> '<scenario JSON>'
//
// scenario: {api, origin, answers: [{status, body} | {fail: true}], clicks}
//   api      the <html data-api> value
//   origin   location.origin
//   answers  what each fetch gets, in order; fail: fetch rejects (no answer)
//   clicks   how many times "Call /hello" is clicked after loading
// It prints {requests, elements, timers, answersLeft} as JSON.
import { pathToFileURL } from 'node:url';

const [appPath, scenarioJSON] = process.argv.slice(2);
const scenario = JSON.parse(scenarioJSON);

class FakeElement {
  constructor(hidden) {
    this.textContent = '';
    this.hidden = hidden;
    this.disabled = false;
    this.href = '';
    this.classes = new Set();
    this.listeners = {};
  }
  get classList() {
    return { toggle: (name, on) => (on ? this.classes.add(name) : this.classes.delete(name)) };
  }
  addEventListener(type, fn) {
    (this.listeners[type] ??= []).push(fn);
  }
}

const ids = ['status', 'signed-out', 'signed-in', 'signin', 'who', 'expires', 'call-hello', 'hello-result'];
const elements = Object.fromEntries(ids.map((id) => [id, new FakeElement(id.startsWith('signed-'))]));

globalThis.document = {
  documentElement: { dataset: scenario.api === undefined ? {} : { api: scenario.api } },
  getElementById: (id) => elements[id] ?? null,
};
globalThis.location = { origin: scenario.origin };

const requests = [];
const answers = [...(scenario.answers ?? [])];
globalThis.fetch = async (url, init = {}) => {
  requests.push({
    url: String(url),
    method: init.method ?? 'GET',
    credentials: init.credentials ?? '',
    headers: init.headers ?? {},
  });
  const a = answers.shift();
  if (a === undefined || a.fail) throw new TypeError('Failed to fetch');
  const text = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  return { status: a.status, ok: a.status >= 200 && a.status < 300, statusText: '', text: async () => text };
};

const timers = [];
globalThis.setTimeout = (_fn, ms) => timers.push(ms);
globalThis.clearTimeout = () => {};

// Lets every pending promise (the fake fetches resolve at once) run.
async function settle() {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

await import(pathToFileURL(appPath).href);
await settle();
for (let i = 0; i < (scenario.clicks ?? 0); i++) {
  for (const fn of elements['call-hello'].listeners.click ?? []) fn();
  await settle();
}

const state = Object.fromEntries(
  Object.entries(elements).map(([id, el]) => [
    id,
    { text: el.textContent, hidden: el.hidden, href: el.href, disabled: el.disabled, error: el.classes.has('error') },
  ]),
);
process.stdout.write(JSON.stringify({ requests, elements: state, timers, answersLeft: answers.length }));
