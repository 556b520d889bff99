/**
 * The full matrix: every status x every action x every role of every lifecycle, checked against the
 * transitions written below by hand from the seeds and issue 2, independently of domain/. A changed,
 * added or removed row in domain/ makes some cell disagree.
 */
import {
  allowedActions,
  checkoutLifecycle,
  decide,
  roles,
  salesOrderLifecycle,
  checkoutServiceLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
  type Actor,
  type AnyLifecycle,
  type Role,
} from '../index';

const NOW = new Date('2026-06-01T12:00:00Z');
const PAST = '2026-05-01T00:00:00Z';
const FUTURE = '2026-07-01T00:00:00Z';

/** 'from action role1,role2 -> to' lines, expanded to one entry per role. */
function rows(...lines: string[]): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of lines) {
    const match = /^(\w+) (\w+) ([\w,]+) -> (\w+)$/.exec(line);
    if (!match) throw new Error(`bad expected row: ${line}`);
    const [, from, action, roleList, to] = match;
    for (const role of roleList!.split(',')) table.set(`${from} ${action} ${role}`, to!);
  }
  return table;
}

interface Situation {
  readonly name: string;
  /** Lifecycle-specific facts of the order (invoice paid, approval route, dates, ...). */
  readonly facts: Record<string, unknown>;
  readonly allowed: Map<string, string>;
}

interface Expected {
  readonly lifecycle: AnyLifecycle;
  readonly statuses: readonly string[];
  readonly actions: readonly string[];
  readonly terminal: readonly string[];
  readonly situations: readonly Situation[];
}

const checkoutAlways = [
  'pending reject admin -> fraud', // with outcome fraud, see validFields
  'pending cancel client,admin -> cancelled',
];

const salesAlways = [
  'draft send_for_customer_approval salesperson -> awaiting_customer_approval',
  'draft submit salesperson -> submitted',
  'draft archive salesperson,admin -> archived',
  'draft cancel admin,salesperson -> canceled',
  'awaiting_customer_approval approve customer -> approved',
  'awaiting_customer_approval reject customer -> declined',
  'awaiting_customer_approval cancel admin,salesperson -> canceled',
  'submitted approve admin -> approved',
  'submitted reject admin -> declined',
  'submitted cancel admin,salesperson -> canceled',
  'declined resubmit salesperson -> resubmitted',
  'declined archive salesperson,admin -> archived',
  'declined cancel admin,salesperson -> canceled',
  'resubmitted cancel admin,salesperson -> canceled',
  'scheduled_activation request_cancellation customer,salesperson -> cancellation_requested',
  'scheduled_activation cancel admin,salesperson -> canceled',
  'processing activate system -> activated',
  'processing fail_activation system -> activation_errors',
  'activated request_cancellation customer,salesperson -> cancellation_requested',
  'activated archive salesperson,admin -> archived',
  'activation_errors retry admin -> processing',
  'activation_errors request_cancellation customer,salesperson -> cancellation_requested',
  'cancellation_requested approve admin -> canceled',
  'canceled archive salesperson,admin -> archived',
];

