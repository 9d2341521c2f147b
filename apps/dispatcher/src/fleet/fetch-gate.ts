import type { Job, Queue } from 'bull';

/** How long a fetched job may take to be picked up before the other loop may fetch anyway. */
const TURN_LIMIT_MS = 30_000;

interface Turn {
  done: Promise<void>;
  end: () => void;
}

/**
 * Decides when a service worker's Bull loops may fetch a job from the queue:
 *
 * - the gate is open only while the service can start a job (shut while it generates, is down, leased
 *   elsewhere, or its breaker is open); shutting it costs nothing, unlike Bull's local pause, which reconnects
 *   the blocking Redis connection every time;
 * - past the gate, one loop fetches at a time, and the other waits until the fetched job has taken the
 *   service's generation slot (or went back): a second fetch blocked in Redis meanwhile would take the next
 *   job out of the queue, where it keeps its place and can still be cancelled at once.
 *
 * A fetch already waiting in Redis when the gate shuts may still return a job; the pickup rules hand it back.
 */
export class FetchGate {
  private isOpen = true;
  private opened: Promise<void> = Promise.resolve();
  private openNow?: () => void;
  private closed = false;
  private turn: Turn | null = null;
  private readonly turns = new Map<string, Turn>();

  get open(): boolean {
    return this.isOpen;
  }

  set(open: boolean): void {
    if (open === this.isOpen) return;
    this.isOpen = open;
    if (open) {
      this.openNow?.();
      this.openNow = undefined;
    } else {
      this.opened = new Promise((resolve) => (this.openNow = resolve));
    }
  }

  /** From now on every fetch answers nothing at once (the queue is closing). */
  close(): void {
    this.closed = true;
    this.openNow?.();
  }

  /** Runs `fetchNext` when the gate is open and it is this caller's turn; the turn lasts until pass(taskId). */
  async fetch<T extends Pick<Job, 'data'>>(fetchNext: () => Promise<T | undefined>): Promise<T | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      if (!this.isOpen) await this.opened;
      else if (this.turn) await this.turn.done;
      else break;
    }
    const turn = this.takeTurn();
    try {
      const job = await fetchNext();
      const taskId = (job?.data as { taskId?: string } | undefined)?.taskId;
      if (job && taskId) this.turns.set(taskId, turn);
      else turn.end();
      return job;
    } catch (error) {
      turn.end();
      throw error;
    }
  }

  /** The fetched job took the slot, went back or ended: the other loop may fetch. */
  pass(taskId: string): void {
    this.turns.get(taskId)?.end();
    this.turns.delete(taskId);
  }

  private takeTurn(): Turn {
    let resolve = () => undefined as void;
    const done = new Promise<void>((r) => (resolve = r));
    const turn: Turn = {
      done,
      end: () => {
        if (this.turn === turn) this.turn = null;
        resolve();
      },
    };
    this.turn = turn;
    setTimeout(turn.end, TURN_LIMIT_MS).unref(); // a pickup stuck on Redis must not stop the other loop for good
    return turn;
  }
}

type BullLoop<T> = {
  processJob: (job: Job<T>, notFetch?: boolean) => Promise<unknown>;
  getNextJob: () => Promise<Job<T> | undefined>;
};

/**
 * Two adjustments to Bull's processing loop (bull 4.16, Queue.prototype._processJobOnNextTick): every fetch goes
 * through the gate, and completing a job does not fetch the next one as part of the same Redis call (the loop
 * would hold that job, unlocked, while the gate is shut). Call before queue.process().
 */
export function gateBullLoop<T>(queue: Queue<T>, gate: FetchGate): void {
  const loop = queue as unknown as BullLoop<T>;
  const processJob = loop.processJob; // bound to the queue by Bull's constructor
  const getNextJob = loop.getNextJob.bind(queue);
  loop.processJob = (job) => processJob(job, true);
  loop.getNextJob = () => gate.fetch(getNextJob);
}
