import { Option, SubCommand, CommandRunner } from 'nest-commander';
import { parseKeyLifetime, Role, ROLES } from '@corridor/domain';
import { ApiKeyRepository } from '@corridor/persistence';
import { CliFailure, CliOutput, terminalSafe } from '../cli-output';

interface CreateOptions {
  role: Role;
  name?: string;
  expiresIn?: number;
}

/** Prints the key alone on the last line, so scripts can take it with `| tail -n1`. */
@SubCommand({ name: 'create', description: 'Create an API key; the key is printed once, alone on the last line' })
export class KeysCreateCommand extends CommandRunner {
  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly out: CliOutput,
  ) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const expiresAt = options.expiresIn ? new Date(Date.now() + options.expiresIn) : null;
    const { apiKey, secret } = await this.keys.issue(options.name ?? `${options.role} key`, options.role, expiresAt);
    const until = apiKey.expiresAt ? `, expires ${apiKey.expiresAt.toISOString()}` : '';
    this.out.line(`Created ${apiKey.role} key "${terminalSafe(apiKey.name)}" (id ${apiKey.id}${until}).`);
    this.out.line('Store it now: only its hash is kept, it cannot be shown again.');
    this.out.line(secret);
  }

  // Not `choices`: nest-commander's own parser replaces commander's choice check.
  @Option({ flags: '--role <role>', description: `one of ${ROLES.join(', ')}`, required: true })
  parseRole(value: string): Role {
    if (!(ROLES as readonly string[]).includes(value)) throw new CliFailure(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(value)})`);
    return value as Role;
  }

  @Option({ flags: '--name <name>', description: 'who or what uses the key' })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--expires-in <duration>', description: 'lifetime, e.g. 90d, 12h, 2w, 30m (default: never expires)' })
  parseExpiresIn(value: string): number {
    const ms = parseKeyLifetime(value);
    if (ms === null) throw new CliFailure(`--expires-in must be a number and a unit m, h, d or w, e.g. 90d, at most 10 years (got ${JSON.stringify(value)})`);
    return ms;
  }
}
