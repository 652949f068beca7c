import { Injectable } from '@nestjs/common';
import { compileSetSnapshot, LoadedPersonaSet, NotFoundError } from '@corridor/domain';
import { PersonaSetRepository } from './persona-set.repository';

/**
 * Published sets never change, so each is compiled once per process and kept (the few most
 * recent), keyed by set version; a compile costs far more than an evaluation. One cache for the
 * worker (evaluation) and the API (explanations), so both read a set the same way.
 */
@Injectable()
export class CompiledSetCache {
  private readonly sets = new Map<number, Promise<LoadedPersonaSet>>();

  constructor(private readonly personaSets: PersonaSetRepository) {}

  get(version: number): Promise<LoadedPersonaSet> {
    let entry = this.sets.get(version);
    if (!entry) {
      entry = this.load(version);
      entry.catch(() => this.sets.delete(version));
      this.sets.set(version, entry);
      for (const old of [...this.sets.keys()].sort((a, b) => a - b).slice(0, -4)) this.sets.delete(old);
    }
    return entry;
  }

  private async load(version: number): Promise<LoadedPersonaSet> {
    const set = await this.personaSets.get(version);
    if (!set) throw new NotFoundError('Persona set', String(version), 'SET_NOT_FOUND');
    return compileSetSnapshot(set.members, set.catalog, set.timeZone);
  }
}
