import { noFields, optionalReasonFields, reasonFields } from './fields';
import { defineLifecycle } from './lifecycle';
import type { Parties } from './roles';

/** A merchant orders a service (mini program development) from an ISV (seed 000). */

export const serviceOrderStatuses = [
  'new_order',
  'pending_confirmation',
  'in_development',
  'under_approval',
  'completed',
  'canceled',
] as const;
export type ServiceOrderStatus = (typeof serviceOrderStatuses)[number];

export interface ServiceOrder extends Parties {
  readonly status: ServiceOrderStatus;
}

export const serviceOrderLifecycle = defineLifecycle<ServiceOrder>()({
  name: 'service_order',
  title: 'service order',
  source: 'seed 000 (ISV service orders)',
  statuses: {
    new_order: {
      label: 'New Order',
      description: 'The ISV received a new order from a merchant and may accept or reject it',
    },
    pending_confirmation: {
      label: 'Pending Confirmation',
      description: 'The ISV accepted; the merchant confirms it wants the ISV to develop the mini program',
    },
    in_development: {
      label: 'In Development',
      description: 'The merchant confirmed; the ISV develops and then submits it for approval, or cancels',
    },
    under_approval: {
      label: 'Under Approval',
      description: 'The ISV finished the development and asked the merchant to approve it',
    },
    completed: {
      label: 'Completed',
      description: 'The merchant approved the mini program; no further processing',
    },
    canceled: {
      label: 'Canceled',
      description:
        'Rejected by the ISV or the merchant, or development canceled by the ISV; no further processing',
    },
  },
  initial: ['new_order'],
  terminal: ['completed', 'canceled'],
  actions: {
    accept: { label: 'Accept the order', fields: noFields },
    confirm: { label: 'Confirm the order', fields: noFields },
    submit: { label: 'Submit the development for approval', fields: noFields },
    approve: { label: 'Approve the development', fields: noFields },
    reject: { label: 'Reject (the order, or the development with changes requested)', fields: reasonFields },
    cancel: { label: 'Cancel the development', fields: optionalReasonFields },
  },
  transitions: [
    { from: 'new_order', action: 'accept', roles: ['isv'], to: 'pending_confirmation' },
    { from: 'new_order', action: 'reject', roles: ['isv'], to: 'canceled' },
    { from: 'pending_confirmation', action: 'confirm', roles: ['merchant'], to: 'in_development' },
    { from: 'pending_confirmation', action: 'reject', roles: ['merchant'], to: 'canceled' },
    { from: 'in_development', action: 'submit', roles: ['isv'], to: 'under_approval' },
    { from: 'in_development', action: 'cancel', roles: ['isv'], to: 'canceled' },
    { from: 'under_approval', action: 'approve', roles: ['merchant'], to: 'completed' },
    // Changes requested: the development goes back to the ISV.
    { from: 'under_approval', action: 'reject', roles: ['merchant'], to: 'in_development' },
  ],
});
