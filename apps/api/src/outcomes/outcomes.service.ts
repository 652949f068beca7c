import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Webhook } from 'standardwebhooks';
import {
  countOutcomeResults,
  DomainError,
  ErrorDetail,
  EVENT_SOURCE,
  NotFoundError,
  OUTCOME_SOURCE_API,
  outcomeCallbackSource,
  OutcomeIngestResult,
  OutcomeInput,
  OutcomeRef,
  ValidationError,
} from '@corridor/domain';
import { DestinationRepository, OutcomeStore } from '@corridor/persistence';
import { currentCorrelationId } from '@corridor/observability';
import { validationDetailsOf } from '../errors/validation-details';
import { OutcomeBatchDto, OutcomeDto } from './outcomes.dto';

export interface OutcomeIngestAnswer {
  accepted: number;
  duplicate: number;
  rejected: number;
  results: OutcomeIngestResult[];
}

/** The Standard Webhooks headers of a destination's callback. */
export interface CallbackHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

/**
 * Outcomes in, from the API and from destinations' signed callbacks. A malformed request is
 * refused whole (400 naming `outcomes[3].csat`), so nothing is half-written; a well-formed outcome
 * whose delivery or event is unknown is rejected on its own and the rest of the batch is stored.
 */
@Injectable()
export class OutcomesService {
  constructor(
    private readonly outcomes: OutcomeStore,
    private readonly destinations: DestinationRepository,
  ) {}

  /** `POST /v1/outcomes`: one outcome, or `{outcomes: [...]}`. */
  ingest(body: unknown): Promise<OutcomeIngestAnswer> {
    return this.store(OUTCOME_SOURCE_API, body);
  }

  /**
   * `POST /v1/destinations/:id/callbacks`: the same body, signed by the destination with its
   * Standard Webhooks secret over the exact bytes received. The library checks the timestamp is
   * within 5 minutes either way and compares signatures in constant time.
   */
  async callback(destinationId: string, headers: CallbackHeaders, rawBody: Buffer | undefined, body: unknown): Promise<OutcomeIngestAnswer> {
    const secret = await this.destinations.signingSecret(destinationId);
    if (secret === null) throw new NotFoundError('Destination', destinationId, 'DESTINATION_NOT_FOUND');
    if (!headers.id || !headers.timestamp || !headers.signature) {
      throw new DomainError('CALLBACK_SIGNATURE_MISSING', 'webhook-id, webhook-timestamp and webhook-signature are required', 'unauthenticated');
    }
    try {
      new Webhook(secret).verify(rawBody ?? Buffer.alloc(0), { 'webhook-id': headers.id, 'webhook-timestamp': headers.timestamp, 'webhook-signature': headers.signature });
    } catch (e) {
      if (/timestamp too (old|new)/.test((e as Error).message)) {
        throw new DomainError('CALLBACK_TIMESTAMP_STALE', 'webhook-timestamp is more than 5 minutes away from now: a replay, or a clock that is off', 'unauthenticated');
      }
      throw new DomainError('CALLBACK_SIGNATURE_INVALID', "webhook-signature does not match the destination's secret", 'unauthenticated');
    }
    return this.store(outcomeCallbackSource(destinationId), body);
  }

  private async store(source: string, body: unknown): Promise<OutcomeIngestAnswer> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ValidationError('The body must be one outcome or {outcomes: [...]}', [{ field: 'body', message: 'expected a JSON object', code: 'isObject' }]);
    }
    const batch = Object.hasOwn(body, 'outcomes');
    const dtos = batch ? (await this.check(OutcomeBatchDto, body)).outcomes : [await this.check(OutcomeDto, body)];
    const field = (i: number, name: string) => (batch ? `outcomes[${i}].${name}` : name);
    const now = new Date();
    const problems: ErrorDetail[] = [];
    const items = dtos.map((dto, index) => ({ index, outcome: toInput(dto, now, (name, message, code) => problems.push({ field: field(index, name), message, code })) }));
    if (problems.length) throw new ValidationError('The request is not valid', problems);
    const results = await this.outcomes.ingest(source, items, field, currentCorrelationId());
    return { ...countOutcomeResults(results), results };
  }

  private async check<T extends object>(cls: new () => T, body: object): Promise<T> {
    const instance = plainToInstance(cls, body);
    const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) throw new ValidationError('The request is not valid', validationDetailsOf(errors));
    return instance;
  }
}

/** The checks one field cannot make alone: one reference, and the fields each type takes. */
function toInput(dto: OutcomeDto, now: Date, problem: (field: string, message: string, code: string) => void): OutcomeInput {
  const given = (['webhookId', 'eventId', 'eventKey'] as const).filter((k) => dto[k] !== undefined && dto[k] !== null);
  if (given.length !== 1) {
    problem(given[1] ?? 'webhookId', 'name exactly one of webhookId, eventId, eventKey', given.length ? 'oneReference' : 'referenceRequired');
  }
  if (dto.eventSource != null && dto.eventKey == null) problem('eventSource', 'eventSource goes with eventKey', 'eventSourceWithoutKey');
  if (dto.value != null && dto.type !== 'converted') problem('value', 'value is taken only with type converted', 'valueNotConversion');
  const scores = (['csat', 'nps', 'effort'] as const).filter((k) => dto[k] != null);
  if (dto.type === 'feedback') {
    if (scores.length === 0) problem('csat', 'feedback needs at least one of csat, nps, effort', 'scoreRequired');
  } else {
    for (const k of scores) problem(k, `${k} is taken only with type feedback`, 'scoreNotFeedback');
    if (dto.comment != null) problem('comment', 'comment is taken only with type feedback', 'commentNotFeedback');
  }
  const ref: OutcomeRef =
    dto.webhookId != null
      ? { kind: 'delivery', webhookId: dto.webhookId }
      : dto.eventId != null
        ? { kind: 'event', eventId: dto.eventId }
        : { kind: 'event_key', source: dto.eventSource ?? EVENT_SOURCE.api, idempotencyKey: dto.eventKey ?? '' };
  return {
    ref,
    type: dto.type,
    value: dto.value ?? null,
    csat: dto.csat ?? null,
    nps: dto.nps ?? null,
    effort: dto.effort ?? null,
    comment: dto.comment ?? null,
    occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : now,
    idempotencyKey: dto.idempotencyKey,
  };
}
