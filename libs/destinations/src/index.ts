export * from './webhook-sender.adapter';
