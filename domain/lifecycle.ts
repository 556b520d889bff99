import type { z } from 'zod';
import { aOrAn, isPartyTo, type Actor, type Parties, type Role } from './roles';

/**
 * A lifecycle written as data: statuses, actions (with the zod schema of the fields each needs) and
 * transition rows. `decide` is the only code that reads the rows; workflows and the API both ask it.
 */

export interface StatusInfo {
  readonly label: string;
  readonly description: string;
}

export interface ActionInfo<F extends z.ZodType = z.ZodType> {
  readonly label: string;
  /** Schema of the action's input; its output is what `decide` returns as `fields`. */
  readonly fields: F;
}

export type ActionTable = Readonly<Record<string, ActionInfo>>;

/** What `decide` needs to know about an order: its status, its parties and lifecycle-specific facts. */
export type OrderSnapshot<S extends string = string> = Parties & { readonly status: S };

export interface GuardContext<O> {
  readonly order: O;
  readonly actor: Actor;
  /** The caller's clock (workflow time in a workflow); required by guards marked `needsNow`. */
  readonly now?: Date;
}

/** A condition on the order beyond its status; a failing guard refuses like a wrong status. */
export interface Guard<O> {
  /** Says when the row applies, e.g. "only once the invoice is paid". Shown in refusals and docs. */
  readonly description: string;
  readonly needsNow?: boolean;
  test(context: GuardContext<O>): boolean;
}

/** A next status chosen by the fields or the order (e.g. reject -> fraud or cancelled by `outcome`). */
export interface NextStatusRule<S extends string, O, F> {
  readonly targets: readonly S[];
  readonly description: string;
  resolve(context: { readonly order: O; readonly fields: F }): S | null | undefined;
}

/**
 * A rule on an action's fields against the order (a payment must cover the invoice), checked once
 * the fields match their schema; breaking it refuses the action as invalid_fields.
 */
export interface FieldRule<O, F> {
  /** Says what the fields must satisfy, e.g. "the amount covers the invoice". Shown in docs. */
  readonly description: string;
  /** The issue when the fields break the rule, undefined when they satisfy it. */
  check(context: { readonly order: O; readonly fields: F; readonly now?: Date }): FieldIssue | undefined;
}

type TransitionFor<O extends OrderSnapshot, A extends string, F> = {
  readonly from: O['status'] | readonly O['status'][];
  readonly action: A;
  readonly roles: readonly Role[];
  readonly to: O['status'] | NextStatusRule<O['status'], O, F>;
  readonly guard?: Guard<O>;
  readonly fieldRule?: FieldRule<O, F>;
};

/** One row: from which status(es) which roles may take an action, and where it leads. */
export type Transition<O extends OrderSnapshot, Acts extends ActionTable> = {
  [A in keyof Acts & string]: TransitionFor<O, A, z.output<Acts[A]['fields']>>;
}[keyof Acts & string];

export interface LifecycleDefinition<O extends OrderSnapshot, Acts extends ActionTable> {
  readonly name: string;
  readonly title: string;
  /** Where the rules come from (seed document). */
  readonly source: string;
  readonly statuses: { readonly [S in O['status']]: StatusInfo };
  readonly initial: readonly O['status'][];
  /** Statuses that allow no action at all. Checked against the rows when the lifecycle is defined. */
  readonly terminal: readonly O['status'][];
  readonly actions: Acts;
  readonly transitions: readonly Transition<O, Acts>[];
}

export interface Lifecycle<O extends OrderSnapshot, Acts extends ActionTable> extends LifecycleDefinition<
  O,
  Acts
> {
  readonly statusNames: readonly O['status'][];
  readonly actionNames: readonly (keyof Acts & string)[];
}

export type AnyLifecycle = Lifecycle<OrderSnapshot, ActionTable>;
export type OrderOf<L> = L extends Lifecycle<infer O, ActionTable> ? O : never;
export type StatusOf<L> = OrderOf<L>['status'];
export type ActionOf<L> = L extends Lifecycle<OrderSnapshot, infer Acts> ? keyof Acts & string : never;
export type FieldsOf<L, A extends string> =
  L extends Lifecycle<OrderSnapshot, infer Acts> ? z.output<Acts[A]['fields']> : never;
export type FieldsInputOf<L, A extends string> =
  L extends Lifecycle<OrderSnapshot, infer Acts> ? z.input<Acts[A]['fields']> : never;

export interface FieldIssue {
  /** Dotted path of the field, '' for the whole input. */
  readonly path: string;
  readonly message: string;
}

/** Why an action is refused, in the order `decide` checks (the API maps them to 404, 403, 409, 422). */
export type Refusal<S extends string = string, A extends string = string> =
  | { readonly code: 'not_party'; readonly message: string }
  | {
      readonly code: 'role_not_allowed';
      readonly role: Role;
      readonly action: string;
      readonly message: string;
    }
  | {
      readonly code: 'status_not_allowed';
      readonly status: S;
      readonly action: string;
      /** Actions this actor may take now, so a client can recover. */
      readonly allowedActions: readonly A[];
      /** Set when the status is right but a guard fails. */
      readonly unmetCondition?: string;
      readonly message: string;
    }
  | {
      readonly code: 'invalid_fields';
      readonly action: string;
      readonly issues: readonly FieldIssue[];
      readonly message: string;
    };

