import { existsSync, mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { CustomerRepository, IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { WorkerModule } from '../../worker/src/worker.module';
import { ensureConsoleBuilt } from './console-build';

jest.setTimeout(180_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** CONSOLE_SCREENSHOTS=1 rewrites docs/console/*.png from this run (the README shows them). */
const SHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? resolve(__dirname, '../../../docs/console') : null;

/** Retries a jest assertion until it holds (the page renders asynchronously), then fails with its last error. */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();
const matches = (actual: string, want: string | RegExp, exact: boolean) =>
  typeof want === 'string' ? (exact ? expect(actual).toBe(want) : expect(actual).toContain(want)) : expect(actual).toMatch(want);

/** The few web-first assertions these tests need (playwright-core has no `expect`): each waits for the page. */
function see(l: Locator) {
  return {
    toBeVisible: (o: { timeout?: number } = {}) => l.first().waitFor({ state: 'visible', timeout: o.timeout ?? 15_000 }),
    toContainText: (want: string | RegExp | string[], o: { timeout?: number } = {}) =>
      eventually(async () => {
        if (Array.isArray(want)) {
          const all = (await l.allInnerTexts()).join(' | ');
          for (const w of want) expect(all).toContain(w);
        } else matches(await text(l.first()), want, false);
      }, o.timeout),
    toHaveText: (want: string | RegExp | string[], o: { timeout?: number } = {}) =>
      eventually(async () => {
        if (Array.isArray(want)) expect((await l.allInnerTexts()).map((t) => t.trim())).toEqual(want);
        else matches(await text(l.first()), want, true);
      }, o.timeout),
    toHaveValue: (want: string | RegExp) => eventually(async () => matches(await l.inputValue(), want, true)),
    toBeDisabled: () => eventually(async () => expect(await l.isDisabled()).toBe(true)),
    toHaveCount: (n: number) => eventually(async () => expect(await l.count()).toBe(n)),
    // A function built from text: this file is compiled without the DOM library.
    toBeFocused: () => eventually(async () => expect(await l.first().evaluate(new Function('e', 'return e === e.ownerDocument.activeElement') as never)).toBe(true)),
    not: { toHaveText: (want: string) => eventually(async () => expect(await text(l.first())).not.toBe(want)) },
  };
}

/**
 * The console in a real browser (Debian's headless Chromium) against the real api, worker,
 * Postgres and Redis: everything is set up through the API as an admin would, then driven by
 * clicks and keys as an agent and an admin would. One browser, one page per role.
 */
describe('web console in a browser', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let receiver: Server;
  const pageErrors: string[] = [];

  const admin = () => api.auth('admin');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (as .ci/run does), or set CHROMIUM_PATH`);
    await ensureConsoleBuilt();
    // A webhook receiver that refuses everything (400, never retried): its deliveries become dead letters.
    receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(400).end('no')));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    api = await startApiTestApp({ env: { DESTINATION_ALLOWED_HOSTS: '127.0.0.1' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    await seed();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await worker?.close();
    await api?.close();
    await new Promise((r) => receiver?.close(r));
  });
  beforeEach(async () => {
    // One page for the whole file; each test starts signed out at 1280 px.
    if (!page) {
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: api.url });
      page = await context.newPage();
      page.on('pageerror', (e) => pageErrors.push(e.message));
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/console/');
    await page.evaluate('sessionStorage.clear()');
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** Customers, two personas (published), a journey, treatments and a published strategy: all through the API. */
  async function seed() {
    const rows = [
      { externalId: 'ann', attributes: { email: 'ann@x.io', first_name: 'Ann', last_name: 'Lee', total_revenue: 80000, employees: 80 } },
      { externalId: 'bob', attributes: { email: 'bob@x.io', first_name: 'Bob', last_name: 'Ray', total_revenue: 1000, employees: 800 } },
      { externalId: 'bobby', attributes: { email: 'bobby@x.io', first_name: 'Bobby', last_name: 'Stone', total_revenue: 0, employees: 3 } },
      ...Array.from({ length: 10 }, (_, i) => ({ externalId: `c${i}`, attributes: { email: `c${i}@x.io`, total_revenue: i * 1000, employees: 400 + i * 100 } })),
    ];
    await api.app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, rows);
    const ok = <R extends { status: number; body: any }>(res: R, what: string): R => {
      if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
      return res;
    };
    ok(await api.http.post('/v1/personas').set(admin()).send({ key: 'champion', name: 'Champion', enabled: true, rule: { all: [{ attribute: 'total_revenue', operator: 'gte', value: 50000 }] } }), 'champion');
    ok(await api.http.post('/v1/personas').set(admin()).send({ key: 'enterprise', name: 'Enterprise', enabled: true, rule: { all: [{ attribute: 'employees', operator: 'gte', value: 500 }] } }), 'enterprise');
    const published = ok(await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 }), 'publish personas');
    expect(published.body.run.status).toBe('completed');

    ok(await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'support_call', name: 'Support call', stageKey: 'service', channel: 'phone', major: true, momentOfTruth: true, owner: 'support' }), 'tp');
    ok(await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'renewal', name: 'Renewal reminder', stageKey: 'loyalty', channel: 'email', major: false, momentOfTruth: false, owner: 'cx' }), 'tp');
    for (const [key, name, script] of [
      ['champion_script', 'Champion script', 'Thank them for being a champion'],
      ['enterprise_script', 'Enterprise script', 'Offer the account manager'],
    ]) {
      ok(await api.http.post('/v1/treatments').set(admin()).send({ key, name, type: 'agent_script', channel: 'phone', config: { script } }), key);
    }
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const secret = `whsec_${Buffer.from('console-test-signing-key-32-bytes!!').toString('base64')}`;
    const destination = ok(await api.http.post('/v1/destinations').set(admin()).send({ name: 'Refusing receiver', url, secret, timeoutMs: 2000, enabled: true }), 'destination');
    ok(await api.http.post('/v1/treatments').set(admin()).send({ key: 'renewal_mail', name: 'Renewal mail', type: 'webhook', channel: 'email', config: { destinationId: destination.body.id } }), 'webhook treatment');
    ok(
      await api.http
        .put('/v1/strategy/draft')
        .set(admin())
        .send({
          cells: [
            { personaKey: 'champion', touchpointKey: 'support_call', options: [{ treatmentKey: 'champion_script' }] },
            { personaKey: 'enterprise', touchpointKey: 'support_call', options: [{ treatmentKey: 'enterprise_script' }] },
            { personaKey: 'champion', touchpointKey: 'renewal', options: [{ treatmentKey: 'renewal_mail' }] },
          ],
        }),
      'draft',
    );
    ok(await api.http.post('/v1/strategy/publish').set(admin()).send({}), 'publish strategy');
    // Ann reaches the renewal: the worker decides, the receiver refuses, the delivery is dead.
    ok(await api.http.post('/v1/events').set(api.auth('integration')).send({ touchpoint: 'renewal', customer: 'email:ann@x.io', idempotencyKey: 'renewal-ann-1' }), 'event');
    await eventually(async () => {
      const dead = await api.http.get('/v1/deliveries').query({ status: 'dead' }).set(admin());
      expect(dead.body.items).toHaveLength(1);
    }, 60_000);
    // Ann answers a survey about the renewal: feedback on her timeline and in the cell's CSAT.
    const fb = ok(
      await api.http.post('/v1/outcomes').set(api.auth('integration')).send({ eventKey: 'renewal-ann-1', type: 'feedback', csat: 2, comment: 'Too many mails', idempotencyKey: 'ann-csat-1' }),
      'feedback',
    );
    expect(fb.body.accepted).toBe(1);
  }

  async function signIn(key: string) {
    await page.goto('/console/');
    await page.getByLabel('API key').fill(key);
    await page.keyboard.press('Enter');
    await see(page.getByText(/Signed in as/)).toBeVisible();
  }

  /** No axe-core violation of serious or critical impact on what the page shows now. */
  async function accessible(screen: string) {
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect([screen, bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)]).toEqual([screen, []]);
  }

  async function shot(name: string) {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  it('an agent signs in, finds a customer and reads why and what each touchpoint will do; the admin screens are not offered', async () => {
    await page.goto('/console/');
    await accessible('sign-in');
    // A wrong key is refused, and the key never appears in the address.
    await page.getByLabel('API key').fill('crd_nope_nope');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await see(page.getByRole('alert')).toContainText('not valid');
    await signIn(api.agentKey);
    expect(page.url()).not.toContain(api.agentKey);

    const nav = page.getByRole('navigation', { name: 'Screens' });
    await see(nav.getByRole('link')).toHaveText(['Customers']);
    await page.goto('/console/personas');
    await see(page.getByRole('alert')).toContainText('cannot use this screen');
    await see(page.getByRole('heading', { name: 'Personas' })).toHaveCount(0);

    await page.goto('/console/customers');
    // By name: two match, the agent picks one (keyboard: Enter on the focused result).
    await page.getByLabel('Search by').selectOption('name');
    await page.getByLabel('Name', { exact: true }).fill('bob');
    await page.keyboard.press('Enter');
    const results = page.getByRole('list', { name: 'Matching customers' });
    await see(results.getByRole('button')).toHaveText(['Bob Ray — bob@x.io (CRM id bob)', 'Bobby Stone — bobby@x.io (CRM id bobby)']);
    await results.getByRole('button', { name: /Bob Ray/ }).focus();
    await page.keyboard.press('Enter');
    await see(page.getByRole('heading', { name: 'Bob Ray' })).toBeVisible();
    await see(page.getByTestId('persona-why')).toHaveText('Enterprise: employees of at least 500');
    await see(page.getByRole('list', { name: 'Personas above it that did not match' })).toContainText(
      'not Champion: total revenue 1,000, needs total revenue of at least 50,000',
    );
    const support = page.locator('tr[data-touchpoint="support_call"]');
    await see(support).toContainText('Will treat: Enterprise script');
    await see(support).toContainText('Offer the account manager');
    await see(page.locator('tr[data-touchpoint="renewal"]')).toContainText('Nothing');
    await see(page.getByRole('heading', { name: 'Persona history' })).toBeVisible();
    await accessible('customer');
    await shot('customer');

    // Ann's journey so far: the renewal, what was done (the mail, dead at the receiver) and her feedback.
    await page.getByLabel('Search by').selectOption('email');
    await page.getByLabel('Email').fill('ann@x.io');
    await page.keyboard.press('Enter');
    await see(page.getByRole('heading', { name: 'Ann Lee' })).toBeVisible();
    const timeline = page.getByRole('list', { name: 'Touchpoint events, newest first' });
    await see(timeline.locator('li[data-event]', { hasText: 'renewal' })).toHaveCount(1);
    await see(timeline).toContainText('Treated: renewal_mail');
    await see(timeline).toContainText('email dead');
    await see(timeline.getByRole('list', { name: 'Outcomes and feedback' })).toContainText('Feedback: CSAT 2/5');
    await see(timeline).toContainText('Too many mails');
    await see(page.getByTestId('experience-score')).toContainText('last CSAT 2/5');
    await accessible('customer with a timeline');

    // Readable on a phone: nothing wider than the screen but the scrollable tables.
    await page.setViewportSize({ width: 390, height: 844 });
    // (Strings, not functions: this file is compiled without the DOM library.)
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(overflow).toBeLessThanOrEqual(390);
    await accessible('customer at 390 px');
    await shot('customer-390');

    // The key lives in session storage only.
    const stored = await page.evaluate(`({ session: sessionStorage.getItem('corridor.apiKey'), local: localStorage.length, cookie: document.cookie })`);
    expect(stored).toEqual({ session: api.agentKey, local: 0, cookie: '' });
  });

  it('an admin builds a persona rule, sees the error at the condition, fixes it, previews and publishes, and the sizes change', async () => {
    await signIn(api.adminKey);
    await page.getByRole('link', { name: 'Personas' }).click();
    const enterpriseSize = page.getByTestId('size-enterprise');
    await see(enterpriseSize).toHaveText('10'); // bob (800 employees) and c1…c9 (500…1,300)
    await accessible('personas');

    await page.getByRole('button', { name: 'Edit rule of Enterprise' }).click();
    const condition = page.locator('[data-path="$.all[0]"]');
    await see(condition.getByLabel('Attribute')).toHaveValue('employees');
    // Operators offered fit the type (a number): no `contains`.
    await see(condition.getByLabel('Operator').locator('option')).toContainText(['gte', 'between']);
    expect(await condition.getByLabel('Operator').locator('option', { hasText: 'contains' }).count()).toBe(0);

    const value = condition.getByLabel('Value');
    await value.fill('');
    await see(condition.getByRole('alert')).toContainText(/number/i);
    await see(page.getByTestId('rule-status')).toContainText('1 problem');
    await see(page.getByRole('button', { name: 'Save rule' })).toBeDisabled();
    await accessible('personas with a rule error');

    await value.fill('900'); // bob and c1…c4 (500…800) leave Enterprise
    await see(page.getByTestId('rule-status')).toHaveText('The rule is valid.');
    // The JSON beside the form follows it.
    await see(page.getByLabel('Rule as JSON')).toHaveValue(/"value": 900/);
    // Preview while editing: the unsaved rule, inline; publishing waits for a save.
    await page.getByRole('button', { name: 'Preview with the unsaved rule' }).click();
    await see(page.getByTestId('preview-enterprise')).toHaveText(/Enterprise\s*5$/, { timeout: 60_000 });
    await see(page.getByText('This preview includes an unsaved rule')).toBeVisible();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await see(page.getByText('Saved to the draft')).toBeVisible();

    await page.getByRole('button', { name: 'Preview the draft' }).click();
    await see(page.getByRole('table', { name: /Transitions/ })).toBeVisible({ timeout: 60_000 });
    await see(page.getByTestId('preview-enterprise')).toHaveText(/Enterprise\s*5$/);
    await accessible('persona preview');
    await shot('personas');

    await page.getByRole('button', { name: 'Publish…' }).click();
    await see(page.getByTestId('moving')).toHaveText('5');
    await page.getByRole('button', { name: 'Publish now' }).click();
    await see(page.getByTestId('publish-status')).toContainText('is live', { timeout: 60_000 });
    await see(enterpriseSize).toHaveText('5');
  });

  it('an admin edits a strategy cell, sees gaps, previews and publishes', async () => {
    await signIn(api.adminKey);
    await page.getByRole('link', { name: 'Journey & strategy' }).click();
    await see(page.getByRole('heading', { name: 'Journey and strategy' })).toBeVisible();
    await see(page.getByRole('heading', { name: 'Service' })).toBeVisible();
    // The fallback has nothing at the support call, a moment of truth: a highlighted gap.
    const fallbackGap = page.locator('td.gap').first();
    await see(fallbackGap).toContainText('Gap: no treatment planned');
    await accessible('strategy');

    await page.getByRole('button', { name: 'Edit Enterprise at Support call' }).click();
    await page.getByLabel('Option 1 treatment').selectOption('champion_script');
    await page.getByRole('button', { name: 'Save cell' }).click();
    await see(page.getByTestId('strategy-status')).toContainText('Cell saved');
    await see(page.locator('[data-cell="enterprise/support_call"]')).toContainText('Champion script');

    await page.getByRole('button', { name: 'Preview the draft' }).click();
    await see(page.getByTestId('strategy-changes')).not.toHaveText('0');
    await shot('strategy');
    await page.getByRole('button', { name: 'Publish…' }).click();
    await page.getByRole('button', { name: 'Publish now' }).click();
    await see(page.getByTestId('strategy-status')).toContainText('Published strategy version 2');
    const live = await api.http.get('/v1/strategy/versions/2').set(admin());
    expect(live.status).toBe(200);
    expect(live.body.cells).toContainEqual({ personaKey: 'enterprise', touchpointKey: 'support_call', options: [{ treatmentKey: 'champion_script' }] });
  });

  it('an admin reads per-cell figures, sets a CSAT target and edits the contact policies', async () => {
    await signIn(api.adminKey);
    await page.getByRole('link', { name: 'Journey & strategy' }).click();
    // Champion at the renewal: one decision, treated (its delivery dead, so nothing sent), Ann's CSAT 2.
    const cell = page.locator('[data-figures="champion/renewal"]');
    await see(cell).toContainText('0 sent · 0 suppressed · 0 held out');
    await see(cell).toContainText('Lift: too few');
    await see(cell).toContainText('CSAT 2.00 (no target)');
    // A target, from the keyboard: the form opens focused on its input.
    await cell.getByRole('button', { name: 'CSAT target for champion at renewal' }).click();
    await see(page.getByLabel('CSAT target (1–5) for champion at renewal')).toBeFocused();
    await page.keyboard.type('4.5');
    await page.keyboard.press('Enter');
    await see(cell).toContainText('CSAT 2.00 against target 4.5 (below target)');
    const targets = await api.http.get('/v1/measures/targets').set(admin());
    expect(targets.body.items).toEqual([expect.objectContaining({ personaKey: 'champion', touchpointKey: 'renewal', target: 4.5 })]);
    await accessible('strategy with figures');

    // Contact policies: a 5 % holdout and an email cap, saved to the draft.
    const policies = page.getByRole('region', { name: 'Contact policies (draft)' });
    await policies.getByLabel(/Holdout/).fill('5');
    await policies.getByRole('button', { name: 'Add cap' }).click();
    await policies.getByLabel('At most').fill('2');
    await policies.getByLabel('Period').selectOption('week');
    await policies.getByRole('checkbox', { name: /quiet hours/ }).check();
    await policies.getByRole('button', { name: 'Save policies to the draft' }).click();
    await see(page.getByTestId('strategy-status')).toContainText('Contact policies saved');
    const draft = await api.http.get('/v1/strategy/draft').set(admin());
    expect(draft.body.policies).toMatchObject({ holdoutPercent: 5, caps: [{ scope: 'channel', key: 'email', period: 'week', max: 2 }], quietHours: { start: '21:00', end: '08:00', channels: ['phone', 'sms'] } });
    // A bad value is refused by the API with the field named.
    await policies.getByLabel('Default time zone').fill('Mars/Olympus');
    await policies.getByRole('button', { name: 'Save policies to the draft' }).click();
    await see(policies.getByRole('alert')).toContainText(/time ?zone/i);
    await accessible('contact policies');

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await accessible('strategy at 390 px');
  });

  it('an admin creates a persona and reorders the priorities from the keyboard', async () => {
    await signIn(api.adminKey);
    await page.getByRole('link', { name: 'Personas' }).click();
    await page.getByRole('button', { name: 'New persona…' }).click();
    await see(page.getByLabel('Key')).toBeFocused();
    // A key the API refuses is named at the field.
    await page.getByLabel('Key').fill('order');
    await page.getByLabel('Name', { exact: true }).fill('Newcomers');
    await page.getByLabel('Position in the order').selectOption('1');
    await page.getByLabel('First condition: customers with').selectOption('email');
    await page.getByRole('button', { name: 'Create persona' }).click();
    await see(page.locator('form.create-persona').getByRole('alert')).toContainText('key');
    await accessible('new persona with an error');
    await page.getByLabel('Key').fill('newcomer');
    await page.getByRole('button', { name: 'Create persona' }).click();
    // Created first in the order, and its rule opens in the builder.
    await see(page.locator('tr[data-persona]').first()).toContainText('Newcomers');
    await see(page.locator('[data-path="$.all[0]"]').getByLabel('Attribute')).toHaveValue('email');

    // Move it below Champion and Enterprise with the keyboard, then save the order.
    await page.getByRole('button', { name: 'Move Newcomers down' }).focus();
    await page.keyboard.press('Enter');
    await see(page.getByRole('button', { name: 'Move Newcomers down' })).toBeFocused();
    await page.keyboard.press('Enter');
    await eventually(async () => expect((await page.locator('tr[data-persona] th').allInnerTexts()).slice(0, 3).map((t) => t.split(/\s/)[0])).toEqual(['Champion', 'Enterprise', 'Newcomers']));
    await see(page.getByText('Order changed, not saved.')).toBeVisible();
    await accessible('personas reordered');
    await page.getByRole('button', { name: 'Save order' }).click();
    await see(page.getByTestId('order-status')).toContainText('Order saved');
    const order = await api.http.get('/v1/personas/order').set(admin());
    expect(order.body.keys).toEqual(['champion', 'enterprise', 'newcomer']);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await accessible('personas at 390 px');
  });

  it('an admin sees operations: re-segmentation runs, the queue board and dead letters', async () => {
    await signIn(api.adminKey);
    await page.getByRole('link', { name: 'Operations' }).click();
    await see(page.getByRole('heading', { name: 'Re-segmentation' })).toBeVisible();
    await see(page.getByText(/completed/).first()).toBeVisible();
    const deadRow = page.getByRole('table').locator('tbody tr');
    await see(deadRow).toContainText('renewal_mail');
    await see(deadRow).toContainText('HTTP 400');
    await accessible('operations');
    await shot('operations');
    await deadRow.getByRole('button', { name: /Replay delivery/ }).click();
    await see(page.getByRole('status')).toContainText('is pending again');
    // The replay is real: the worker tries again, the receiver still refuses, and the letter is dead again, replayed once.
    await eventually(async () => {
      const dead = await api.http.get('/v1/deliveries').query({ status: 'dead' }).set(admin());
      expect(dead.body.items.map((d: { replays: number }) => d.replays)).toEqual([1]);
    }, 30_000);

    const [board] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Open queues' }).click()]);
    await board.waitForLoadState();
    expect(board.url()).toBe(`${api.url}/admin/queues`);
    await see(board.getByText('segmentation', { exact: false }).first()).toBeVisible({ timeout: 20_000 });
    await board.close();
  });
});
