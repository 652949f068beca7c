import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ApiError = Schemas['ApiErrorDto'];

const KEY_STORAGE = 'corridor.apiKey';
const ROLE_STORAGE = 'corridor.role';

/**
 * The key lives in this tab's session storage only: never in the URL, gone when the tab closes.
 * The role found at sign-in sits beside it so a reload shows the screen at once (its data requests
 * start without waiting for the role check, which re-runs in the background); it only decides what
 * is offered, the API decides what is allowed.
 */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  role: (): Role | null => {
    const r = sessionStorage.getItem(ROLE_STORAGE);
    return r === 'admin' || r === 'agent' || r === 'integration' ? r : null;
  },
  setRole: (role: Role): void => sessionStorage.setItem(ROLE_STORAGE, role),
  clear: (): void => (sessionStorage.removeItem(KEY_STORAGE), sessionStorage.removeItem(ROLE_STORAGE)),
};

const auth: Middleware = {
  onRequest({ request }) {
    const key = session.key();
    if (key) request.headers.set('X-API-Key', key);
    return request;
  },
};

/** The only way the console talks to the API: typed by the generated schema (npm run console:client). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** The one error shape's text for a screen: message, then each detail. */
export function errorText(error: unknown): string {
  const e = error as Partial<ApiError> | undefined;
  if (!e || typeof e !== 'object' || !e.message) return 'The request failed';
  const details = (e.details ?? []).map((d) => `${d.field}: ${d.message}`);
  return [e.message, ...details].join(' — ');
}

export type Role = 'admin' | 'agent' | 'integration';

/**
 * Which role a key has, read from the answers of existing routes (no route says it outright):
 * GET /v1/api-keys is admin-only, GET /v1/personas is open to agents; a key refused both is an
 * integration key. 401 means the key is not valid.
 */
export async function detectRole(): Promise<Role | 'invalid'> {
  const admin = await api.GET('/v1/api-keys');
  if (admin.response.status === 401) return 'invalid';
  if (admin.response.ok) return 'admin';
  const agent = await api.GET('/v1/personas');
  if (agent.response.ok) return 'agent';
  return agent.response.status === 401 ? 'invalid' : 'integration';
}