const expectations: readonly Expected[] = [
  {
    lifecycle: checkoutLifecycle as unknown as AnyLifecycle,
    statuses: ['pending', 'active', 'fraud', 'cancelled'],
    actions: ['pay', 'auto_approve', 'approve', 'reject', 'cancel', 'expire_invoice'],
    terminal: ['active', 'fraud', 'cancelled'],
    situations: [
      {
        name: 'invoice unpaid, not yet due',
        facts: { invoicePaid: false, invoiceDueAt: FUTURE },
        allowed: rows('pending pay client,system -> pending', ...checkoutAlways),
      },
      {
        name: 'invoice unpaid and overdue',
        facts: { invoicePaid: false, invoiceDueAt: PAST },
        allowed: rows(
          'pending pay client,system -> pending',
          'pending expire_invoice system -> cancelled',
          ...checkoutAlways,
        ),
      },
      {
        name: 'invoice paid',
        facts: { invoicePaid: true, invoiceDueAt: PAST },
        allowed: rows(
          'pending auto_approve system -> active',
          'pending approve admin -> active',
          ...checkoutAlways,
        ),
      },
    ],
  },
  {
    lifecycle: checkoutServiceLifecycle as unknown as AnyLifecycle,
    statuses: ['pending', 'active', 'failed'],
    actions: ['activate', 'fail', 'retry'],
    terminal: ['active'],
    situations: [
      {
        name: 'any',
        facts: {},
        allowed: rows(
          'pending activate system -> active',
          'pending fail system -> failed',
          'failed retry admin -> pending',
        ),
      },
    ],
  },
  {
    lifecycle: serviceOrderLifecycle as unknown as AnyLifecycle,
    statuses: [
      'new_order',
      'pending_confirmation',
      'in_development',
      'under_approval',
      'completed',
      'canceled',
    ],
    actions: ['accept', 'confirm', 'submit', 'approve', 'reject', 'cancel'],
    terminal: ['completed', 'canceled'],
    situations: [
      {
        name: 'any',
        facts: {},
        allowed: rows(
          'new_order accept isv -> pending_confirmation',
          'new_order reject isv -> canceled',
          'pending_confirmation confirm merchant -> in_development',
          'pending_confirmation reject merchant -> canceled',
          'in_development submit isv -> under_approval',
          'in_development cancel isv -> canceled',
          'under_approval approve merchant -> completed',
          'under_approval reject merchant -> in_development',
        ),
      },
    ],
  },
  {
    lifecycle: serviceListingLifecycle as unknown as AnyLifecycle,
    statuses: ['draft', 'pending_review', 'online', 'turned_down', 'withdrawn', 'archived'],
    actions: ['submit', 'approve', 'reject', 'withdraw', 'archive', 'edit'],
    terminal: ['archived'],
    situations: [
      {
        name: 'any',
        facts: {},
        allowed: rows(
          'draft submit isv -> pending_review',
          'pending_review approve admin -> online',
          'pending_review reject admin -> turned_down',
          'pending_review withdraw isv -> withdrawn',
          'online archive isv -> archived',
          'turned_down edit isv -> draft',
          'withdrawn edit isv -> draft',
        ),
      },
    ],
  },
  {
    lifecycle: salesOrderLifecycle as unknown as AnyLifecycle,
    statuses: [
      'draft',
      'awaiting_customer_approval',
      'submitted',
      'approved',
      'scheduled_activation',
      'processing',
      'activated',
      'activation_errors',
      'declined',
      'resubmitted',
      'cancellation_requested',
      'canceled',
      'archived',
    ],
    actions: [
      'send_for_customer_approval',
      'submit',
      'approve',
      'reject',
      'resubmit',
      'expire_offer',
      'schedule_activation',
      'start_activation',
      'activate',
      'fail_activation',
      'retry',
      'request_cancellation',
      'cancel',
      'archive',
    ],
    terminal: ['archived'],
    situations: [
      {
        name: 'customer route, offer expired, activation in the future, cancellation from scheduled_activation',
        facts: {
          approvalRoute: 'customer',
          expiresAt: PAST,
          activateAt: FUTURE,
          previousStatus: 'scheduled_activation',
        },
        allowed: rows(
          ...salesAlways,
          'resubmitted approve customer -> approved',
          'resubmitted reject customer -> declined',
          'awaiting_customer_approval expire_offer system -> canceled',
          'submitted expire_offer system -> canceled',
          'resubmitted expire_offer system -> canceled',
          'approved schedule_activation system -> scheduled_activation',
          'cancellation_requested reject admin -> scheduled_activation',
        ),
      },
      {
        name: 'admin route, offer still open, activation date passed, cancellation from activation_errors',
        facts: {
          approvalRoute: 'admin',
          expiresAt: FUTURE,
          activateAt: PAST,
          previousStatus: 'activation_errors',
        },
        allowed: rows(
          ...salesAlways,
          'resubmitted approve admin -> approved',
          'resubmitted reject admin -> declined',
          'approved start_activation system -> processing',
          'scheduled_activation start_activation system -> processing',
          'cancellation_requested reject admin -> activation_errors',
        ),
      },
      {
        name: 'nothing recorded: no route, no expiry, no activation date, no previous status',
        facts: {},
        allowed: rows(
          ...salesAlways,
          'approved start_activation system -> processing',
          'scheduled_activation start_activation system -> processing',
        ),
      },
    ],
  },
];

