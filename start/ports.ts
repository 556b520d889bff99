// A port already taken should stop `npm start` with one line naming the variable to change,
// before anything else has started (gRPC's own bind error does not say which port or why).
import net from 'node:net';

export class PortInUseError extends Error {}

export async function assertPortFree(
  port: number,
  host: string | undefined,
  variable: string,
): Promise<void> {
  if (port === 0) return; // any free port
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${error.code ?? error.message})`;
      reject(new PortInUseError(`port ${port} ${why}: stop what uses it or set ${variable} to another port`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
