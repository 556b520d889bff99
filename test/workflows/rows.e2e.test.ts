import type { WorkflowHandle } from '@temporalio/client';
import {
  checkoutLifecycle,
  checkoutServiceLifecycle,
  fromStatuses,
  salesOrderLifecycle,
  serviceListingLifecycle,
  serviceOrderLifecycle,
  targetStatuses,
  type Actor,
  type AnyLifecycle,
  type Role,
} from '../../domain';
import {
  listingWorkflowId,
  orderWorkflowId,
  type CheckoutSettings,
  type OrderItemInput,
  type SalesOrderInput,
} from '../../workflows/contract';
import { DAY_MS, useWorkflowTestEnv, statusWhen, status } from './support/environment';

/**
 * Every transition row of every lifecycle that a caller signals, driven through its workflow: a
 * fresh order is brought to the row's status by signals (and time), the row's action is signalled
 * by each of its roles, and the audit trail must show the row taken. Rows the workflow takes
 * itself are exercised by the scenario tests named in `rowsTakenByTheWorkflow`; the first test
 * checks that together they cover every row.
 */

const BROKEN_PRODUCT = 'always-broken';
const actors: { readonly [R in Role]: Actor } = {
  admin: { role: 'admin', id: 'admin-1' },
  client: { role: 'client', id: 'client-1' },
  isv: { role: 'isv', id: 'isv-1' },
  merchant: { role: 'merchant', id: 'm-1' },
  salesperson: { role: 'salesperson', id: 'sp-1' },
  customer: { role: 'customer', id: 'cu-1' },
  system: { role: 'system', id: 'payments-webhook' },
};

/** Fields each action needs (the domain validates them). */
const sampleFields: Record<string, Record<string, unknown>> = {
  'checkout pay': { amountCents: 2500, reference: 'txn-rows' },
  'checkout reject': { reason: 'duplicate order', outcome: 'cancelled' },
  reject: { reason: 'not what was agreed' },
  cancel: { reason: 'no longer needed' },
  request_cancellation: { reason: 'budget cut' },
};
const fieldsFor = (lifecycle: string, action: string) =>
  sampleFields[`${lifecycle} ${action}`] ?? sampleFields[action] ?? {};

type Step = readonly [action: string, role: Role];
interface Recipe {
  readonly steps: readonly Step[];
  /** Wait for this status after the steps (states reached through activities). */
  readonly await?: string;
  readonly checkout?: Partial<CheckoutSettings>;
  readonly sales?: Partial<SalesOrderInput>;
  readonly brokenItem?: boolean;
}

/** How to bring a fresh order to a status; `status:role` picks a variant for one role (approval route). */
const recipes: Record<string, Record<string, Recipe>> = {
  checkout: {
    pending: { steps: [] },
    'pending:approve': { steps: [['pay', 'system']], checkout: { autoApprove: false } },
  },
  service_order: {
    new_order: { steps: [] },
    pending_confirmation: { steps: [['accept', 'isv']] },
    in_development: {
      steps: [
        ['accept', 'isv'],
        ['confirm', 'merchant'],
      ],
    },
    under_approval: {
      steps: [
        ['accept', 'isv'],
        ['confirm', 'merchant'],
        ['submit', 'isv'],
      ],
    },
  },
  service_listing: {
    draft: { steps: [] },
    pending_review: { steps: [['submit', 'isv']] },
    online: {
      steps: [
        ['submit', 'isv'],
        ['approve', 'admin'],
      ],
    },
    turned_down: {
      steps: [
        ['submit', 'isv'],
        ['reject', 'admin'],
      ],
    },
    withdrawn: {
      steps: [
        ['submit', 'isv'],
        ['withdraw', 'isv'],
      ],
    },
  },
  sales_order: {
    draft: { steps: [] },
    awaiting_customer_approval: { steps: [['send_for_customer_approval', 'salesperson']] },
    submitted: { steps: [['submit', 'salesperson']] },
    declined: {
      steps: [
        ['submit', 'salesperson'],
        ['reject', 'admin'],
      ],
    },
    // Sent to an admin before; the customer variant below is for the customer's own rows.
    resubmitted: {
      steps: [
        ['submit', 'salesperson'],
        ['reject', 'admin'],
        ['resubmit', 'salesperson'],
      ],
    },
    'resubmitted:customer': {
      steps: [
        ['send_for_customer_approval', 'salesperson'],
        ['reject', 'customer'],
        ['resubmit', 'salesperson'],
      ],
    },
    scheduled_activation: {
      steps: [
        ['submit', 'salesperson'],
        ['approve', 'admin'],
      ],
      sales: { activateAt: 'in 30 days' },
      await: 'scheduled_activation',
    },
    activated: {
      steps: [
        ['submit', 'salesperson'],
        ['approve', 'admin'],
      ],
      await: 'activated',
    },
    activation_errors: {
      steps: [
        ['submit', 'salesperson'],
        ['approve', 'admin'],
      ],
      brokenItem: true,
      await: 'activation_errors',
    },
    cancellation_requested: {
      steps: [
        ['submit', 'salesperson'],
        ['approve', 'admin'],
        ['request_cancellation', 'customer'],
      ],
      await: 'activated',
    },
    canceled: {
      steps: [
        ['submit', 'salesperson'],
        ['cancel', 'admin'],
      ],
    },
  },
};

