import { status } from '@grpc/grpc-js';
import { RpcError } from '../grpc/errors';
import type { TestServiceHandlers } from '../grpc/messages';
import type { CallContext } from '../grpc/server';
import { durationMs, timestamp, timestampMs } from '../history/events';
import type { DevServer } from '../server';

/**
 * TestService: the counted time-skipping lock and virtual sleeps. The lock starts at 1; skipping
 * happens only while it is 0 and the server has no outstanding work.
 */
export function testServiceHandlers(server: DevServer): TestServiceHandlers {
  const clock = server.clock;
  const unlock = () => {
    try {
      clock.unlock();
    } catch (err) {
      throw new RpcError(status.FAILED_PRECONDITION, (err as Error).message);
    }
  };
  const sleepUntil = (at: number, ctx: CallContext) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        timer.cancel();
        reject(new RpcError(status.CANCELLED, 'sleep cancelled by the client'));
      };
      const timer = clock.at(at, () => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve();
      });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  return {
    LockTimeSkipping: () => {
      clock.lock();
      return {};
    },
    UnlockTimeSkipping: () => {
      unlock();
      return {};
    },
    Sleep: async (req, ctx) => {
      await sleepUntil(clock.now() + durationMs(req.duration), ctx);
      return {};
    },
    SleepUntil: async (req, ctx) => {
      await sleepUntil(timestampMs(req.timestamp), ctx);
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req, ctx) => {
      unlock();
      try {
        await sleepUntil(clock.now() + durationMs(req.duration), ctx);
      } finally {
        clock.lock();
      }
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };
}
