/**
 * The optional EventBridge → SQS interruption feed: long-polls the queue for "EC2 Spot Instance
 * Interruption Warning" and "EC2 Instance Rebalance Recommendation" events. Messages about our
 * instances are handed over and deleted; anything else is left in the queue untouched (another
 * manager may share it), so an unknown or malformed message is never lost by us.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { isAbortError } from '../../platform/abort.js';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { backoffDelayMs } from '../../platform/retry.js';
import type { InterruptionNotice } from '../provider.js';
import { callAws } from './aws-errors.js';
import { SPOT_NOTICE_MS } from './spot-notices.js';

export interface InterruptionEvent {
  instanceId: string;
  notice: InterruptionNotice;
  /** `terminate`, `stop` or `hibernate` for warnings; absent for rebalance. */
  action?: string;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    return asRecord(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** Parses one message body (an EventBridge event, possibly wrapped in an SNS notification). */
export function parseInterruptionEvent(body: string | undefined): InterruptionEvent | undefined {
  let event = body ? parseJson(body) : undefined;
  if (event?.Type === 'Notification' && typeof event.Message === 'string') {
    event = parseJson(event.Message);
  }
  const detail = asRecord(event?.detail);
  const instanceId = detail?.['instance-id'];
  const timeMs = typeof event?.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (typeof instanceId !== 'string' || !/^i-[0-9a-f]+$/.test(instanceId) || Number.isNaN(timeMs)) {
    return undefined;
  }
  switch (event?.['detail-type']) {
    case 'EC2 Spot Instance Interruption Warning': {
      const action = detail?.['instance-action'];
      return {
        instanceId,
        notice: { kind: 'termination', deadlineMs: timeMs + SPOT_NOTICE_MS },
        action: typeof action === 'string' ? action : undefined,
      };
    }
    case 'EC2 Instance Rebalance Recommendation':
      return { instanceId, notice: { kind: 'rebalance', deadlineMs: timeMs } };
    default:
      return undefined;
  }
}

export interface InterruptionQueueDeps {
  clock: Clock;
  logger: Logger;
  sqs: SQSClient;
}

export interface InterruptionQueueOptions {
  queueUrl: string;
  waitSeconds: number;
  /** Called for every recognised event; returns true when the event concerned us (delete it). */
  onEvent: (event: InterruptionEvent) => boolean;
  /** Pause between polls when long polling is off (waitSeconds = 0) and the queue was empty. */
  idlePollMs?: number;
}

export interface InterruptionQueue {
  start(): void;
  stop(): Promise<void>;
  /** Receives once and handles what arrived; returns how many events concerned us. */
  pollOnce(signal?: AbortSignal): Promise<number>;
}

export function createInterruptionQueue(
  deps: InterruptionQueueDeps,
  options: InterruptionQueueOptions,
): InterruptionQueue {
  return new QueuePoller(deps, options);
}

class QueuePoller implements InterruptionQueue {
  readonly #deps: InterruptionQueueDeps;
  readonly #options: InterruptionQueueOptions;
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(deps: InterruptionQueueDeps, options: InterruptionQueueOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#logger = deps.logger.child({ queueUrl: options.queueUrl });
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#controller.abort();
    await this.#loop;
  }

  async pollOnce(signal?: AbortSignal): Promise<number> {
    const { queueUrl, waitSeconds } = this.#options;
    const result = await callAws('sqs:ReceiveMessage', () =>
      this.#deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: waitSeconds,
        }),
        { abortSignal: signal },
      ),
    );
    const messages = result.Messages ?? [];
    let ours = 0;
    for (const message of messages) {
      if (await this.#handle(message, signal ?? this.#controller.signal)) ours++;
    }
    if (messages.length === 0 && waitSeconds === 0) {
      await this.#deps.clock.sleep(this.#options.idlePollMs ?? 5_000, signal);
    }
    return ours;
  }

  async #handle(message: Message, signal: AbortSignal): Promise<boolean> {
    const event = parseInterruptionEvent(message.Body);
    if (!event) {
      this.#logger.debug({ messageId: message.MessageId }, 'interruption queue message ignored');
      return false;
    }
    if (!this.#options.onEvent(event)) return false;
    const receiptHandle = message.ReceiptHandle;
    if (receiptHandle) {
      await callAws('sqs:DeleteMessage', () =>
        this.#deps.sqs.send(
          new DeleteMessageCommand({
            QueueUrl: this.#options.queueUrl,
            ReceiptHandle: receiptHandle,
          }),
          { abortSignal: signal },
        ),
      );
    }
    return true;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.pollOnce(signal);
        failures = 0;
      } catch (err: unknown) {
        if (signal.aborted || isAbortError(err)) break;
        failures++;
        const delayMs = backoffDelayMs(failures, 1_000, 60_000);
        this.#logger.warn({ err: describeError(err), delayMs }, 'interruption queue poll failed');
        await this.#deps.clock.sleep(delayMs, signal).catch(() => undefined);
      }
    }
  }
}
