// The API binds 127.0.0.1 unless HOST says otherwise, like the embedded servers: a fresh
// `npm start` is not reachable from the network.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { startApiServer } from '../../api/server';
import { loadConfig } from '../../config';
import { testPrisma } from '../setup/database';

const prisma = testPrisma();

/** Whether a TCP connection to host:port is accepted. */
const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

it('HOST defaults to 127.0.0.1 and can be set', () => {
  expect(loadConfig({}).HOST).toBe('127.0.0.1');
  expect(loadConfig({ HOST: '' }).HOST).toBe('127.0.0.1');
  expect(loadConfig({ HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
});

it('without a host the API listens on the loopback address only', async () => {
  const temporal = new Client();
  const server = await startApiServer({
    prisma,
    temporal,
    config: { ORDERS_TASK_QUEUE: 'orders', PROVISIONING_TASK_QUEUE: 'provisioning' },
    logger: pino({ level: 'silent' }),
    port: 0,
  });
  try {
    const address = server.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(server.url).port);
    expect(await reachable('127.0.0.1', port)).toBe(true);
    // Any address of this machine's other interfaces is refused.
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const host of external) expect([host, await reachable(host, port)]).toEqual([host, false]);
  } finally {
    await server.close();
    await temporal.connection.close();
  }
});
