import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import {
  countResults,
  DomainError,
  EVENT_LIMITS,
  EVENT_SOURCE,
  EventIngestResult,
  NotFoundError,
  parseCustomerRef,
  segmentCallToEvent,
  SegmentTrackCall,
  TouchpointEventInput,
  ValidationError,
} from '@corridor/domain';
import { currentTraceparent, EventSource, EventSourceStore, TouchpointEventStore } from '@corridor/persistence';
import { currentCorrelationId } from '@corridor/observability';
import { validationDetailsOf } from '../errors/validation-details';
import { TouchpointEventBatchDto, TouchpointEventDto } from './events.dto';
import { EventGroupCommit } from './event-group-commit';
import { wellFormedSingleEvent } from './single-event.check';

export interface IngestAnswer {
  accepted: number;
  duplicate: number;
  rejected: number;
  ignored: number;
  results: EventIngestResult[];
}

/** A Segment call's result before it has its index. */
type CallResult = { status: 'rejected'; code: string; field: string; message: string } | { status: 'ignored'; reason: string };

const answer = (results: EventIngestResult[]): IngestAnswer => ({ ...countResults(results), results });

/** One event of a request, ready to store. */
export interface SingleEventItem {
  index: number;
  event: TouchpointEventInput;
}

/** A single event's fields are named bare (`customer`, not `events[0].customer`). */
const singleField = (_index: number, name: string) => name;

