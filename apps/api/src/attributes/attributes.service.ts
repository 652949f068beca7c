import { Injectable } from '@nestjs/common';
import {
  attributeChangeProblems,
  AttributeChanges,
  attributeDefinitionProblems,
  CatalogEntry,
  NewAttribute,
  NotFoundError,
  ValidationError,
} from '@corridor/domain';
import { AttributeRepository } from '@corridor/persistence';

/** The catalog's rules (domain) applied around the repository's reads and writes. */
@Injectable()
export class AttributesService {
  constructor(private readonly attributes: AttributeRepository) {}

  list(): Promise<CatalogEntry[]> {
    return this.attributes.list();
  }

  async get(name: string): Promise<CatalogEntry> {
    const entry = await this.attributes.findByName(name);
    if (!entry) throw new NotFoundError('Attribute', name, 'ATTRIBUTE_NOT_FOUND');
    return entry;
  }

  async create(input: NewAttribute): Promise<CatalogEntry> {
    const problems = attributeDefinitionProblems(input);
    if (problems.length) throw new ValidationError('The attribute definition is not valid', problems);
    return this.attributes.createCustom(input);
  }

  async update(name: string, changes: AttributeChanges): Promise<CatalogEntry> {
    const problems = attributeChangeProblems(await this.get(name), changes);
    if (problems.length) throw new ValidationError('The attribute change is not valid', problems);
    return this.attributes.update(name, changes);
  }

  delete(name: string): Promise<void> {
    return this.attributes.deleteCustom(name);
  }
}
