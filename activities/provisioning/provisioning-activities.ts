// CreateAccount and sales activation, run on the `provisioning` task queue.
//
// Idempotency: the panel is called with the service id (accounts) or the order item id
// (activations) as its idempotency key, so a retry, an admin retry or a replacement worker after
// a crash gets the same account back instead of a second one. The account id is then recorded on
// the service row; once recorded, later calls return it without asking the panel at all.
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { sqlOf } from '../../database/sql';
import type { PrismaClient } from '../../generated/prisma/client';
import { withHeartbeats } from '../activity-context';
import type { ActivateProductRequest, CreateAccountRequest, ProvisioningActivities } from '../contract';
import { badRequest, requireStrings } from '../errors';
import { ProvisioningError, type Provisioner } from './provisioner';

export interface ProvisioningDeps {
  prisma: PrismaClient;
  provisioner: Provisioner;
  log?: Logger;
}

export function createProvisioningActivities(deps: ProvisioningDeps): ProvisioningActivities {
  const { prisma, provisioner, log } = deps;
  const sql = sqlOf(prisma);

  return {
    async createAccount(request: CreateAccountRequest): Promise<{ accountId: string }> {
      requireStrings('createAccount', request, [
        'orderId',
        'serviceId',
        'orderItemId',
        'productId',
        'clientId',
      ]);
      // Raw SQL on this path: a Prisma model query costs the worker about a millisecond of CPU to
      // plan, several times the query itself (bench/orders).
      const [service] = await sql.rows<{ orderId: string; externalAccountId: string | null }>(
        `SELECT "orderId", "externalAccountId" FROM "services" WHERE "id" = $1`,
        request.serviceId,
      );
      if (service && service.orderId !== request.orderId) {
        // The ids contradict the projection: no retry will reconcile them.
        throw badRequest(
          'createAccount',
          `service ${request.serviceId} belongs to order ${service.orderId}, not ${request.orderId}`,
        );
      }
      if (service?.externalAccountId) return { accountId: service.externalAccountId };

      try {
        const { accountId } = await withHeartbeats(
          provisioner.createAccount({
            serviceId: request.serviceId,
            orderId: request.orderId,
            productId: request.productId,
            clientId: request.clientId,
          }),
          { serviceId: request.serviceId },
        );
        // Updates nothing when the service row is not projected yet; the workflow's next projection
        // carries the account id too.
        await sql.execute(
          `UPDATE "services" SET "externalAccountId" = $2, "lastError" = NULL, "attempts" = "attempts" + 1,
             "updatedAt" = now()
           WHERE "id" = $1`,
          request.serviceId,
          accountId,
        );
        log?.info({ orderId: request.orderId, serviceId: request.serviceId, accountId }, 'account created');
        return { accountId };
      } catch (error) {
        const message = errorMessage(error);
        await prisma.service
          .updateMany({
            where: { id: request.serviceId },
            data: { lastError: message, attempts: { increment: 1 } },
          })
          .catch((e: unknown) => log?.warn({ err: e }, 'could not record the provisioning error'));
        log?.warn(
          { orderId: request.orderId, serviceId: request.serviceId, error: message },
          'createAccount failed',
        );
        throw asRetryable(error);
      }
    },

    async activateProduct(request: ActivateProductRequest): Promise<{ activationId: string }> {
      requireStrings('activateProduct', request, ['orderId', 'orderItemId', 'productId', 'customerId']);
      try {
        const result = await withHeartbeats(
          provisioner.activateProduct({
            orderItemId: request.orderItemId,
            orderId: request.orderId,
            productId: request.productId,
            customerId: request.customerId,
          }),
          { orderItemId: request.orderItemId },
        );
        log?.info({ orderId: request.orderId, orderItemId: request.orderItemId }, 'product activated');
        return result;
      } catch (error) {
        log?.warn(
          { orderId: request.orderId, orderItemId: request.orderItemId, error: errorMessage(error) },
          'activateProduct failed',
        );
        throw asRetryable(error);
      }
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A panel refusal becomes an ApplicationFailure of type ProvisioningError (retried with the
 * workflow's backoff; its message is what admins see once retries run out). Anything else
 * (database down, network) is rethrown as it is and retried the same way.
 */
function asRetryable(error: unknown): unknown {
  if (error instanceof ProvisioningError) {
    return ApplicationFailure.retryable(error.message, 'ProvisioningError');
  }
  return error;
}
