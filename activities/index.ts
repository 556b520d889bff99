// The activity implementations, grouped by the task queue whose worker registers them.
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { PrismaClient } from '../generated/prisma/client';
import type { OrderActivities, ProvisioningActivities } from './contract';
import { createMailer, type Mailer } from './email/mailer';
import { createEmailActivities } from './email/send-email';
import { createProjectionActivities } from './projection/project-order';
import { PrismaAccountStore } from './provisioning/account-stores';
import { parseProductList, SimulatedProvisioner, type Provisioner } from './provisioning/provisioner';
import { createProvisioningActivities } from './provisioning/provisioning-activities';

export interface ActivityDeps {
  prisma: PrismaClient;
  mailer: Mailer;
  provisioner: Provisioner;
  config: Pick<Config, 'ADMIN_EMAIL' | 'publicApiUrl'>;
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
      ...createEmailActivities({
        prisma,
        mailer,
        adminEmail: config.ADMIN_EMAIL,
        apiUrl: config.publicApiUrl,
        log,
      }),
    },
    provisioning: createProvisioningActivities({ prisma, provisioner, log }),
  };
}

/**
 * The activities a worker process runs, built from its configuration: mail over SMTP_URL (or to
 * the outbox folder) and the simulated panel. The caller closes the mailer when it stops.
 */
export function activitiesFromConfig(
  config: Pick<
    Config,
    | 'ADMIN_EMAIL'
    | 'publicApiUrl'
    | 'MAIL_FROM'
    | 'SMTP_URL'
    | 'outboxDir'
    | 'PROVISIONER_FAIL_PRODUCTS'
    | 'PROVISIONER_LATENCY_MS'
  >,
  prisma: PrismaClient,
  log?: Logger,
): { activities: Activities; mailer: Mailer } {
  const mailer = createMailer({
    from: config.MAIL_FROM,
    smtpUrl: config.SMTP_URL,
    outboxDir: config.outboxDir,
  });
  const provisioner = new SimulatedProvisioner(new PrismaAccountStore(prisma), {
    failingProducts: parseProductList(config.PROVISIONER_FAIL_PRODUCTS),
    latencyMs: config.PROVISIONER_LATENCY_MS,
  });
  return { activities: createActivities({ prisma, mailer, provisioner, config, log }), mailer };
}

export type { OrderActivities, ProvisioningActivities } from './contract';
export { createMailer, type Mailer } from './email/mailer';
export { emailLogName, emailMessageId } from './email/send-email';
export { renderEmail } from './email/templates';
export { InMemoryAccountStore, PrismaAccountStore } from './provisioning/account-stores';
export {
  parseProductList,
  ProvisioningError,
  SimulatedProvisioner,
  type AccountStore,
  type Provisioner,
} from './provisioning/provisioner';
