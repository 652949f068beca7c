import { Module } from '@nestjs/common';
import { OutboxReconciler } from './outbox-reconciler.service';
import { OutboxRelay } from './outbox-relay.service';
import { PersonaChangedRaiser } from './persona-changed.raiser';

/**
 * The transactional outbox's other half: the relay (outbox rows → BullMQ), the reconciler (what
 * the queue lost, re-derived from Postgres) and the persona-change feed's treatments consumer.
 */
@Module({ providers: [OutboxRelay, OutboxReconciler, PersonaChangedRaiser], exports: [OutboxRelay, OutboxReconciler, PersonaChangedRaiser] })
export class OutboxWorkerModule {}
