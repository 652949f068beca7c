import { DataSource } from 'typeorm';
import { CANONICAL_ATTRIBUTES } from '@corridor/domain';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { AttributeRepository } from './attribute.repository';

describe('AttributeRepository', () => {
  let ctx: TestContext;
  let db: DataSource;
  let attributes: AttributeRepository;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
    attributes = new AttributeRepository(db);
  });
  afterAll(async () => {
    await db.destroy();
    await ctx.dispose();
  });

  it('loads the catalog the rule engine uses: canonical attributes and custom ones', async () => {
    await attributes.createCustom({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'] });
    const catalog = await attributes.loadCatalog();
    for (const a of CANONICAL_ATTRIBUTES) expect(catalog.get(a.name)).toMatchObject({ name: a.name, type: a.type });
    expect(catalog.get('lifecycle_stage')?.enumValues).toContain('customer');
    expect(catalog.get('plan')).toMatchObject({ type: 'enum', enumValues: ['free', 'pro'], source: 'custom' });
    expect(catalog.get('email')?.enumValues).toBeUndefined();
  });

  it('refuses a taken name with a conflict naming the field', async () => {
    await expect(attributes.createCustom({ name: 'email', type: 'string' })).rejects.toMatchObject({
      kind: 'conflict',
      code: 'ATTRIBUTE_EXISTS',
      details: [{ field: 'name' }],
    });
  });

  it('updates only what is given; null clears', async () => {
    await attributes.createCustom({ name: 'score', type: 'number', label: 'Score', description: 'Lead score' });
    const updated = await attributes.update('score', { label: null });
    expect(updated).toMatchObject({ label: null, description: 'Lead score' });
    await expect(attributes.update('nothing', { label: 'x' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('deletes custom attributes only', async () => {
    await attributes.createCustom({ name: 'temp', type: 'boolean' });
    await attributes.deleteCustom('temp');
    expect(await attributes.findByName('temp')).toBeNull();
    await expect(attributes.deleteCustom('email')).rejects.toMatchObject({ kind: 'conflict', code: 'ATTRIBUTE_READ_ONLY' });
    await expect(attributes.deleteCustom('temp')).rejects.toMatchObject({ kind: 'not_found' });
  });
});
