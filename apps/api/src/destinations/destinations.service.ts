import { Injectable } from '@nestjs/common';
import { ConflictError, Destination, NotFoundError } from '@corridor/domain';
import { DestinationRepository, TreatmentRepository } from '@corridor/persistence';
import { DestinationAddressChecker } from './destination-address.checker';
import { CreateDestinationDto, UpdateDestinationDto } from './destination.dto';

/** Webhook destinations: the URL is checked against internal addresses, the secret sealed and never shown. */
@Injectable()
export class DestinationsService {
  constructor(
    private readonly destinations: DestinationRepository,
    private readonly treatments: TreatmentRepository,
    private readonly addresses: DestinationAddressChecker,
  ) {}

  list(): Promise<Destination[]> {
    return this.destinations.list();
  }

  async get(id: string): Promise<Destination> {
    const d = await this.destinations.get(id);
    if (!d) throw new NotFoundError('Destination', id, 'DESTINATION_NOT_FOUND');
    return d;
  }

  async create(dto: CreateDestinationDto): Promise<Destination> {
    await this.addresses.check(dto.url);
    const created = await this.destinations.create(
      { name: dto.name, url: dto.url, timeoutMs: dto.timeoutMs ?? 5000, rateLimitPerSecond: dto.rateLimitPerSecond ?? null, enabled: dto.enabled ?? true },
      dto.secret,
    );
    if (!created) throw nameTaken(dto.name);
    return created;
  }

  async update(id: string, dto: UpdateDestinationDto): Promise<Destination> {
    await this.get(id);
    if (dto.url !== undefined) await this.addresses.check(dto.url);
    const { secret, ...fields } = dto;
    const updated = await this.destinations.update(id, fields, secret);
    if (updated === 'name_taken') throw nameTaken(dto.name!);
    if (!updated) throw new NotFoundError('Destination', id, 'DESTINATION_NOT_FOUND');
    return updated;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    const users = await this.treatments.usingDestination(id);
    if (users.length) {
      throw new ConflictError('The destination is in use', [{ field: 'id', message: `is used by treatments ${users.join(', ')}`, code: 'DESTINATION_IN_USE' }], 'DESTINATION_IN_USE');
    }
    await this.destinations.delete(id);
  }
}

function nameTaken(name: string): ConflictError {
  return new ConflictError(`A destination named ${JSON.stringify(name)} exists`, [{ field: 'name', message: 'is already used by another destination', code: 'DESTINATION_NAME_TAKEN' }], 'DESTINATION_NAME_TAKEN');
}
