import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientRequest } from 'node:http';
import type * as http from 'node:http';
import type { GuardedAgents } from '@corridor/destinations';

/**
 * The HTTP requests one CRM call attempt sent, so that a timed-out attempt can abort them: giving up
 * on the promise alone left the request running (a socket held open for as long as a hanging CRM
 * holds it, and a write that could still land after the retry). Neither official client takes an
 * AbortSignal on every path (@hubspot/api-client's generated code passes none to node-fetch), but
 * every request they send goes through our guarded agents: the agents register each request with
 * the attempt running in the current async context.
 */
export class CrmCallAttempt {
  private readonly requests = new Set<ClientRequest>();
  private abortedWith: Error | null = null;

  run<T>(call: () => Promise<T>): Promise<T> {
    return attemptScope.run(this, call);
  }

  /** Destroys every request still open (and its socket: it is not returned to the keep-alive pool); later ones are destroyed on sight. */
  abort(reason: Error): void {
    this.abortedWith = reason;
    for (const req of this.requests) req.destroy(reason);
    this.requests.clear();
  }

  /** The attempt is over (answered or failed): nothing to abort any more. */
  release(): void {
    this.requests.clear();
  }

  track(req: ClientRequest): void {
    if (this.abortedWith) {
      // A request sent after the timeout (a client's own follow-up, e.g. a re-login): never let it go out.
      const reason = this.abortedWith;
      process.nextTick(() => req.destroy(reason));
      return;
    }
    this.requests.add(req);
    req.once('close', () => this.requests.delete(req));
  }
}

const attemptScope = new AsyncLocalStorage<CrmCallAttempt>();
const hooked = new WeakSet<http.Agent>();

/**
 * Makes the agents register every request with the current CrmCallAttempt (once per agent; a
 * request sent outside any attempt is left alone). Returns the same agents.
 */
export function abortableAgents(agents: GuardedAgents): GuardedAgents {
  for (const agent of [agents.http, agents.https] as http.Agent[]) {
    if (hooked.has(agent)) continue;
    hooked.add(agent);
    const target = agent as unknown as { addRequest(req: ClientRequest, options: unknown): void };
    const addRequest = target.addRequest.bind(agent);
    target.addRequest = (req, options) => {
      attemptScope.getStore()?.track(req);
      addRequest(req, options);
    };
  }
  return agents;
}
