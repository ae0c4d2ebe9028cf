/**
 * Redis connections for the queue module. BullMQ takes connection options and makes its own ioredis clients;
 * `maxRetriesPerRequest: null` is what BullMQ asks of a worker's connection: a command issued while Redis is
 * away waits for the reconnection instead of failing, so a Redis restart pauses training instead of failing jobs.
 */
import { fail } from '../errors.js';

export interface RedisConnection {
  url: string;
  maxRetriesPerRequest: null;
  /**
   * Reconnect every 200 ms, at most, while Redis is away (ioredis's default backs off up to 2 s); null: give up
   * (a one-shot command, `retries` given), which ends the connection so that the process can exit.
   */
  retryStrategy: (times: number) => number | null;
}

/** A connection from a `redis://host:port[/db]` URL (or the options themselves); `retries`: give up after that many. */
export function redisConnection(url: string | RedisConnection, options: { retries?: number } = {}): RedisConnection {
  if (typeof url !== 'string') return url;
  if (!/^rediss?:\/\//.test(url))
    fail('ERR_INVALID_ARG', `redis: expected a URL such as redis://127.0.0.1:6379, got ${JSON.stringify(url)}`);
  const { retries } = options;
  return {
    url,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => (retries !== undefined && times > retries ? null : Math.min(50 * times, 200)),
  };
}

/** The Redis key (and pub/sub channel) that carries cancellations of a queue's jobs. */
export function cancelKey(queueName: string, jobId?: string): string {
  return jobId === undefined ? `neuroblas:${queueName}:cancel` : `neuroblas:${queueName}:cancelled:${jobId}`;
}
