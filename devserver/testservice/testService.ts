import { status } from '@grpc/grpc-js';
import { RpcError } from '../grpc/errors';
import type { TestServiceHandlers } from '../grpc/messages';
import type { CallContext } from '../grpc/server';
import { durationMs, timestamp, timestampMs } from '../history/events';
import type { DevServer } from '../server';

/**
 * TestService: the counted time-skipping lock (clock/timeSkippingLock.ts: the clients' locks plus
 * those of outstanding work) and virtual sleeps.
 */
export function testServiceHandlers(server: DevServer): TestServiceHandlers {
  const clock = server.clock;
  const refusedIfUnlocked = <T>(unlock: () => T): T => {
    try {
      return unlock();
    } catch (err) {
      throw new RpcError(status.FAILED_PRECONDITION, (err as Error).message);
    }
  };
  /** `onTime` runs in the clock's own turn, before any other skip decision. */
  const sleepUntil = (at: number, ctx: CallContext, onTime?: () => void) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        timer.cancel();
        onTime?.();
        reject(new RpcError(status.CANCELLED, 'sleep cancelled by the client'));
      };
      const timer = clock.at(at, () => {
        ctx.signal.removeEventListener('abort', onAbort);
        onTime?.();
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
      refusedIfUnlocked(() => clock.unlock());
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
      // Locked again the moment the time is reached, as the Java test server does: what the
      // unlock took (maybe a running activity's lock, when the caller is that activity) is returned.
      const at = clock.now() + durationMs(req.duration);
      await sleepUntil(
        at,
        ctx,
        refusedIfUnlocked(() => clock.unlockUntilRelock()),
      );
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };
}
