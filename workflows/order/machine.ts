import type { z } from 'zod';
import {
  decide,
  isTerminal,
  type ActionTable,
  type Actor,
  type Lifecycle,
  type OrderSnapshot,
} from '../../domain';
import type { ActionSignal, TransitionEntry } from '../contract';
import type { Ledger } from './ledger';

/** Refusal codes beyond the domain's: the workflow refuses these before asking `decide`. */
export type WorkflowRefusalCode = 'duplicate' | 'invalid_signal' | 'unknown_signal';

export type Outcome<S extends string, F> =
  | {
      readonly ok: true;
      readonly action: string;
      readonly from: S;
      readonly to: S;
      readonly fields: F;
      readonly entry: TransitionEntry;
    }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly entry: TransitionEntry };

type FieldsOfAction<Acts extends ActionTable, A extends keyof Acts> = z.output<Acts[A]['fields']>;

/** What an accepted action records besides the status (approval route, expiry, ...). */
export type FactsUpdate<O extends OrderSnapshot> = Partial<Omit<O, 'status'>>;

/** Words for the audit trail: the reason a decline, cancel or failure gave. */
export function reasonOf(fields: unknown): string | undefined {
  if (typeof fields !== 'object' || fields === null) return undefined;
  const record = fields as Record<string, unknown>;
  if (typeof record.reason === 'string') return record.reason;
  if (typeof record.error === 'string') return record.error;
  if (Array.isArray(record.errors)) {
    return record.errors
      .map((e: { productId?: unknown; reason?: unknown }) => `${String(e.productId)}: ${String(e.reason)}`)
      .join('; ');
  }
  return undefined;
}

/**
 * One lifecycle instance (an order, or one service of an order). Every change goes through `take`,
 * which asks the domain's `decide` against the current state: the rows are never restated here.
 * Accepted and refused attempts both land in the ledger.
 */
export class Machine<O extends OrderSnapshot, Acts extends ActionTable> {
  private order: O;

  constructor(
    readonly lifecycle: Lifecycle<O, Acts>,
    initial: O,
    private readonly ledger: Ledger,
    /** Set when the machine is not the order itself (a service id), so its entries say so. */
    readonly subject?: string,
  ) {
    this.order = initial;
  }

  get current(): O {
    return this.order;
  }

  get status(): O['status'] {
    return this.order.status;
  }

  get isTerminal(): boolean {
    return isTerminal(this.lifecycle, this.order.status);
  }

  /** Changes facts that are not transitions (never the status). */
  amend(facts: FactsUpdate<O>): void {
    this.order = { ...this.order, ...facts, status: this.order.status };
    this.ledger.touch();
  }

  take<A extends keyof Acts & string>(
    action: A,
    signal: ActionSignal,
    now: Date,
    facts?: (fields: FieldsOfAction<Acts, A>, order: O) => FactsUpdate<O>,
  ): Outcome<O['status'], FieldsOfAction<Acts, A>> {
    if (this.ledger.isDuplicate(signal.requestId)) {
      return this.refuse(
        action,
        signal.actor,
        'duplicate',
        `request ${String(signal.requestId)} was handled before`,
        now,
      );
    }
    const decision = decide(this.lifecycle, this.order, signal.actor, action, signal.fields ?? {}, { now });
    if (!decision.ok) {
      return this.refuse(action, signal.actor, decision.refusal.code, decision.refusal.message, now);
    }
    const from = this.order.status;
    this.order = { ...this.order, ...facts?.(decision.fields, this.order), status: decision.next };
    const reason = reasonOf(decision.fields);
    const entry = this.ledger.append({
      action,
      actor: signal.actor,
      from,
      to: decision.next,
      outcome: 'accepted',
      ...(reason !== undefined ? { reason } : {}),
      ...(this.subject !== undefined ? { subject: this.subject } : {}),
      at: now.toISOString(),
    });
    return { ok: true, action, from, to: decision.next, fields: decision.fields, entry };
  }

  /** Records a refusal that changes nothing. */
  refuse(
    action: string,
    actor: Actor,
    code: string,
    message: string,
    now: Date,
  ): {
    readonly ok: false;
    readonly code: string;
    readonly message: string;
    readonly entry: TransitionEntry;
  } {
    const entry = this.ledger.append({
      action,
      actor,
      from: this.order.status,
      to: null,
      outcome: 'refused',
      reason: message,
      refusal: code,
      ...(this.subject !== undefined ? { subject: this.subject } : {}),
      at: now.toISOString(),
    });
    return { ok: false, code, message, entry };
  }
}
