// Skipping time on the embedded server, with the official TestService calls (the ones
// @temporalio/testing's time-skipping environment makes): UnlockTimeSkippingWithSleep lets the
// server jump its clock over timers for a virtual duration, GetCurrentTime reads that clock.
// Time only jumps while no workflow or activity task is outstanding, so everything due before the
// end of the sleep has run when it returns.
import {
  Connection,
  InternalConnectionOptionsSymbol,
  type InternalConnectionOptions,
} from '@temporalio/client/lib/connection';
import { msToTs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';

export interface TimeSkipper {
  /** Advances the server's clock by ms (running every timer due on the way). */
  skip(ms: number): Promise<void>;
  /** The server's current (virtual) time. */
  now(): Promise<Date>;
  close(): Promise<void>;
}

export async function connectTimeSkipper(address: string): Promise<TimeSkipper> {
  const options: InternalConnectionOptions = {
    address,
    // How @temporalio/testing asks the client for the TestService stub.
    [InternalConnectionOptionsSymbol]: { supportsTestService: true },
  };
  const connection = await Connection.connect(options);
  const testService = connection.testService as temporal.api.testservice.v1.TestService;
  return {
    async skip(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot skip ${ms} ms`);
      await testService.unlockTimeSkippingWithSleep({ duration: msToTs(ms) });
    },
    async now() {
      const { time } = await testService.getCurrentTime({});
      return new Date(Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6));
    },
    close: () => connection.close(),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "36h", "8d" -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration like 90s, 15m, 36h or 8d`);
  return Math.round(Number(match[1]) * UNITS[match[2]!]!);
}
