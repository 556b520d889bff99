// One payment reference pays one invoice. The reference is claimed for the order (a row keyed by
// the reference) before the payment is signalled, so two orders paid with one reference, even at
// the same moment, cannot both reach their workflows.
import type { PrismaClient } from '../../generated/prisma/client';
import { conflict } from '../problem';

/** Claims the reference for the order: true when this call made the claim, 409 when another order holds it. */
export async function claimPaymentReference(
  prisma: PrismaClient,
  orderId: string,
  reference: string,
): Promise<boolean> {
  const { count } = await prisma.paymentReference.createMany({
    data: [{ reference, orderId }],
    skipDuplicates: true,
  });
  if (count === 1) return true;
  const holder = await prisma.paymentReference.findUnique({ where: { reference } });
  if (holder && holder.orderId !== orderId) {
    // The other order is not named: the caller may not be a party to it.
    throw conflict(`the payment reference ${JSON.stringify(reference)} has already paid another invoice`, {
      code: 'payment_reference_used',
      reference,
    });
  }
  return false;
}

/** Gives a claim back when the workflow refused the payment it was made for. */
export async function releasePaymentReference(
  prisma: PrismaClient,
  orderId: string,
  reference: string,
): Promise<void> {
  await prisma.paymentReference.deleteMany({ where: { reference, orderId } });
}
