import type { AttributeDefinition, Attributes } from '../attributes/attribute';
import { ValidationError } from '../errors/domain-error';
import { slotKindOf, testOf, toPresentTest, type ConditionTest, type PresentTest, type SlotKind } from './condition-binder';
import type { PlanCondition, PlanNode } from './rule-plan';
import type { EvaluationContext } from './rule-types';
import {
  makeDateReader,
  makeEnumReader,
  makeLowerListReader,
  memoizeTexts,
  readBoolean,
  readLowerString,
  readNumber,
  readString,
  readStringList,
  type EnumReader,
} from './value-readers';
import { isValidTimeZone, ZoneClock } from './zone-clock';

/**
 * One memoised read of one attribute in one form. An attribute may have two (`string` and
 * `string_ci`, `list` and `list_ci`); each reads the stored value itself, which lets the
 * lower-cased forms be memoised by stored text (see TextMemo) without trimming it first.
 */
export interface SlotSpec {
  attribute: AttributeDefinition;
  kind: SlotKind;
}

export type SlotReader = (input: unknown) => unknown;

/** What a layout becomes for one evaluation context. */
export interface BoundLayout {
  readonly now: number;
  readonly clock: ZoneClock;
  readonly readers: readonly SlotReader[];
  /** Per condition, in layout order; undefined for is_set / is_not_set. */
  readonly tests: readonly (PresentTest | undefined)[];
  /**
   * What the generated code reads its constants from, in layout order: each comparison's bound,
   * each helper call's argument (see `constantsOf`).
   */
  readonly constants: readonly unknown[];
  readonly readDate: (raw: unknown) => number | undefined;
}

/**
 * The slots and conditions of one or more rules, numbered in document order. Shared by the code
 * generator (which names slot variables and tests by these numbers) and the explainer (which
 * interprets the same numbering), so both read and test values identically.
 */
export class EvaluatorLayout {
  readonly slots: SlotSpec[] = [];
  readonly conditions: PlanCondition[] = [];
  private readonly slotIndex = new Map<string, number>();
  private readonly conditionSlots = new Map<PlanCondition, number>();
  private readonly conditionIndexes = new Map<PlanCondition, number>();
  private readonly enumReaders = new Map<string, EnumReader>();
  /**
   * Per condition: the shape of its test (undefined for is_set / is_not_set). The shape does not
   * depend on the context, so a UTC clock at time 0 is enough to learn it; only bounds differ.
   */
  readonly testShapes: readonly (ConditionTest | undefined)[];

  constructor(plans: readonly PlanNode[]) {
    for (const plan of plans) this.visit(plan);
    const probe = new ZoneClock('UTC');
    this.testShapes = this.conditions.map((c) => testOf(c, 0, probe));
  }

  slotOf(condition: PlanCondition): number {
    return this.conditionSlots.get(condition)!;
  }

  indexOf(condition: PlanCondition): number {
    return this.conditionIndexes.get(condition)!;
  }

  enumReader(attribute: AttributeDefinition): EnumReader {
    let reader = this.enumReaders.get(attribute.name);
    if (reader === undefined) {
      reader = makeEnumReader(attribute.enumValues ?? []);
      this.enumReaders.set(attribute.name, reader);
    }
    return reader;
  }

  bind(ctx: EvaluationContext): BoundLayout {
    if (typeof ctx.now !== 'number' || !Number.isFinite(ctx.now)) {
      throw new ValidationError('The evaluation instant is not a valid time', [
        { field: 'now', message: 'must be epoch milliseconds', code: 'INVALID_NOW' },
      ], 'INVALID_NOW');
    }
    if (!isValidTimeZone(ctx.timeZone)) {
      const message = `Unknown time zone ${JSON.stringify(ctx.timeZone)}: use an IANA name such as Europe/London`;
      throw new ValidationError(message, [{ field: 'timezone', message, code: 'INVALID_TIME_ZONE' }], 'INVALID_TIME_ZONE');
    }
    const clock = new ZoneClock(ctx.timeZone);
    const readDate = makeDateReader(clock);
    const readers = this.slots.map((slot) => this.readerFor(slot, readDate));
    const bound = this.conditions.map((condition) => testOf(condition, ctx.now, clock));
    const tests = bound.map((test) => (test === undefined ? undefined : toPresentTest(test)));
    return { now: ctx.now, clock, readers, tests, readDate, constants: bound.flatMap(constantsOf) };
  }

  /** A fresh reader per bind where it memoises (the memo then lives as long as the evaluator). */
  private readerFor(slot: SlotSpec, readDate: (raw: unknown) => number | undefined): SlotReader {
    switch (slot.kind) {
      case 'number':
        return readNumber;
      case 'boolean':
        return readBoolean;
      case 'string':
        return readString;
      case 'string_ci':
        return memoizeTexts(readLowerString);
      case 'list':
        return readStringList;
      case 'list_ci':
        return makeLowerListReader();
      case 'enum':
        return memoizeTexts(this.enumReader(slot.attribute).read);
      case 'date':
        return readDate;
    }
  }

  private visit(node: PlanNode): void {
    switch (node.kind) {
      case 'all':
      case 'any':
        node.children.forEach((child) => this.visit(child));
        return;
      case 'not':
        this.visit(node.child);
        return;
      case 'condition':
        this.conditionIndexes.set(node, this.conditions.length);
        this.conditions.push(node);
        this.conditionSlots.set(node, this.slot(node.attribute, slotKindOf(node)));
    }
  }

  private slot(attribute: AttributeDefinition, kind: SlotKind): number {
    const key = `${kind}:${attribute.name}`;
    let index = this.slotIndex.get(key);
    if (index !== undefined) return index;
    index = this.slots.length;
    this.slots.push({ attribute, kind });
    this.slotIndex.set(key, index);
    return index;
  }
}

/** The constants a test reads, in the order the code generator numbers them. */
export function constantsOf(test: ConditionTest | undefined): unknown[] {
  if (test === undefined) return [];
  return test.kind === 'compare' ? test.comparisons.map((c) => c.bound) : [test.argument];
}

/**
 * A customer's stored value. Names that exist on Object.prototype (`constructor`, `toString`, …)
 * are valid attribute names, so they are read only as own properties: absent must stay absent.
 */
export function readRaw(attributes: Attributes, name: string): unknown {
  if (name in Object.prototype) return Object.prototype.hasOwnProperty.call(attributes, name) ? attributes[name] : undefined;
  return attributes[name];
}
