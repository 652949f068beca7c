/** A webhook destination as the API shows it: the signing secret is never part of it. */
export interface Destination {
  id: string;
  name: string;
  url: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Requests per second shared by every worker; null: unlimited. */
  rateLimitPerSecond: number | null;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}
