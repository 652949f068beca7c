export * from './errors/domain-error';
export * from './attributes/attribute';
export * from './access/role';
export * from './customers/customer';
export * from './customers/content-hash';