/**
 * Touchpoint events in. A malformed request is refused whole (400 naming `events[3].touchpoint`),
 * so nothing is half-written; a well-formed event whose customer or touchpoint is unknown is
 * rejected on its own and the rest of the batch is stored.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: TouchpointEventStore,
    private readonly sources: EventSourceStore,
    private readonly groupCommit: EventGroupCommit,
  ) {}

  /** `POST /v1/events`: one event, or `{events: [...]}`. */
  async ingest(body: unknown): Promise<IngestAnswer> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('The body must be one event or {events: [...]}', [{ field: 'body', message: 'expected a JSON object', code: 'isObject' }]);
    }
    const batch = Object.hasOwn(body, 'events');
    if (!batch) {
      // One event per request is the common producer's shape: it joins a group commit.
      const item = this.singleEvent(body as Record<string, unknown>) ?? this.itemOf(await this.check(TouchpointEventDto, body), body as Record<string, unknown>, new Date(), (_i, name) => name, 0);
      return this.ingestSingle(item, currentCorrelationId(), currentTraceparent() ?? undefined);
    }
    const dtos = (await this.check(TouchpointEventBatchDto, body)).events;
    const raw = (body as { events: Array<Record<string, unknown>> }).events;
    const field = (i: number, name: string) => `events[${i}].${name}`;
    const now = new Date();
    const items = dtos.map((dto, index) => this.itemOf(dto, raw[index], now, field, index));
    // A batch is a group already.
    return answer(await this.events.ingest(EVENT_SOURCE.api, items, field, currentCorrelationId()));
  }

  /**
   * A single-event body that is plainly valid (single-event.check.ts) with a customer reference
   * that parses, as the item to store; null for anything else, which ingest() refuses or
   * validates the long way. The lean path (lean-events.path.ts) asks this too.
   */
  singleEvent(body: Record<string, unknown>): SingleEventItem | null {
    const dto = wellFormedSingleEvent(body);
    if (!dto) return null;
    try {
      return this.itemOf(dto, body, new Date(), (_i, name) => name, 0);
    } catch (e) {
      if (e instanceof ValidationError) return null;
      throw e;
    }
  }

  /** Stores one event through the group commit: `POST /v1/events` with one event, whichever path took it. */
  async ingestSingle(item: SingleEventItem, correlationId: string | undefined, traceparent: string | undefined): Promise<IngestAnswer> {
    const results = await this.groupCommit.ingest({ source: EVENT_SOURCE.api, items: [item], field: singleField, correlationId, traceparent });
    return answer(results);
  }

  private itemOf(dto: TouchpointEventDto, raw: Record<string, unknown>, now: Date, field: (index: number, name: string) => string, index: number): SingleEventItem {
    let customer;
    try {
      customer = parseCustomerRef(dto.customer, field(index, 'customer'));
    } catch (e) {
      if (e instanceof DomainError) throw new ValidationError('The request is not valid', e.details, e.code);
      throw e;
    }
    const event: TouchpointEventInput = {
      touchpoint: dto.touchpoint,
      customer,
      occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : now,
      // As sent: the pipe's copy may have dropped keys named like Object.prototype members.
      properties: (raw.properties as Record<string, unknown> | undefined) ?? {},
      idempotencyKey: dto.idempotencyKey,
    };
    return { index, event };
  }

  /**
   * `POST /v1/events/segment/:sourceKey`: a Segment `track` call or `{batch: [...]}`. Calls that are
   * not `track`, or whose event the source does not map, are acknowledged as `ignored`; a call that
   * cannot be stored (no messageId, no customer, bad timestamp) is `rejected` on its own, since a
   * CDP cannot fix one call of a batch.
   */
  async ingestSegment(sourceKey: string, body: unknown): Promise<IngestAnswer> {
    const source = await this.sources.get(sourceKey);
    if (!source) throw new NotFoundError('Event source', sourceKey, 'EVENT_SOURCE_NOT_FOUND');
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('The body must be a Segment call or {batch: [...]}', [{ field: 'body', message: 'expected a JSON object', code: 'isObject' }]);
    }
    const isBatch = Object.hasOwn(body, 'batch');
    let calls: unknown[];
    if (isBatch) {
      const b = (body as { batch: unknown }).batch;
      if (!Array.isArray(b)) throw new ValidationError('batch must be an array', [{ field: 'batch', message: 'batch must be an array', code: 'isArray' }]);
      if (b.length > EVENT_LIMITS.batch) {
        throw new ValidationError('The batch is too long', [{ field: 'batch', message: `batch must contain no more than ${EVENT_LIMITS.batch} elements`, code: 'arrayMaxSize' }]);
      }
      calls = b;
    } else calls = [body];
    const at = (i: number) => (isBatch ? `batch[${i}].` : '');
    const results: EventIngestResult[] = [];
    const items: Array<{ index: number; event: TouchpointEventInput; customerField: string }> = [];
    const now = new Date();
    calls.forEach((call, index) => {
      const outcome = this.segmentEvent(source, call, at(index), now);
      if ('event' in outcome) items.push({ index, event: outcome.event, customerField: outcome.customerField });
      else results.push({ index, ...outcome.result } as EventIngestResult);
    });
    const stored = await this.events.ingest(EVENT_SOURCE.segment(source.key), items, (i, name) => `${at(i)}${name === 'touchpoint' ? 'event' : name}`, currentCorrelationId());
    return answer([...results, ...stored].sort((a, b) => a.index - b.index));
  }

  private segmentEvent(
    source: EventSource,
    call: unknown,
    at: string,
    now: Date,
  ): { event: TouchpointEventInput; customerField: string } | { result: CallResult } {
    const reject = (code: string, field: string, message: string) => ({ result: { status: 'rejected' as const, code, field, message } });
    if (call === null || typeof call !== 'object' || Array.isArray(call)) return reject('CALL_NOT_OBJECT', at.replace(/\.$/, '') || 'body', 'a Segment call is a JSON object');
    const c = call as SegmentTrackCall;
    for (const [name, value, max] of [['event', c.event, 200], ['messageId', c.messageId, EVENT_LIMITS.idempotencyKeyLength], ['userId', c.userId, 1000]] as const) {
      if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > max)) {
        return reject('INVALID_FIELD', `${at}${name}`, `${name} must be a string of at most ${max} characters`);
      }
    }
    if (c.properties !== undefined && (c.properties === null || typeof c.properties !== 'object' || Array.isArray(c.properties))) {
      return reject('INVALID_FIELD', `${at}properties`, 'properties must be a JSON object');
    }
    const outcome = segmentCallToEvent(c, source.mappings, at);
    if (outcome.kind === 'ignored') return { result: { status: 'ignored', reason: outcome.reason } };
    if (outcome.kind === 'rejected') return reject(outcome.code, outcome.field, outcome.message);
    if (Buffer.byteLength(JSON.stringify(outcome.properties), 'utf8') > EVENT_LIMITS.propertiesBytes) {
      return reject('PROPERTIES_TOO_LARGE', `${at}properties`, `properties must serialise to at most ${EVENT_LIMITS.propertiesBytes} bytes of JSON`);
    }
    let occurredAt = now;
    if (outcome.occurredAt !== undefined) {
      occurredAt = new Date(outcome.occurredAt);
      if (typeof outcome.occurredAt !== 'string' || Number.isNaN(occurredAt.getTime())) return reject('INVALID_TIMESTAMP', `${at}timestamp`, 'timestamp must be an ISO 8601 date');
    }
    try {
      const customer = parseCustomerRef(outcome.customerRef, outcome.customerField);
      return { event: { touchpoint: outcome.touchpoint, customer, occurredAt, properties: outcome.properties, idempotencyKey: outcome.idempotencyKey }, customerField: outcome.customerField };
    } catch (e) {
      if (e instanceof DomainError) return reject(e.code, outcome.customerField, e.details[0]?.message ?? e.message);
      throw e;
    }
  }

  private async check<T extends object>(cls: new () => T, body: object): Promise<T> {
    const instance = plainToInstance(cls, body);
    const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw new ValidationError('The request is not valid', validationDetailsOf(errors));
    return instance;
  }
}
