import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { PrismaClient } from '../generated/prisma/client';

export interface ApiDeps {
  prisma: PrismaClient;
  temporal: Client;
  config: Pick<Config, 'ORDERS_TASK_QUEUE' | 'PROVISIONING_TASK_QUEUE'> & Partial<Config>;
  logger: Logger;
  /** Task queue of the order workflows; defaults to config.ORDERS_TASK_QUEUE. */
  taskQueue?: string;
  /** How long an action waits for the workflow to record it before answering; default 2000 ms. */
  actionWaitMs?: number;
}
