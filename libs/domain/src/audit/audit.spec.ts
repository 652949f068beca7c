import { auditedRoute, REDACTED, redactSecrets } from '../index';

describe('auditedRoute', () => {
  const cases: Array<[string, string, Record<string, string>, string | null, string | null]> = [
    ['POST', '/v1/personas', {}, 'persona.create', null],
    ['POST', '/v1/personas/publish', {}, 'persona.publish', null],
    ['PUT', '/v1/personas/order', {}, 'persona.order.update', null],
    ['PATCH', '/v1/personas/:key', { key: 'vip' }, 'persona.update', 'vip'],
    ['DELETE', '/v1/api-keys/:id', { id: 'k1' }, 'api_key.delete', 'k1'],
    ['PATCH', '/v1/connections/:id', { id: 'c1' }, 'connection.update', 'c1'],
    ['POST', '/v1/connections/:id/sync', { id: 'c1' }, 'connection.sync', 'c1'],
    ['POST', '/v1/connections/:id/sync-runs/:runId/cancel', { id: 'c1', runId: 'r1' }, 'connection.sync_runs.cancel', 'c1/r1'],
    ['PUT', '/v1/strategy/draft', {}, 'strategy.draft.update', null],
    ['POST', '/v1/strategy/publish', {}, 'strategy.publish', null],
    ['PUT', '/v1/experience/settings', {}, 'experience.settings.update', null],
    ['POST', '/v1/journey/stages', {}, 'journey_stage.create', null],
    ['PUT', '/v1/measures/targets/:personaKey/:touchpointKey', { personaKey: 'p', touchpointKey: 't' }, 'measure_target.update', 'p/t'],
    ['PUT', '/v1/event-sources/:key', { key: 'seg' }, 'event_source.update', 'seg'],
    ['POST', '/v1/deliveries/:id/replay', { id: '9' }, 'delivery.replay', '9'],
    ['POST', '/v1/customers/:ref/erase', { ref: 'email:a@b.c' }, 'customer.erase', 'email:a@b.c'],
  ];
  it.each(cases)('%s %s is %s', (method, route, params, action, target) => {
    expect(auditedRoute(method, route, params)).toEqual({ action, targetType: action!.split('.')[0], targetId: target });
  });

  it('leaves out reads and routes that only try something', () => {
    expect(auditedRoute('GET', '/v1/personas', {})).toBeNull();
    expect(auditedRoute('POST', '/v1/personas/validate', {})).toBeNull();
    expect(auditedRoute('POST', '/v1/rules/evaluate', {})).toBeNull();
    expect(auditedRoute('POST', '/v1/connections/:id/test', { id: 'c' })).toBeNull();
  });
});

describe('redactSecrets', () => {
  it('replaces secrets by field name, at any depth, and leaves the rest', () => {
    const doc = {
      name: 'HubSpot',
      credentials: { accessToken: 'pat-1' },
      settings: { basePath: 'http://x', nested: [{ clientSecret: 's', password: 'p', username: 'u' }] },
      secret: 'whsec_1',
      webhook_secret: 'w',
      apiKey: 'k',
      key: 'vip',
      hasSecret: true,
    };
    expect(redactSecrets(doc)).toEqual({
      name: 'HubSpot',
      credentials: REDACTED,
      settings: { basePath: 'http://x', nested: [{ clientSecret: REDACTED, password: REDACTED, username: 'u' }] },
      secret: REDACTED,
      webhook_secret: REDACTED,
      apiKey: REDACTED,
      key: 'vip',
      hasSecret: true,
    });
  });

  it('replaces sealed values whatever the field is called', () => {
    const sealed = 'v1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB.CCCCCCCC';
    expect(redactSecrets({ note: sealed, list: [sealed, 'v1.2.3'] })).toEqual({ note: REDACTED, list: [REDACTED, 'v1.2.3'] });
    // An API key shown once at creation (`key`, a name personas and touchpoints use too).
    expect(redactSecrets({ key: `crd_0123456789ab_${'A'.repeat(43)}` })).toEqual({ key: REDACTED });
  });
});
