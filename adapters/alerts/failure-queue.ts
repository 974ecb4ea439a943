import type MNS from '@alicloud/mns';
import { translateMnsError } from './mns.js';

/** One message taken from a queue: its body, and the handle that deletes it once it has been dealt with. */
export interface QueuedMessage {
  body: string;
  receiptHandle: string;
}

/** The queue FC's onFailure destination records land in (s.yaml), drained by the monitor. */
export interface FailureQueue {
  /** Up to `max` messages, without waiting; each stays invisible for the queue's visibility timeout. */
  receive(max: number): Promise<QueuedMessage[]>;
  delete(receiptHandle: string): Promise<void>;
}

/** A FailureQueue on an MNS queue: BatchReceiveMessage (≤ 16 per call) and DeleteMessage. */
export class MnsFailureQueue implements FailureQueue {
  constructor(
    private readonly client: MNS,
    private readonly queue: string,
  ) {}

  async receive(max: number): Promise<QueuedMessage[]> {
    const out: QueuedMessage[] = [];
    while (out.length < max) {
      const want = Math.min(16, max - out.length);
      let batch: MNS.ReceivedMessage[];
      try {
        batch = (await this.client.batchReceiveMessage(this.queue, want, 0)).body;
      } catch (error) {
        // An empty queue answers 404 MessageNotExist: nothing to drain.
        if ((error as Error).name === 'MNSMessageNotExistError') break;
        throw translateMnsError(error, `receive from queue ${this.queue}`);
      }
      out.push(...batch.map((m) => ({ body: m.MessageBody, receiptHandle: m.ReceiptHandle })));
      if (batch.length < want) break;
    }
    return out;
  }

  async delete(receiptHandle: string): Promise<void> {
    try {
      await this.client.deleteMessage(this.queue, receiptHandle);
    } catch (error) {
      throw translateMnsError(error, `delete from queue ${this.queue}`);
    }
  }
}
