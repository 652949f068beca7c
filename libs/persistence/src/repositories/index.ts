import { CustomerRepository } from './customer.repository';

export { CustomerRepository, contentHashOf } from './customer.repository';

/** Every repository, provided by PersistenceModule. Add yours here and export it above. */
export const REPOSITORIES = [CustomerRepository];