/** A valid input for every action name (unknown keys are ignored by the schemas). */
const validFields: Record<string, unknown> = {
  pay: { amountCents: 2500, reference: 'PAY-1' },
  reject: { reason: 'not this time', outcome: 'fraud' },
  fail: { error: 'CreateAccount failed 5 times' },
  fail_activation: { errors: [{ productId: 'p-1', reason: 'quota exceeded' }] },
  // An offer put to an approver needs an expiry still ahead: a new one renews a lapsed offer.
  send_for_customer_approval: { expiresAt: FUTURE },
  submit: { expiresAt: FUTURE },
  resubmit: { expiresAt: FUTURE },
};

const parties = {
  clientId: 'client-1',
  isvId: 'isv-1',
  merchantId: 'merchant-1',
  salespersonId: 'salesperson-1',
  customerId: 'customer-1',
};
const actorOf = (role: Role): Actor => ({ role, id: `${role}-1` });

/** A decision as one line, so expected and actual cells compare (and print) as strings. */
function describeDecision(decision: ReturnType<typeof decide>): string {
  return decision.ok ? `ok ${decision.from} -> ${decision.next}` : `refused ${decision.refusal.code}`;
}

/** Runs one cell, turning a throw into the cell's outcome so the other cells still run. */
function outcome(run: () => string): string {
  try {
    return run();
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
}

describe.each(expectations.map((e) => [e.lifecycle.name, e] as const))('%s lifecycle', (name, expected) => {
  const { lifecycle } = expected;

  it('has exactly the statuses, actions and terminal statuses of the seeds', () => {
    expect([...lifecycle.statusNames].sort()).toEqual([...expected.statuses].sort());
    expect([...lifecycle.actionNames].sort()).toEqual([...expected.actions].sort());
    expect([...lifecycle.terminal].sort()).toEqual([...expected.terminal].sort());
  });

  // A role that takes an action somewhere in the lifecycle is refused by status elsewhere; a role
  // that never does is refused by role.
  const roleTakes = new Set(
    expected.situations.flatMap((s) => [...s.allowed.keys()].map((key) => key.split(' ').slice(1).join(' '))),
  );

  // Each table is one test that checks every cell and names each cell that disagrees
  // (lifecycle, situation, status, action, role: expected vs got), instead of one test per cell.
  describe.each(expected.situations.map((s) => [s.name, s] as const))(
    '%s',
    (situation, { facts, allowed }) => {
      it('decides every status x action x role as the table says', () => {
        const wrong: string[] = [];
        let cells = 0;
        for (const status of expected.statuses) {
          const order = { ...parties, ...facts, status };
          for (const action of expected.actions) {
            for (const role of roles) {
              cells++;
              const next = allowed.get(`${status} ${action} ${role}`);
              const want =
                next !== undefined
                  ? `ok ${status} -> ${next}`
                  : `refused ${roleTakes.has(`${action} ${role}`) ? 'status_not_allowed' : 'role_not_allowed'}`;
              const got = outcome(() =>
                describeDecision(
                  decide(lifecycle, order, actorOf(role), action, validFields[action] ?? {}, { now: NOW }),
                ),
              );
              if (got !== want)
                wrong.push(
                  `${name} (${situation}): ${status} ${action} by ${role}: expected ${want}, got ${got}`,
                );
            }
          }
        }
        expect(wrong).toEqual([]);
        expect(cells).toBe(expected.statuses.length * expected.actions.length * roles.length);
      });

      it('lists allowedActions in every status for every role as the table says', () => {
        const wrong: string[] = [];
        for (const status of expected.statuses) {
          const order = { ...parties, ...facts, status };
          for (const role of roles) {
            const want = expected.actions
              .filter((action) => allowed.has(`${status} ${action} ${role}`))
              .sort()
              .join(', ');
            const got = outcome(() =>
              [...allowedActions(lifecycle, order, actorOf(role), { now: NOW })].sort().join(', '),
            );
            if (got !== want)
              wrong.push(
                `${name} (${situation}): allowedActions in ${status} for ${role}: expected [${want}], got [${got}]`,
              );
          }
        }
        expect(wrong).toEqual([]);
      });
    },
  );

  it('refuses every action by every role in a terminal status', () => {
    for (const situation of expected.situations) {
      for (const status of expected.terminal) {
        const order = { ...parties, ...situation.facts, status };
        for (const role of roles) {
          expect(allowedActions(lifecycle, order, actorOf(role), { now: NOW })).toEqual([]);
          for (const action of expected.actions) {
            const decision = decide(lifecycle, order, actorOf(role), action, validFields[action] ?? {}, {
              now: NOW,
            });
            expect(decision.ok).toBe(false);
          }
        }
      }
    }
  });
});
