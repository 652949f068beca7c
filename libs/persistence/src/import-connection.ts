/** The fixed connection that customers imported from files belong to (seeded by the first migration). */
export const IMPORT_CONNECTION_ID = '00000000-0000-4000-8000-000000000001';
