import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@corridor/domain';
import { EventSource, EventSourceStore } from '@corridor/persistence';

export type EventSourceView = EventSource & { url: string };

const view = (s: EventSource): EventSourceView => ({ ...s, url: `/v1/events/segment/${s.key}` });

/** CDP sources and their event → touchpoint mappings (admin). */
@Injectable()
export class EventSourcesService {
  constructor(private readonly sources: EventSourceStore) {}

  async list(): Promise<EventSourceView[]> {
    return (await this.sources.list()).map(view);
  }

  async get(key: string): Promise<EventSourceView> {
    const s = await this.sources.get(key);
    if (!s) throw new NotFoundError('Event source', key, 'EVENT_SOURCE_NOT_FOUND');
    return view(s);
  }

  async put(key: string, name: string, mappings: Record<string, string>): Promise<EventSourceView> {
    const unknown = new Set(await this.sources.unknownTouchpoints(Object.values(mappings)));
    const details = Object.entries(mappings)
      .filter(([, tp]) => unknown.has(tp))
      .map(([event, tp]) => ({ field: `mappings.${event}`, message: `no touchpoint has the key ${JSON.stringify(tp)}`, code: 'TOUCHPOINT_NOT_FOUND' }));
    if (details.length) throw new ValidationError('Some mappings name unknown touchpoints', details, 'TOUCHPOINT_NOT_FOUND');
    return view(await this.sources.put(key, name, mappings));
  }

  async remove(key: string): Promise<void> {
    if (!(await this.sources.remove(key))) throw new NotFoundError('Event source', key, 'EVENT_SOURCE_NOT_FOUND');
  }
}
