import { z } from 'zod';

/** Every kind of caller. `system` is the platform itself: payment webhook, timers, provisioning. */
export const roles = ['admin', 'client', 'isv', 'merchant', 'salesperson', 'customer', 'system'] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);

/** Who is acting: a role and the id of the subject (client id, ISV id, ...) it acts as. */
export interface Actor {
  readonly role: Role;
  readonly id: string;
}

/** The parties of an order, flat so that a database row can be passed as it is. */
export interface Parties {
  readonly clientId?: string | null;
  readonly isvId?: string | null;
  readonly merchantId?: string | null;
  readonly salespersonId?: string | null;
  readonly customerId?: string | null;
}

/** Which party field an actor of each role must match; admin and system act on every order. */
export const partyFieldByRole: { readonly [R in Role]: keyof Parties | 'any' } = {
  admin: 'any',
  system: 'any',
  client: 'clientId',
  isv: 'isvId',
  merchant: 'merchantId',
  salesperson: 'salespersonId',
  customer: 'customerId',
};

/** True when the actor may see and act on an order with these parties. */
export function isPartyTo(actor: Actor, parties: Parties): boolean {
  const field = partyFieldByRole[actor.role];
  if (field === 'any') return true;
  const party = parties[field];
  return typeof party === 'string' && party.length > 0 && party === actor.id;
}

/** "a client", "an admin", "an isv": the indefinite article for a role or title in a message. */
export function aOrAn(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
