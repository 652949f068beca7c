import { Injectable, Logger } from '@nestjs/common';
import { DISPATCH_DELIVERY, eventArrival } from '@corridor/contracts';
import { ConflictError, DeliveryRecord, DeliveryStatus, NotFoundError } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { DispatchStore } from '@corridor/persistence';

@Injectable()
export class DeliveriesService {
  private readonly logger = new Logger('deliveries');

  constructor(
    private readonly store: DispatchStore,
    private readonly jobs: JobProducer,
  ) {}

  list(status: DeliveryStatus, limit: number, before?: string): Promise<{ items: DeliveryRecord[]; next: string | null }> {
    return this.store.listByStatus(status, limit, before);
  }

  /**
   * A dead letter back to `pending` with a full set of attempts and the same webhook id. The
   * outbox row written with it is the durable path; the job enqueued here only makes it prompt.
   */
  async replay(id: string): Promise<DeliveryRecord> {
    const replayed = await this.store.replay(id);
    if (!replayed) {
      const existing = await this.store.get(id);
      if (!existing) throw new NotFoundError('Delivery', id, 'DELIVERY_NOT_FOUND');
      // Dead, yet not replayed: the store refuses dead letters of erased customers.
      if (existing.status === 'dead')
        throw new ConflictError(`Delivery ${id} belongs to an erased customer: it is never sent again`, [{ field: 'id', message: 'the customer was erased', code: 'CUSTOMER_ERASED' }], 'CUSTOMER_ERASED');
      throw new ConflictError(`Delivery ${id} is ${existing.status}, not dead: only dead letters are replayed`, [{ field: 'id', message: `status is ${existing.status}`, code: 'DELIVERY_NOT_DEAD' }], 'DELIVERY_NOT_DEAD');
    }
    await this.jobs
      .enqueue(DISPATCH_DELIVERY, { deliveryId: id, attempt: replayed.attempts + 1, ...eventArrival([replayed.eventReceivedAt]) })
      .catch((e) => this.logger.warn({ deliveryId: id, err: (e as Error).message }, 'replay: enqueue failed; the outbox relay will dispatch it'));
    return replayed;
  }
}
