import { crmPropertyChanges } from './crm-property-touchpoint';

describe('crmPropertyChanges', () => {
  const mappings = [{ attribute: 'lifecycle_stage', becomes: 'customer', touchpoint: 'purchase_completed' }];

  it('fires when the attribute becomes the value', () => {
    expect(crmPropertyChanges(mappings, '7', { lifecycle_stage: 'opportunity' }, { lifecycle_stage: 'customer' })).toEqual([
      { customerId: '7', touchpoint: 'purchase_completed', attribute: 'lifecycle_stage', from: 'opportunity', to: 'customer' },
    ]);
    expect(crmPropertyChanges(mappings, '7', {}, { lifecycle_stage: 'customer' })[0]?.from).toBeNull();
  });

  it('does not fire when it already had the value, gets another, or loses it', () => {
    expect(crmPropertyChanges(mappings, '7', { lifecycle_stage: 'customer' }, { lifecycle_stage: 'customer', x: 1 })).toEqual([]);
    expect(crmPropertyChanges(mappings, '7', { lifecycle_stage: 'lead' }, { lifecycle_stage: 'opportunity' })).toEqual([]);
    expect(crmPropertyChanges(mappings, '7', { lifecycle_stage: 'customer' }, {})).toEqual([]);
  });

  it('compares numbers and booleans by their JSON text', () => {
    expect(crmPropertyChanges([{ attribute: 'vip', becomes: 'true', touchpoint: 't' }], '1', { vip: false }, { vip: true })).toHaveLength(1);
  });
});
