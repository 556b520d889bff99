import { placeholderParties, placeholderProducts } from '../../activities/projection/placeholders';

describe('placeholder rows', () => {
  // Inserted in this order by the projection statement: the same order in every projection keeps
  // two orders that add the same new rows from deadlocking.
  it('come in id order, whatever order the order names them in', () => {
    expect(placeholderParties({ clientId: 'zed', customerId: 'amy', isvId: 'max' }).map((p) => p.id)).toEqual(
      ['amy', 'max', 'zed'],
    );
    const item = (productId: string) => ({
      id: `i-${productId}`,
      productId,
      productType: 'other' as const,
      quantity: 1,
      unitPriceCents: 100,
    });
    expect(placeholderProducts([item('p-9'), item('p-1')], ['p-5', 'p-1'], 'EUR').map((p) => p.id)).toEqual([
      'p-1',
      'p-5',
      'p-9',
    ]);
  });
});
