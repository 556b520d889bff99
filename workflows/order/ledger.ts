import type { Actor } from '../../domain';
import type { TransitionEntry } from '../contract';

/** The actor of everything the workflow does by itself: timers, provisioning results, expiries. */
export const SYSTEM_ACTOR: Actor = { role: 'system', id: 'order-workflow' };

/**
 * An order's audit trail (accepted and refused entries, in order) plus a revision that moves with
 * every change the order's view shows, so the projection loop knows when there is something to
 * write even without a new entry (an invoice turning overdue).
 */
export class Ledger {
  private readonly list: TransitionEntry[];
  private readonly requestIds: Set<string>;
  /** A request id just seen for the first time: the next entry is that request's and carries it. */
  private unrecorded: string | undefined;
  private changes: number;

  /**
   * Empty, or carried over from a previous run (continue-as-new): the revision goes on from the
   * carried one (the projection orders views by it).
   */
  constructor(carried?: {
    readonly entries: readonly TransitionEntry[];
    readonly requestIds: readonly string[];
    readonly revision: number;
  }) {
    this.list = [...(carried?.entries ?? [])];
    this.requestIds = new Set(carried?.requestIds);
    this.changes = carried?.revision ?? 0;
  }

  /** The request ids seen so far, to carry into the next run. */
  handledRequestIds(): string[] {
    return [...this.requestIds];
  }

  get entries(): readonly TransitionEntry[] {
    return this.list;
  }

  get revision(): number {
    return this.changes;
  }

  /** Marks a change of the view that is not an entry. */
  touch(): void {
    this.changes += 1;
  }

  /**
   * True when this request id was handled before; remembers it otherwise, and the next entry
   * (the request's outcome) carries it, so a caller retrying the request can find what it did.
   */
  isDuplicate(requestId: string | undefined): boolean {
    if (requestId === undefined) return false;
    if (this.requestIds.has(requestId)) return true;
    this.requestIds.add(requestId);
    this.unrecorded = requestId;
    return false;
  }

  append(entry: Omit<TransitionEntry, 'sequence' | 'requestId'>): TransitionEntry {
    const requestId = this.unrecorded;
    this.unrecorded = undefined;
    const recorded: TransitionEntry = {
      sequence: this.list.length + 1,
      ...entry,
      ...(requestId !== undefined ? { requestId } : {}),
    };
    this.list.push(recorded);
    this.changes += 1;
    return recorded;
  }
}