/** `lifecycle from action role` rows the workflow takes itself or that no caller can reach, with where they are tested. */
const rowsTakenByTheWorkflow: Record<string, string> = {
  'checkout pending auto_approve system': 'checkout.e2e: paid before the due date with auto-approve on',
  'checkout pending expire_invoice system': 'checkout.e2e: unpaid at the due date with auto-cancel on',
  'checkout_service pending activate system': 'checkout.e2e: every provisioning scenario',
  'checkout_service pending fail system': 'checkout.e2e: a provisioning failure exhausting retries',
  'checkout_service failed retry admin': 'checkout.e2e: ... admin retry provisions again',
  'sales_order awaiting_customer_approval expire_offer system':
    'sales-order-state unit test; same row as submitted',
  'sales_order submitted expire_offer system': 'sales-order.e2e: the offer expires while awaiting approval',
  'sales_order resubmitted expire_offer system': 'sales-order-state unit test; same row as submitted',
  'sales_order approved schedule_activation system': 'sales-order.e2e: activation scheduled 14 days ahead',
  'sales_order approved start_activation system': 'sales-order.e2e: partial activation errors',
  'sales_order scheduled_activation start_activation system':
    'sales-order.e2e: activation scheduled 14 days ahead',
  'sales_order processing activate system': 'sales-order.e2e: every activation',
  'sales_order processing fail_activation system': 'sales-order.e2e: partial activation errors',
};

interface RowCase {
  readonly key: string;
  readonly lifecycle: AnyLifecycle;
  readonly from: string;
  readonly action: string;
  readonly role: Role;
  readonly targets: readonly string[];
}

const lifecycles = [
  checkoutLifecycle,
  checkoutServiceLifecycle,
  serviceOrderLifecycle,
  serviceListingLifecycle,
  salesOrderLifecycle,
] as unknown as AnyLifecycle[];

const allRows: RowCase[] = lifecycles.flatMap((lifecycle) =>
  lifecycle.transitions.flatMap((row) =>
    fromStatuses<string>(row).flatMap((from) =>
      row.roles.map((role) => ({
        key: `${lifecycle.name} ${from} ${row.action} ${role}`,
        lifecycle,
        from,
        action: row.action,
        role,
        targets: targetStatuses<string>(row),
      })),
    ),
  ),
);
const signalledRows = allRows.filter((row) => !(row.key in rowsTakenByTheWorkflow));

const t = useWorkflowTestEnv();
beforeAll(() => {
  t.observed.failingProducts.add(BROKEN_PRODUCT);
});

const items = (broken = false): OrderItemInput[] => [
  { id: 'main', productId: 'main-product', productType: 'other', quantity: 1, unitPriceCents: 2500 },
  ...(broken
    ? [
        {
          id: 'broken',
          productId: BROKEN_PRODUCT,
          productType: 'other' as const,
          quantity: 1,
          unitPriceCents: 100,
        },
      ]
    : []),
];

