import {
  allowedActions,
  type ActionTable,
  type Actor,
  type AnyLifecycle,
  type Lifecycle,
  type OrderSnapshot,
} from '../../domain';
import type { SendEmailRequest } from '../../activities/contract';
import type { ActionSignal, OrderView, TransitionEntry } from '../contract';
import { Ledger, SYSTEM_ACTOR } from '../order/ledger';
import { Machine, type FactsUpdate, type Outcome } from '../order/machine';
import { parseActionSignal } from '../order/signal-payload';

/** Thrown for an input a workflow cannot start with; the workflow turns it into a non-retryable failure. */
export class InvalidOrderInput extends Error {
  override readonly name = 'InvalidOrderInput';
}

export function requireInput(condition: boolean, message: string): void {
  if (!condition) throw new InvalidOrderInput(message);
}

/** Actions a caller may signal: those some non-system role may take. The workflow takes the rest itself. */
export function signalledActions(lifecycle: AnyLifecycle): string[] {
  return lifecycle.actionNames.filter((action) =>
    lifecycle.transitions.some((row) => row.action === action && row.roles.some((role) => role !== 'system')),
  );
}

export type AnyOutcome = Outcome<string, unknown>;

/** What a run hands to the next one when it continues as new (history kept bounded). */
export interface CarriedOrder<O extends OrderSnapshot> {
  readonly order: O;
  readonly entries: readonly TransitionEntry[];
  readonly requestIds: readonly string[];
  readonly statusReason?: string;
  readonly previousStatus?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The ledger revision: it goes on in the next run (the projection orders views by it). */
  readonly revision: number;
}

/**
 * What every order workflow keeps: its lifecycle machine, the audit ledger and the emails it still
 * has to send. Pure (no Temporal API), so the rules of each workflow are unit-tested without a
 * server; the workflow functions add timers, activities and handlers around it.
 */
export abstract class OrderState<O extends OrderSnapshot, Acts extends ActionTable> {
  readonly ledger: Ledger;
  /** Emails to send, in order; the workflow's mail loop takes them from the front. */
  readonly outbox: SendEmailRequest[] = [];
  protected readonly machine: Machine<O, Acts>;
  protected statusReason: string | undefined;
  protected previousStatus: string | undefined;
  protected readonly createdAt: string;
  protected updatedAt: string;
  private readonly statusListeners: ((status: string) => void)[] = [];
  /** Signal names this workflow handles. */
  readonly signals: readonly string[];
  /** Entries a previous run recorded (and projected) before continuing as new; 0 for a new order. */
  readonly carriedEntries: number;

  protected constructor(
    lifecycle: Lifecycle<O, Acts>,
    initial: O,
    createdBy: Actor,
    now: Date,
    /** Actions callers may signal, beyond the order lifecycle's own (e.g. a service's `retry`). */
    extraSignals: readonly string[] = [],
    /** Set when this run continues a previous one: the order is restored, not created. */
    carried?: CarriedOrder<O>,
  ) {
    this.signals = [...signalledActions(lifecycle as unknown as AnyLifecycle), ...extraSignals];
    this.carriedEntries = carried?.entries.length ?? 0;
    if (carried) {
      this.ledger = new Ledger(carried);
      this.machine = new Machine(lifecycle, carried.order, this.ledger);
      this.statusReason = carried.statusReason;
      this.previousStatus = carried.previousStatus;
      this.createdAt = carried.createdAt;
      this.updatedAt = carried.updatedAt;
      return;
    }
    this.ledger = new Ledger();
    this.machine = new Machine(lifecycle, initial, this.ledger);
    this.createdAt = now.toISOString();
    this.updatedAt = this.createdAt;
    this.ledger.append({
      action: 'create',
      actor: createdBy,
      from: null,
      to: initial.status,
      outcome: 'accepted',
      at: this.createdAt,
    });
  }

  get status(): O['status'] {
    return this.machine.status;
  }

