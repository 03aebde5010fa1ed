// Commits of one registration wait their turn in this process, not in the database. Waiting on a row lock costs a
// pooled connection for the whole wait: 300 requests on one runtime token once parked every connection of the pool
// behind one attempt's lock, and every other user of the platform waited with them (issue 10, finding 5). Here they
// wait as promises, and only the one at the head holds a connection. The queue is short: a learner's runtime sends
// one commit at a time (a beacon may overlap it), so anything beyond a few is a flood, and is refused at once with
// a retryable answer instead of being kept in memory. Several processes each keep their own queue; a wait for a
// lock held by another process is bounded by the transaction's lock_timeout (commit.service.ts).
import { DomainError } from '../../lib/errors.js';

/** Commits of one registration that may be running or waiting in this process; more are refused. */
export const MAX_QUEUED_COMMITS = 8;

/** A commit that could not be applied now, through no fault of its own: the runtime sends it again later (503). */
export class CommitBusyError extends DomainError {
  constructor(readonly retryAfterSeconds = 1) {
    super(503, 'COMMIT_BUSY', 'Too many saves at once for this course session. Try again in a moment.', { retryAfterSeconds });
  }
}

/** Runs tasks one at a time per key, at most `limit` per key running or waiting. */
export class KeyedQueue {
  private readonly queues = new Map<string, { tail: Promise<void>; size: number }>();

  constructor(private readonly limit: number) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { tail: Promise.resolve(), size: 0 };
      this.queues.set(key, queue);
    }
    if (queue.size >= this.limit) return Promise.reject(new CommitBusyError());
    queue.size++;
    const result = queue.tail.then(task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    queue.tail = settled;
    const entry = queue;
    void settled.then(() => {
      if (--entry.size === 0 && this.queues.get(key) === entry) this.queues.delete(key);
    });
    return result;
  }
}
