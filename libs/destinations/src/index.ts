export * from './webhook-sender.adapter';
export * from './destination-address.resolver';
export * from './guarded-lookup';
