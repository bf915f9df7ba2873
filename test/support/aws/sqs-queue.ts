/**
 * One SQS queue for the double: messages with visibility timeouts (on the double's clock),
 * long polling (in real time, woken early by a new message) and receipt handles.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/platform/clock.js';
import { SystemClock } from '../../../src/platform/clock.js';
import { AwsFault } from './query-params.js';

export interface QueueMessage {
  messageId: string;
  body: string;
  visibleAtMs: number;
  receiveCount: number;
  receiptHandle?: string;
}

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes: Record<string, string>;
}

export class SqsQueue {
  readonly url: string;
  readonly messages: QueueMessage[] = [];
  readonly #clock: Clock;
  readonly #wallClock = new SystemClock();
  readonly #waiters = new Set<() => void>();
  readonly #closed = new AbortController();

  constructor(url: string, clock: Clock) {
    this.url = url;
    this.#clock = clock;
  }

  send(body: string): string {
    const messageId = randomUUID();
    this.messages.push({ messageId, body, visibleAtMs: this.#clock.now(), receiveCount: 0 });
    for (const wake of this.#waiters) wake();
    return messageId;
  }

  #take(max: number, visibilityMs: number): ReceivedMessage[] {
    const now = this.#clock.now();
    const out: ReceivedMessage[] = [];
    for (const m of this.messages) {
      if (out.length >= max) break;
      if (m.visibleAtMs > now) continue;
      m.visibleAtMs = now + visibilityMs;
      m.receiveCount++;
      m.receiptHandle = Buffer.from(`${m.messageId}:${randomUUID()}`).toString('base64');
      out.push({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: createHash('md5').update(m.body).digest('hex'),
        Body: m.body,
        Attributes: { ApproximateReceiveCount: String(m.receiveCount) },
      });
    }
    return out;
  }

  /** Receives up to `max` visible messages, waiting up to `waitSeconds` for one to arrive. */
  async receive(
    max: number,
    waitSeconds: number,
    visibilitySeconds: number,
  ): Promise<ReceivedMessage[]> {
    const deadline = this.#wallClock.now() + waitSeconds * 1_000;
    for (;;) {
      const got = this.#take(max, visibilitySeconds * 1_000);
      const left = deadline - this.#wallClock.now();
      if (got.length > 0 || left <= 0 || this.#closed.signal.aborted) return got;
      await this.#waitForMessage(Math.min(left, 250));
    }
  }

  async #waitForMessage(ms: number): Promise<void> {
    const wake = new AbortController();
    const onMessage = (): void => wake.abort();
    this.#waiters.add(onMessage);
    try {
      await this.#wallClock.sleep(ms, AbortSignal.any([wake.signal, this.#closed.signal]));
    } catch {
      // Woken by a new message or by close(): look again.
    } finally {
      this.#waiters.delete(onMessage);
    }
  }

  delete(receiptHandle: string): void {
    const index = this.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index < 0) {
      throw new AwsFault(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`,
      );
    }
    this.messages.splice(index, 1);
  }

  /** Ends pending long polls (server stop). */
  close(): void {
    this.#closed.abort();
  }
}
