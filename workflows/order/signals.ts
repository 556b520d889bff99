import { defineQuery, defineSignal, type QueryDefinition, type SignalDefinition } from '@temporalio/workflow';
import { lifecycles } from '../../domain';
import type { ActionSignal, OrderView } from '../contract';

/** The `status` query: the order as the workflow sees it now. */
export const statusQuery: QueryDefinition<OrderView> = defineQuery<OrderView>('status');

/** Every signal is named after the domain action it asks for and carries an ActionSignal. */
export type ActionSignalDefinition = SignalDefinition<[ActionSignal]>;

export const actionSignal = (action: string): ActionSignalDefinition => defineSignal<[ActionSignal]>(action);

/** One definition per action name of any lifecycle (accept, confirm, pay, approve, reject, cancel, ...). */
export const actionSignals: Readonly<Record<string, ActionSignalDefinition>> = Object.fromEntries(
  [...new Set(lifecycles.flatMap((lifecycle) => lifecycle.actionNames as readonly string[]))].map(
    (action) => [action, actionSignal(action)],
  ),
);
