import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  setDefaultSignalHandler,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderView } from '../contract';
import type { OrderState } from '../state/base';
import { InvalidOrderInput } from '../state/base';
import { orderActivities } from './activities';
import { actionSignal, statusQuery } from './signals';
import { now } from './timers';

// Plain key objects: the same shape defineSearchAttributeKey returns, without importing Node-side code.
const keyword = (name: string) => ({ name, type: 'KEYWORD' }) as const;
const ORDER_STATUS = keyword('OrderStatus');
const ORDER_KIND = keyword('OrderKind');
const CUSTOMER_ID = keyword('CustomerId');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOrderState = OrderState<any, any>;

/**
 * Builds the state, turning an input the workflow cannot start with into a non-retryable failure
 * (a plain error would fail the workflow task and be retried forever).
 */
export function createState<S>(build: () => S): S {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidOrderInput) {
      throw ApplicationFailure.create({
        type: 'InvalidOrderInput',
        message: error.message,
        nonRetryable: true,
      });
    }
    throw error;
  }
}

/**
 * Who asks when a run is cancelled on the Temporal server (`temporal workflow cancel`, the UI's
 * Request Cancellation): an operator, whose request is the lifecycle's `cancel` like an admin's.
 */
export const TEMPORAL_OPERATOR = { role: 'admin', id: 'temporal-operator' } as const;
const OPERATOR_CANCEL_REASON = 'cancellation requested on the Temporal server';

/**
 * An order workflow runs in a scope Temporal's cancellation does not reach: a cancellation request
 * would otherwise cancel the projection and email activities and every wait, leaving Postgres
 * behind the workflow (and the effects loop's rejection failing every workflow task). `runOrder`
 * turns the request into the lifecycle's `cancel` action instead, decided like any other.
 */
export function orderWorkflow<Args extends unknown[]>(
  run: (...args: Args) => Promise<OrderView>,
): (...args: Args) => Promise<OrderView> {
  return (...args) => CancellationScope.nonCancellable(() => run(...args));
}

export interface OrderRuntime {
  /** Resolves once every entry is projected and every queued email sent: then the workflow may return. */
  settled(): Promise<void> | undefined;
  /**
   * Waits until `done()`, like `condition(done)`, except that it does not wait when `done()`
   * already holds: the SDK's condition allocates half a dozen promises even then, each with a
   * captured stack trace.
   */
  until(done: () => boolean): Promise<void> | undefined;
}

/**
 * The machinery every order workflow shares: one signal handler per action the callers may take
 * (applied at once, so a query right after sees it), the `status` query, the search attributes,
 * and the effects: the projection and the emails, one call of each at a time.
 */
export function runOrder(
  state: AnyOrderState,
  searchAttributes: { readonly kind: string; readonly customerId: string },
): OrderRuntime {
  for (const action of state.signals) {
    setHandler(actionSignal(action), (signal) => {
      state.signal(action, signal, now());
    });
  }
  // Any other signal name is recorded as refused instead of waiting in the SDK's buffer forever.
  setDefaultSignalHandler((name, ...args) => {
    state.signal(name, args[0], now());
  });
  setHandler(statusQuery, (): OrderView => state.view());
  // Inside orderWorkflow's scope a cancellation request only rejects this promise.
  CancellationScope.current().cancelRequested.catch((error: unknown) => {
    if (!isCancellation(error)) throw error;
    state.signal('cancel', { actor: TEMPORAL_OPERATOR, fields: { reason: OPERATOR_CANCEL_REASON } }, now());
  });

  const upsert = (pairs: SearchAttributeUpdatePair[]) => upsertSearchAttributes(pairs);
  const upsertStatus = (status: string) => upsert([{ key: ORDER_STATUS, value: status }]);
  upsert([
    { key: ORDER_STATUS, value: state.status },
    { key: ORDER_KIND, value: searchAttributes.kind },
    { key: CUSTOMER_ID, value: searchAttributes.customerId },
  ]);
  state.onStatusChange(upsertStatus);

  const effects = startEffects(state);
  const until = (done: () => boolean) => (done() ? undefined : condition(done));
  return { settled: () => until(effects.idle), until };
}

/**
 * The projection and the emails, each one call at a time: the projection writes the whole view and
 * the entries not yet written (none of a previous run's); an email waits until the projection has
 * written the state as it was when the email came up, so its order row (and parties) exist and what
 * it announces is already visible in the database. A finished call starts what is due next from its
 * own callback; a single `condition` covers the rest (a change while nothing runs), so a burst of
 * changes costs one wake, not one per loop and change.
 */
function startEffects(state: AnyOrderState): { idle(): boolean } {
  let projectedEntries = state.carriedEntries;
  let projectedRevision = -1;
  let projecting = false;
  let sent = 0;
  let sending = false;
  /** The revision the next email waits for: set when it comes up, cleared when it is sent. */
  let mailGate: number | undefined;

  const behind = () => state.ledger.revision !== projectedRevision;
  const projectionDue = () => !projecting && behind();
  const mailDue = () =>
    !sending && state.outbox.length > sent && projectedRevision >= (mailGate ?? state.ledger.revision);

  const startDue = (): void => {
    if (projectionDue()) {
      projecting = true;
      const call = project(state, projectedEntries);
      const finished = (): void => {
        projectedRevision = call.revision;
        projecting = false;
        startDue();
      };
      void call.done.then(
        () => {
          projectedEntries += call.entries;
          finished();
        },
        (error: unknown) => {
          // Refused for good (the activity retries everything else): its entries go with the next
          // change's projection, and the order itself goes on.
          effectFailed(error, 'projection', state);
          finished();
        },
      );
    }
    if (!sending && state.outbox.length > sent) mailGate ??= state.ledger.revision;
    if (mailDue()) {
      sending = true;
      const next = (): void => {
        sent += 1;
        sending = false;
        mailGate = undefined;
        startDue();
      };
      void orderActivities.sendEmail(state.outbox[sent]!).then(next, (error: unknown) => {
        // Refused for good (e.g. the mail server rejects the recipient): the activity recorded it
        // in email_log; the order must not wait on an email.
        effectFailed(error, `email ${state.outbox[sent]!.template}`, state);
        next();
      });
    }
  };

  // The created order is projected at once; from then on the condition wakes for what is due.
  startDue();
  void (async () => {
    for (;;) {
      await condition(() => projectionDue() || mailDue());
      startDue();
    }
  })();
  return { idle: () => !projecting && !sending && !behind() && state.outbox.length === sent };
}

/**
 * An effect's activity failed for good: it retries every retryable error itself, so this is a
 * non-retryable failure, already in the history. Rethrowing it would fail every workflow task from
 * here on, also after any fix (the failure stays in the history), so the order goes on; the failed
 * activity shows in the Temporal UI and the worker's log. Anything else (a bug) is rethrown.
 */
function effectFailed(error: unknown, effect: string, state: AnyOrderState): void {
  if (!(error instanceof ActivityFailure)) throw error;
  log.error(`order ${effect} failed for good; the order goes on`, {
    orderId: state.orderId,
    error: error.cause?.message ?? error.message,
  });
}

/**
 * One projection call: the whole view (its transitions go as entries) and the entries from `from`
 * on; `revision` and `entries` say what the call writes once `done` resolves.
 */
function project(
  state: AnyOrderState,
  from: number,
): { revision: number; entries: number; done: Promise<void> } {
  const revision = state.ledger.revision;
  const entries = state.entries.slice(from);
  const { transitions: _written, ...view } = state.view();
  return {
    revision,
    entries: entries.length,
    done: orderActivities.projectOrder({ ...view, revision }, entries),
  };
}
