import { SalesforceTaskFieldCache, taskKeyFieldProblem } from './salesforce-task-key-field';

describe('taskKeyFieldProblem (Task describe)', () => {
  const field = { name: 'Corridor_Delivery_Id__c', type: 'string', createable: true, filterable: true };

  it('is null when the field is text, writable on create and filterable', () => {
    expect(taskKeyFieldProblem([{ name: 'Subject', type: 'string' }, field])).toBeNull();
  });

  it('names the field, the consequence and the doc when it is missing', () => {
    const p = taskKeyFieldProblem([{ name: 'Subject', type: 'string' }]);
    expect(p?.code).toBe('CRM_TASK_KEY_FIELD_MISSING');
    expect(p?.message).toContain('Task.Corridor_Delivery_Id__c');
    expect(p?.message).toContain('second task');
    expect(p?.message).toContain('docs/treatments.md');
  });

  it.each([
    [{ ...field, type: 'double' }, 'of type double'],
    [{ ...field, createable: false }, 'read-only'],
    [{ ...field, filterable: false }, 'filtered'],
  ])('is UNUSABLE when %j', (f, why) => {
    const p = taskKeyFieldProblem([f]);
    expect(p?.code).toBe('CRM_TASK_KEY_FIELD_UNUSABLE');
    expect(p?.message).toContain(why);
  });
});

describe('SalesforceTaskFieldCache', () => {
  it('describes once per connection within the TTL, again after it, and not at all for concurrent first looks', async () => {
    let now = 0;
    const cache = new SalesforceTaskFieldCache(1_000, () => now);
    let calls = 0;
    const describe = async () => {
      calls++;
      return null;
    };
    await Promise.all([cache.get('c1', describe), cache.get('c1', describe)]);
    expect(calls).toBe(1);
    await cache.get('c2', describe);
    expect(calls).toBe(2);
    now = 999;
    await cache.get('c1', describe);
    expect(calls).toBe(2);
    now = 1_000;
    await cache.get('c1', describe);
    expect(calls).toBe(3);
    cache.forget('c1');
    await cache.get('c1', describe);
    expect(calls).toBe(4);
  });

  it('does not keep a failed describe', async () => {
    const cache = new SalesforceTaskFieldCache(60_000, () => 0);
    await expect(cache.get('c1', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await expect(cache.get('c1', async () => null)).resolves.toBeNull();
  });
});