async function startFor(lifecycle: string, recipe: Recipe): Promise<WorkflowHandle> {
  const id = t.id(lifecycle.replace('_', ''));
  const common = { taskQueue: t.taskQueue, workflowId: orderWorkflowId(id) };
  switch (lifecycle) {
    case 'checkout':
      return t.env.client.workflow.start('checkoutOrder', {
        ...common,
        args: [
          {
            orderId: id,
            clientId: actors.client.id,
            currency: 'EUR',
            createdBy: actors.client,
            items: items(),
            settings: { autoApprove: true, invoiceDueDays: 30, autoCancelOnExpiry: true, ...recipe.checkout },
            provisioning: { taskQueue: t.provisioningTaskQueue, maximumAttempts: 1 },
          },
        ],
      });
    case 'service_order':
      return t.env.client.workflow.start('serviceOrder', {
        ...common,
        args: [
          {
            orderId: id,
            listingId: 'l-1',
            isvId: actors.isv.id,
            merchantId: actors.merchant.id,
            createdBy: actors.merchant,
          },
        ],
      });
    case 'service_listing':
      return t.env.client.workflow.start('serviceListing', {
        ...common,
        workflowId: listingWorkflowId(id),
        args: [{ listingId: id, isvId: actors.isv.id, name: 'Listing', createdBy: actors.isv }],
      });
    case 'sales_order': {
      const activateAt = recipe.sales?.activateAt
        ? new Date((await t.env.currentTimeMs()) + 30 * DAY_MS).toISOString()
        : undefined;
      return t.env.client.workflow.start('salesOrder', {
        ...common,
        args: [
          {
            orderId: id,
            salespersonId: actors.salesperson.id,
            customerId: actors.customer.id,
            currency: 'USD',
            createdBy: actors.salesperson,
            items: items(recipe.brokenItem),
            ...(activateAt ? { activateAt } : {}),
            provisioning: { taskQueue: t.provisioningTaskQueue, maximumAttempts: 1 },
          },
        ],
      });
    }
    default:
      throw new Error(`no workflow for lifecycle ${lifecycle}`);
  }
}

function recipeFor(row: RowCase): Recipe | undefined {
  const byLifecycle = recipes[row.lifecycle.name] ?? {};
  return (
    byLifecycle[`${row.from}:${row.action}`] ??
    byLifecycle[`${row.from}:${row.role}`] ??
    byLifecycle[row.from]
  );
}

describe('every transition row', () => {
  it('is either signalled below or taken by the workflow in a named scenario', () => {
    const known = new Set(allRows.map((row) => row.key));
    expect(Object.keys(rowsTakenByTheWorkflow).filter((key) => !known.has(key))).toEqual([]);
    const withoutRecipe = signalledRows.filter((row) => recipeFor(row) === undefined);
    expect(withoutRecipe.map((row) => row.key)).toEqual([]);
  });

  it.each(signalledRows.map((row) => [row.key, row] as const))('%s', async (_key, row) => {
    const recipe = recipeFor(row)!;
    const handle = await startFor(row.lifecycle.name, recipe);
    for (const [action, role] of recipe.steps) {
      await handle.signal(action, { actor: actors[role], fields: fieldsFor(row.lifecycle.name, action) });
      if (recipe.await && action === 'approve')
        await statusWhen(
          () => status(handle),
          (v) => v.status === recipe.await,
        );
    }
    const before = await statusWhen(
      () => status(handle),
      (v) => v.status === row.from,
    );
    await handle.signal(row.action, {
      actor: actors[row.role],
      fields: fieldsFor(row.lifecycle.name, row.action),
    });
    const after = await status(handle);
    const taken = after.transitions.slice(before.transitions.length).find((e) => e.action === row.action);
    expect(taken).toMatchObject({ outcome: 'accepted', from: row.from, actor: actors[row.role] });
    expect(row.targets).toContain(taken!.to);
    if (row.action === 'reject' && row.from === 'cancellation_requested') expect(taken!.to).toBe('activated');
  });
});
