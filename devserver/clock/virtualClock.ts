import { TimeSkippingLock, type OutstandingWork } from './timeSkippingLock';

/**
 * The server's clock: real time plus an offset that grows each time the server skips time.
 * Every timeout and timer is a virtual deadline in one heap; a single real timeout waits for the
 * earliest. Time skipping (the TestService contract): when the time-skipping lock is released
 * (timeSkippingLock.ts: no client lock, no outstanding work holding one), jump the offset to the
 * earliest deadline and fire it. The decision is taken asynchronously (setImmediate), never in the
 * middle of applying a request.
 */
export interface ClockTimer {
  cancel(): void;
  readonly at: number;
}

/** A deadline in the heap, and its own handle: one small object per timer (thousands may wait). */
class Entry implements ClockTimer {
  constructor(
    readonly at: number,
    readonly seq: number,
    public fire: (() => void) | null,
  ) {}

  get cancelled(): boolean {
    return this.fire === null;
  }

  /** Drops the callback at once, so a cancelled deadline holds nothing until it leaves the heap. */
  cancel(): void {
    this.fire = null;
  }
}

const MAX_REAL_DELAY = 2 ** 31 - 1;

export class VirtualClock {
  private offsetMs = 0;
  private heap: Entry[] = [];
  private seq = 0;
  private realTimer: NodeJS.Timeout | undefined;
  private realTimerAt = Infinity;
  private checkQueued = false;
  private closed = false;
  /** The TestService's counted lock; starts locked. */
  readonly timeSkipping: TimeSkippingLock;
  /** Told when the offset grows (a persistent server saves it). */
  onSkip: (() => void) | undefined;

  /** `work`: the locks the server's outstanding work (workflow and activity tasks) holds. */
  constructor(work?: OutstandingWork) {
    this.timeSkipping = new TimeSkippingLock(work);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Virtual time minus real time. */
  get offset(): number {
    return this.offsetMs;
  }

  /** A restarted server goes on from the virtual time it had, plus the real time it was down. */
  restoreOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }

  /** Runs `fire` once the virtual time reaches `at` (ms since epoch, virtual). */
  at(at: number, fire: () => void): ClockTimer {
    const entry = new Entry(at, this.seq++, fire);
    this.push(entry);
    this.armRealTimer();
    this.requestSkipCheck();
    return entry;
  }

  after(delayMs: number, fire: () => void): ClockTimer {
    return this.at(this.now() + Math.max(0, delayMs), fire);
  }

  lock(): void {
    this.timeSkipping.lock();
  }

  /** Throws when already unlocked, as the TestService does. */
  unlock(): void {
    this.timeSkipping.unlock();
    this.requestSkipCheck();
  }

  /** Unlocks until the returned relock is called (a sleep that locks again when it ends). */
  unlockUntilRelock(): () => void {
    const relock = this.timeSkipping.unlockUntilRelock();
    this.requestSkipCheck();
    return relock;
  }

  /** Asks for a time-skip decision once the current synchronous work is done. */
  requestSkipCheck(): void {
    if (this.checkQueued || this.closed) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      this.skipIfIdle();
    });
  }

  /** Moves virtual time forward by `ms` and fires what became due (tests and tools). */
  advanceBy(ms: number): void {
    this.offsetMs += Math.max(0, ms);
    this.onSkip?.();
    this.fireDue();
  }

  /** Number of pending (not cancelled) deadlines; for tests and diagnostics. */
  pendingCount(): number {
    return this.heap.filter((e) => !e.cancelled).length;
  }

  close(): void {
    this.closed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.heap = [];
  }

  private skipIfIdle(): void {
    if (this.closed) return;
    this.dropCancelledTop();
    const next = this.heap[0];
    if (!next || this.timeSkipping.locked) return;
    const now = this.now();
    if (next.at > now) {
      this.offsetMs += next.at - now;
      this.onSkip?.();
    }
    this.fireDue();
  }

  private fireDue(): void {
    const now = this.now();
    for (;;) {
      this.dropCancelledTop();
      const top = this.heap[0];
      if (!top || top.at > now) break;
      this.pop();
      top.fire?.();
    }
    this.armRealTimer();
    this.requestSkipCheck();
  }

  private armRealTimer(): void {
    if (this.closed) return;
    this.dropCancelledTop();
    const top = this.heap[0];
    const at = top ? top.at : Infinity;
    if (at === this.realTimerAt && this.realTimer) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.realTimerAt = at;
    if (at === Infinity) return;
    const delay = Math.min(MAX_REAL_DELAY, Math.max(0, at - this.now()));
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.realTimerAt = Infinity;
      this.fireDue();
    }, delay);
    this.realTimer.unref();
  }

  private dropCancelledTop(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
