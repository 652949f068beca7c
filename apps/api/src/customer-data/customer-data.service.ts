import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@corridor/domain';
import { CustomerDataStore, TimelineEvent, TimelinePosition, TimelineStore } from '@corridor/persistence';
import { CustomersService } from '../customers/customers.service';
import { CustomerExportDto, ErasureDto } from './customer-data.dto';

/** Timeline pages read per export request (an export wants all of it; pages keep each query small). */
const TIMELINE_PAGE = 500;

/** Customer data requests (README "Customer data requests"): export one customer, erase one. */
@Injectable()
export class CustomerDataService {
  constructor(
    private readonly customers: CustomersService,
    private readonly data: CustomerDataStore,
    private readonly timelines: TimelineStore,
  ) {}

  async export(ref: string): Promise<CustomerExportDto> {
    const customer = await this.customers.resolve(ref);
    const [rows, view, timeline] = await Promise.all([this.data.export(customer.id), this.customers.viewByRef(customer.id), this.timeline(customer.id)]);
    if (!rows) throw new NotFoundError('Customer', ref, 'CUSTOMER_NOT_FOUND');
    return { exportedAt: new Date(), ...rows, view: view as unknown as CustomerExportDto['view'], timeline: timeline as unknown as CustomerExportDto['timeline'] };
  }

  async erase(ref: string): Promise<ErasureDto> {
    const customer = await this.customers.resolve(ref);
    const counts = await this.data.erase(customer.id);
    if (!counts) throw new NotFoundError('Customer', ref, 'CUSTOMER_NOT_FOUND');
    return { customerId: customer.id, connectionId: customer.connectionId, externalId: customer.externalId, erasedAt: new Date(), counts };
  }

  private async timeline(customerId: string): Promise<TimelineEvent[]> {
    const events: TimelineEvent[] = [];
    let before: TimelinePosition | null = null;
    do {
      const page: { events: TimelineEvent[]; next: TimelinePosition | null } = await this.timelines.page(customerId, TIMELINE_PAGE, before);
      events.push(...page.events);
      before = page.next;
    } while (before);
    return events;
  }
}