  /** The order's state for the next run (continue-as-new); the outbox must be empty by then. */
  protected carryOrder(): CarriedOrder<O> {
    return {
      order: this.machine.current,
      entries: this.ledger.entries,
      requestIds: this.ledger.handledRequestIds(),
      ...(this.statusReason !== undefined ? { statusReason: this.statusReason } : {}),
      ...(this.previousStatus !== undefined ? { previousStatus: this.previousStatus } : {}),
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      revision: this.ledger.revision,
    };
  }

  get entries(): readonly TransitionEntry[] {
    return this.ledger.entries;
  }

  onStatusChange(listener: (status: string) => void): void {
    this.statusListeners.push(listener);
  }

  /** A signal from outside: checked for shape and name, then decided against the current state. */
  signal(action: string, raw: unknown, now: Date): AnyOutcome {
    const parsed = parseActionSignal(raw);
    if (!parsed.ok) {
      if (this.ledger.isDuplicate(parsed.requestId)) {
        return this.machine.refuse(
          action,
          parsed.actor,
          'duplicate',
          `request ${parsed.requestId} was handled before`,
          now,
        );
      }
      return this.machine.refuse(action, parsed.actor, 'invalid_signal', parsed.message, now);
    }
    if (!this.signals.includes(action)) {
      // Remembered first, so the refusal is the entry a retry of this request finds.
      this.ledger.isDuplicate(parsed.signal.requestId);
      return this.machine.refuse(
        action,
        parsed.signal.actor,
        'unknown_signal',
        `${JSON.stringify(action)} is not an action callers may signal to this order (allowed: ${this.signals.join(', ')})`,
        now,
      );
    }
    return this.handle(action, parsed.signal, now);
  }

  /** An action the workflow takes itself (timers, provisioning results), asked of the domain like any other. */
  system(action: keyof Acts & string, now: Date, fields: Record<string, unknown> = {}): AnyOutcome {
    return this.apply(action, { actor: SYSTEM_ACTOR, fields }, now);
  }

  /** Would the domain let the workflow take this action now? (Chooses between system actions.) */
  may(action: keyof Acts & string, now: Date): boolean {
    return allowedActions(this.machine.lifecycle, this.machine.current, SYSTEM_ACTOR, { now }).includes(
      action,
    );
  }

  /** Routes a well-formed signal; overridden when some signals act on parts of the order. */
  protected handle(action: string, signal: ActionSignal, now: Date): AnyOutcome {
    return this.apply(action as keyof Acts & string, signal, now);
  }

  protected apply(action: keyof Acts & string, signal: ActionSignal, now: Date): AnyOutcome {
    const outcome = this.machine.take(action, signal, now, (fields, order) =>
      this.factsFor(action, fields, order),
    );
    if (outcome.ok) {
      this.updatedAt = now.toISOString();
      if (outcome.from !== outcome.to) {
        this.previousStatus = outcome.from;
        this.statusReason = outcome.entry.reason;
      } else if (outcome.entry.reason !== undefined) {
        this.statusReason = outcome.entry.reason;
      }
      this.afterAccepted(outcome as AnyOutcome & { ok: true }, now);
      if (outcome.from !== outcome.to) for (const listener of this.statusListeners) listener(outcome.to);
    }
    return outcome as AnyOutcome;
  }

  /** Facts an accepted action records on the order besides its status. */
  protected factsFor(_action: string, _fields: unknown, _order: O): FactsUpdate<O> {
    return {};
  }

  /** Consequences of an accepted action: invoice, services, emails. */
  protected afterAccepted(_outcome: AnyOutcome & { ok: true }, _now: Date): void {}

  protected email(request: Omit<SendEmailRequest, 'orderId'>): void {
    this.outbox.push({ orderId: this.orderId, ...request });
  }

  /** Records a change the view shows that is not a transition. */
  protected touched(now: Date): void {
    this.updatedAt = now.toISOString();
    this.ledger.touch();
  }

  abstract readonly orderId: string;
  /** True when nothing more can happen: the workflow may end. */
  abstract get finished(): boolean;
  abstract view(): OrderView;
}
