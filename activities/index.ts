// The activity implementations, grouped by the task queue whose worker registers them.
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { PrismaClient } from '../generated/prisma/client';
import type { OrderActivities, ProvisioningActivities } from './contract';
import type { Mailer } from './email/mailer';
import { createEmailActivities } from './email/send-email';
import { createProjectionActivities } from './projection/project-order';
import type { Provisioner } from './provisioning/provisioner';
import { createProvisioningActivities } from './provisioning/provisioning-activities';

export interface ActivityDeps {
  prisma: PrismaClient;
  mailer: Mailer;
  provisioner: Provisioner;
  config: Pick<Config, 'ADMIN_EMAIL'>;
  log?: Logger;
}

export interface Activities {
  /** Registered by the `orders` worker: projection and email. */
  orders: OrderActivities;
  /** Registered by the `provisioning` worker: CreateAccount and sales activation. */
  provisioning: ProvisioningActivities;
}

export function createActivities(deps: ActivityDeps): Activities {
  const { prisma, mailer, provisioner, config, log } = deps;
  return {
    orders: {
      ...createProjectionActivities({ prisma, log }),
      ...createEmailActivities({ prisma, mailer, adminEmail: config.ADMIN_EMAIL, log }),
    },
    provisioning: createProvisioningActivities({ prisma, provisioner, log }),
  };
}

export type { OrderActivities, ProvisioningActivities } from './contract';
export { createMailer, type Mailer } from './email/mailer';
export { emailMessageId } from './email/send-email';
export { renderEmail } from './email/templates';
export { InMemoryAccountStore, PrismaAccountStore } from './provisioning/account-stores';
export {
  parseProductList,
  ProvisioningError,
  SimulatedProvisioner,
  type AccountStore,
  type Provisioner,
} from './provisioning/provisioner';