export type RefusalCode = Refusal['code'];

export const refusalHttpStatus: { readonly [C in RefusalCode]: number } = {
  not_party: 404,
  role_not_allowed: 403,
  status_not_allowed: 409,
  invalid_fields: 422,
};

export type Decision<S extends string, A extends string, F> =
  | { readonly ok: true; readonly action: A; readonly from: S; readonly next: S; readonly fields: F }
  | { readonly ok: false; readonly refusal: Refusal<S, string> };

export interface DecideOptions {
  /** Current time; needed for time conditions (expiries, scheduled activation). */
  readonly now?: Date;
}

/**
 * Defines a lifecycle and checks the rows for mistakes (unknown statuses, two rows for the same
 * status, action and role, terminal statuses with actions, unreachable statuses); a mistake throws
 * when the module loads. Curried so the order type is explicit while the actions are inferred.
 */
export function defineLifecycle<O extends OrderSnapshot>() {
  return <Acts extends ActionTable>(definition: LifecycleDefinition<O, Acts>): Lifecycle<O, Acts> => {
    const lifecycle: Lifecycle<O, Acts> = {
      ...definition,
      statusNames: Object.keys(definition.statuses) as O['status'][],
      actionNames: Object.keys(definition.actions) as (keyof Acts & string)[],
    };
    checkDefinition(lifecycle);
    return lifecycle;
  };
}

export function fromStatuses<S extends string>(row: { readonly from: S | readonly S[] }): readonly S[] {
  return typeof row.from === 'string' ? [row.from as S] : (row.from as readonly S[]);
}

export function targetStatuses<S extends string>(row: {
  readonly to: S | { readonly targets: readonly S[] };
}) {
  return typeof row.to === 'string' ? [row.to as S] : row.to.targets;
}

function checkDefinition(lifecycle: AnyLifecycle): void {
  const fail = (message: string): never => {
    throw new Error(`lifecycle ${lifecycle.name}: ${message}`);
  };
  const statuses = new Set<string>(lifecycle.statusNames);
  const actions = new Set<string>(lifecycle.actionNames);
  const known = (status: string, where: string) =>
    statuses.has(status) || fail(`${where}: unknown status ${status}`);
  lifecycle.initial.forEach((s) => known(s, 'initial'));
  lifecycle.terminal.forEach((s) => known(s, 'terminal'));
  const seen = new Set<string>();
  const withActions = new Set<string>();
  const usedActions = new Set<string>();
  for (const row of lifecycle.transitions) {
    const where = `row ${fromStatuses(row).join('|')} ${row.action}`;
    if (!actions.has(row.action)) fail(`${where}: unknown action`);
    if (row.roles.length === 0) fail(`${where}: no roles`);
    targetStatuses(row).forEach((s) => known(s, where));
    usedActions.add(row.action);
    for (const from of fromStatuses(row)) {
      known(from, where);
      withActions.add(from);
      for (const role of row.roles) {
        const key = `${from} ${row.action} ${role}`;
        if (seen.has(key)) fail(`two rows for ${key}`);
        seen.add(key);
      }
    }
  }
  for (const status of lifecycle.statusNames) {
    const terminal = lifecycle.terminal.includes(status);
    if (terminal && withActions.has(status)) fail(`terminal status ${status} has actions`);
    if (!terminal && !withActions.has(status)) fail(`status ${status} has no action but is not terminal`);
  }
  for (const action of lifecycle.actionNames)
    if (!usedActions.has(action)) fail(`action ${action} is unused`);
  const reached = new Set<string>(lifecycle.initial);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of lifecycle.transitions) {
      if (!fromStatuses(row).some((s) => reached.has(s))) continue;
      for (const to of targetStatuses(row)) if (!reached.has(to) && reached.add(to)) grew = true;
    }
  }
  for (const status of lifecycle.statusNames)
    if (!reached.has(status)) fail(`status ${status} is unreachable`);
}

function rowsFor<O extends OrderSnapshot, Acts extends ActionTable>(
  lifecycle: Lifecycle<O, Acts>,
  status: string,
  role: Role,
): Transition<O, Acts>[] {
  return lifecycle.transitions.filter(
    (row) => row.roles.includes(role) && fromStatuses<string>(row).includes(status),
  );
}

function guardPasses<O extends OrderSnapshot>(
  guard: Guard<O> | undefined,
  context: GuardContext<O>,
): boolean {
  if (!guard) return true;
  if (guard.needsNow && !context.now) return false;
  return guard.test(context);
}

function assertKnownStatus(lifecycle: AnyLifecycle, status: string): void {
  if (!Object.hasOwn(lifecycle.statuses, status)) {
    throw new Error(`lifecycle ${lifecycle.name}: the order has an unknown status ${JSON.stringify(status)}`);
  }
}

