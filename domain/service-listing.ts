import { noFields, reasonFields } from './fields';
import { defineLifecycle } from './lifecycle';
import type { Parties } from './roles';

/** An ISV's service as listed on the platform (seed 000, "Services"). */

export const serviceListingStatuses = [
  'draft',
  'pending_review',
  'online',
  'turned_down',
  'withdrawn',
  'archived',
] as const;
export type ServiceListingStatus = (typeof serviceListingStatuses)[number];

export interface ServiceListing extends Parties {
  readonly status: ServiceListingStatus;
}

export const serviceListingLifecycle = defineLifecycle<ServiceListing>()({
  name: 'service_listing',
  title: 'service listing',
  source: 'seed 000 (ISV services)',
  statuses: {
    draft: { label: 'Draft', description: 'The ISV is preparing the service; not visible to merchants' },
    pending_review: {
      label: 'Pending Review',
      description: 'Submitted by the ISV; a platform admin reviews it',
    },
    online: { label: 'Online', description: 'Approved and listed; merchants can order it' },
    turned_down: {
      label: 'Turned Down',
      description: 'The platform admin rejected it; the ISV may edit it back to draft',
    },
    withdrawn: {
      label: 'Withdrawn',
      description: 'The ISV withdrew it from review; the ISV may edit it back to draft',
    },
    archived: { label: 'Archived', description: 'Taken offline by the ISV; kept for history' },
  },
  initial: ['draft'],
  terminal: ['archived'],
  actions: {
    submit: { label: 'Submit for review', fields: noFields },
    approve: { label: 'Approve (put online)', fields: noFields },
    reject: { label: 'Turn down', fields: reasonFields },
    withdraw: { label: 'Withdraw from review', fields: noFields },
    archive: { label: 'Archive', fields: noFields },
    edit: { label: 'Edit (back to draft)', fields: noFields },
  },
  transitions: [
    { from: 'draft', action: 'submit', roles: ['isv'], to: 'pending_review' },
    { from: 'pending_review', action: 'approve', roles: ['admin'], to: 'online' },
    { from: 'pending_review', action: 'reject', roles: ['admin'], to: 'turned_down' },
    { from: 'pending_review', action: 'withdraw', roles: ['isv'], to: 'withdrawn' },
    { from: 'online', action: 'archive', roles: ['isv'], to: 'archived' },
    { from: ['turned_down', 'withdrawn'], action: 'edit', roles: ['isv'], to: 'draft' },
  ],
});

/** Only an online listing can be ordered by a merchant. */
export function isOrderableListing(listing: { readonly status: ServiceListingStatus }): boolean {
  return listing.status === 'online';
}
