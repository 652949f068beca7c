import { Injectable } from '@nestjs/common';
import { compileStrategy, type CompiledStrategy } from '@corridor/domain';
import { AttributeRepository, StrategyVersionRepository } from '@corridor/persistence';

/**
 * Published strategies compiled once per version (versions are frozen). Which version is live is
 * read with each event (one index look-up), so a publish applies to the next decision.
 */
@Injectable()
export class StrategyCache {
  private readonly compiled = new Map<number, Promise<CompiledStrategy>>();

  constructor(
    private readonly strategies: StrategyVersionRepository,
    private readonly attributes: AttributeRepository,
  ) {}

  get(version: number | null): Promise<CompiledStrategy | null> {
    return version === null ? Promise.resolve(null) : this.compiledVersion(version);
  }

  private compiledVersion(version: number): Promise<CompiledStrategy> {
    let entry = this.compiled.get(version);
    if (!entry) {
      entry = this.load(version);
      entry.catch(() => this.compiled.delete(version));
      this.compiled.set(version, entry);
      for (const old of [...this.compiled.keys()].sort((a, b) => a - b).slice(0, -3)) this.compiled.delete(old);
    }
    return entry;
  }

  private async load(version: number): Promise<CompiledStrategy> {
    const [strategy, catalog] = await Promise.all([this.strategies.get(version), this.attributes.loadCatalog()]);
    if (!strategy) throw new Error(`strategy version ${version} not found`);
    return compileStrategy(strategy, catalog);
  }
}
