import type { OrderItemInput } from '../contract';
import { MAX_CENTS } from '../../domain';
import { requireInput } from './base';

export function validateItems(items: readonly OrderItemInput[] | undefined): void {
  requireInput(Array.isArray(items) && items.length > 0, 'items must list at least one item');
  const ids = new Set<string>();
  for (const [index, item] of (items as readonly OrderItemInput[]).entries()) {
    const where = `items[${index}]`;
    requireInput(typeof item?.id === 'string' && item.id.length > 0, `${where}.id is required`);
    requireInput(!ids.has(item.id), `${where}.id ${item.id} is used twice`);
    ids.add(item.id);
    requireInput(
      typeof item.productId === 'string' && item.productId.length > 0,
      `${where}.productId is required`,
    );
    requireInput(
      item.productType === 'hosting' || item.productType === 'other',
      `${where}.productType must be hosting or other`,
    );
    requireInput(
      Number.isInteger(item.quantity) && item.quantity > 0,
      `${where}.quantity must be a positive integer`,
    );
    requireInput(
      Number.isInteger(item.unitPriceCents) && item.unitPriceCents >= 0,
      `${where}.unitPriceCents must be a whole number of cents >= 0`,
    );
  }
  requireInput(
    totalCents(items as readonly OrderItemInput[]) <= MAX_CENTS,
    `the order total must be at most ${MAX_CENTS} cents`,
  );
}

export function totalCents(items: readonly OrderItemInput[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
}