/** Actions the actor may take on the order now (fields aside), in the lifecycle's action order. */
export function allowedActions<O extends OrderSnapshot, Acts extends ActionTable>(
  lifecycle: Lifecycle<O, Acts>,
  order: O,
  actor: Actor,
  options: DecideOptions = {},
): (keyof Acts & string)[] {
  assertKnownStatus(lifecycle, order.status);
  if (!isPartyTo(actor, order)) return [];
  const context: GuardContext<O> = { order, actor, now: options.now };
  const allowed = new Set<string>(
    rowsFor(lifecycle, order.status, actor.role)
      .filter((row) => guardPasses(row.guard, context))
      .map((row) => row.action),
  );
  return lifecycle.actionNames.filter((action) => allowed.has(action));
}

/**
 * May this actor take this action on this order now? Returns the next status and the parsed fields,
 * or the first refusal in the order: not_party, role_not_allowed, status_not_allowed (wrong status or
 * failing guard), invalid_fields. Throws only for caller bugs: an order status the lifecycle does not
 * know, or a time condition asked without `options.now`.
 */
export function decide<O extends OrderSnapshot, Acts extends ActionTable, A extends keyof Acts & string>(
  lifecycle: Lifecycle<O, Acts>,
  order: O,
  actor: Actor,
  action: A,
  input: unknown = {},
  options: DecideOptions = {},
): Decision<O['status'], A, z.output<Acts[A]['fields']>> {
  assertKnownStatus(lifecycle, order.status);
  const status: O['status'] = order.status;
  if (!isPartyTo(actor, order)) {
    return refuse({ code: 'not_party', message: `this ${lifecycle.title} is not one of the actor's orders` });
  }
  const known = Object.hasOwn(lifecycle.actions, action);
  if (
    !known ||
    !lifecycle.transitions.some((row) => row.action === action && row.roles.includes(actor.role))
  ) {
    return refuse({
      code: 'role_not_allowed',
      role: actor.role,
      action,
      message: known
        ? `${aOrAn(actor.role)} may never ${action} ${aOrAn(lifecycle.title)}`
        : `${JSON.stringify(action)} is not an action of ${aOrAn(lifecycle.title)}`,
    });
  }
  const row = rowsFor(lifecycle, status, actor.role).find((r) => r.action === action);
  const context: GuardContext<O> = { order, actor, now: options.now };
  if (row?.guard?.needsNow && !options.now) {
    throw new Error(`lifecycle ${lifecycle.name}: ${action} needs options.now (${row.guard.description})`);
  }
  if (!row || !guardPasses(row.guard, context)) {
    const condition = row?.guard?.description;
    return refuse({
      code: 'status_not_allowed',
      status,
      action,
      allowedActions: allowedActions(lifecycle, order, actor, options),
      ...(condition ? { unmetCondition: condition } : {}),
      message: condition
        ? `${action} is allowed in ${status} ${condition}`
        : `${aOrAn(actor.role)} may not ${action} ${aOrAn(lifecycle.title)} that is ${status}`,
    });
  }
  const parsed = lifecycle.actions[action]!.fields.safeParse(input ?? {});
  const invalid = (issues: readonly FieldIssue[]) =>
    refuse({
      code: 'invalid_fields',
      action,
      issues,
      message: `invalid fields for ${action}: ${issues.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ')}`,
    });
  if (!parsed.success) {
    return invalid(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const fields = parsed.data as z.output<Acts[A]['fields']>;
  const broken = row.fieldRule?.check({ order, fields: fields as never, now: options.now });
  if (broken) return invalid([broken]);
  const next = typeof row.to === 'string' ? row.to : row.to.resolve({ order, fields: fields as never });
  if (next == null || !targetStatuses(row).includes(next)) {
    throw new Error(`lifecycle ${lifecycle.name}: ${action} from ${status} resolved to ${String(next)}`);
  }
  return { ok: true, action, from: status, next, fields };
}

function refuse<S extends string>(
  refusal: Refusal<S, string>,
): { readonly ok: false; readonly refusal: Refusal<S> } {
  return { ok: false, refusal };
}

export function isTerminal<O extends OrderSnapshot, Acts extends ActionTable>(
  lifecycle: Lifecycle<O, Acts>,
  status: O['status'],
): boolean {
  return lifecycle.terminal.includes(status);
}

export function isStatusOf<O extends OrderSnapshot, Acts extends ActionTable>(
  lifecycle: Lifecycle<O, Acts>,
  value: unknown,
): value is O['status'] {
  return typeof value === 'string' && Object.hasOwn(lifecycle.statuses, value);
}

export function isActionOf<O extends OrderSnapshot, Acts extends ActionTable>(
  lifecycle: Lifecycle<O, Acts>,
  value: unknown,
): value is keyof Acts & string {
  return typeof value === 'string' && Object.hasOwn(lifecycle.actions, value);
}
