export * from './queue-names';
export * from './job-contract';
export * from './segmentation.contract';
export * from './persona-changes.contract';
export * from './crm-sync.contract';
export * from './crm-writeback.contract';
export * from './treatments.contract';
export * from './outcomes.contract';
