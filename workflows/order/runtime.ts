import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ApplicationFailure,
  condition,
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

export interface OrderRuntime {
  /** Resolves once every entry is projected and every queued email sent: then the workflow may return. */
  settled(): Promise<void>;
}

/**
 * The machinery every order workflow shares: one signal handler per action the callers may take
 * (applied at once, so a query right after sees it), the `status` query, the search attributes,
 * and two sequential loops draining the projection and the emails.
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

  const upsert = (pairs: SearchAttributeUpdatePair[]) => upsertSearchAttributes(pairs);
  const upsertStatus = (status: string) => upsert([{ key: ORDER_STATUS, value: status }]);
  upsert([
    { key: ORDER_STATUS, value: state.status },
    { key: ORDER_KIND, value: searchAttributes.kind },
    { key: CUSTOMER_ID, value: searchAttributes.customerId },
  ]);
  state.onStatusChange(upsertStatus);

  const projection = startProjection(state);
  const mail = startMail(state, projection);
  return {
    settled: async () => {
      await condition(() => projection.idle() && mail.idle());
    },
  };
}

interface Projection {
  idle(): boolean;
  /** The ledger revision the last finished projection wrote. */
  projectedRevision(): number;
}

/**
 * ONE loop writes the projection, so two writes of the same order are never in flight together.
 * Each call carries the whole view and the entries not yet written (none of a previous run's).
 */
function startProjection(state: AnyOrderState): Projection {
  let projectedEntries = state.carriedEntries;
  let projectedRevision = -1;
  let busy = false;
  const behind = () => state.ledger.revision !== projectedRevision;
  void (async () => {
    for (;;) {
      await condition(behind);
      busy = true;
      const revision = state.ledger.revision;
      const entries = state.entries.slice(projectedEntries);
      const { transitions: _written, ...view } = state.view();
      await orderActivities.projectOrder(view, entries);
      projectedEntries += entries.length;
      projectedRevision = revision;
      busy = false;
    }
  })();
  return { idle: () => !busy && !behind(), projectedRevision: () => projectedRevision };
}

/**
 * Emails go out one at a time in the order the state queued them, each once the projection has
 * written the change that queued it: the order row (and its parties) exist when the email is sent,
 * and what the email announces is already visible in the database.
 */
function startMail(state: AnyOrderState, projection: Projection): { idle(): boolean } {
  let sent = 0;
  let busy = false;
  void (async () => {
    for (;;) {
      await condition(() => state.outbox.length > sent);
      busy = true;
      const written = state.ledger.revision;
      await condition(() => projection.projectedRevision() >= written);
      await orderActivities.sendEmail(state.outbox[sent]!);
      sent += 1;
      busy = false;
    }
  })();
  return { idle: () => !busy && state.outbox.length === sent };
}
