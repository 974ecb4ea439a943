import MNS from '@alicloud/mns';
import type { Logger } from '../../core/logger.js';

/**
 * Async invocation destinations (https://help.aliyun.com/document_detail/422720.htm):
 * after the last failed attempt (or a success, if configured) FC sends this record to an MNS topic or
 * queue, or invokes another function with it as the event.
 */
export interface DestinationPayload {
  timestamp: number;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: string;
    approximateInvokeCount: number;
  };
  /** the original event, as a string */
  requestPayload: string;
  responseContext: { statusCode: number; functionError: string };
  responsePayload: string;
}

export type DestinationTarget =
  | { kind: 'mns-topic'; name: string }
  | { kind: 'mns-queue'; name: string }
  | { kind: 'fc'; name: string }
  | { kind: 'unsupported' };

export function parseDestination(arn: string): DestinationTarget {
  const mns = /^acs:mns:[^:]*:[^:]*:\/(topics|queues)\/([^/]+)\/messages$/.exec(arn);
  if (mns) return { kind: mns[1] === 'topics' ? 'mns-topic' : 'mns-queue', name: mns[2] as string };
  const fc = /^acs:fc:[^:]*:[^:]*:functions\/([^/]+)$/.exec(arn);
  if (fc) return { kind: 'fc', name: fc[1] as string };
  return { kind: 'unsupported' };
}

export interface MnsTarget {
  url: string;
  accountId: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
}

export interface DestinationOptions {
  mns?: MnsTarget;
  /** an FC destination is an async invocation of that function with the payload as its event */
  invokeAsync: (fn: string, payload: Buffer) => void;
  logger: Logger;
}

/** Delivers destination records; a failed delivery is logged, never thrown (FC drops it too). */
export class DestinationSender {
  private client: MNS | undefined;

  constructor(private readonly options: DestinationOptions) {}

  async send(arn: string, payload: DestinationPayload): Promise<void> {
    const target = parseDestination(arn);
    const json = JSON.stringify(payload);
    const fields = { destination: arn, requestId: payload.requestContext.requestId };
    try {
      if (target.kind === 'fc') this.options.invokeAsync(target.name, Buffer.from(json));
      else if (target.kind === 'mns-topic') await this.mns().publishMessage(target.name, body(json));
      else if (target.kind === 'mns-queue') await this.mns().sendMessage(target.name, body(json));
      else throw new Error('only MNS topic/queue and FC function destinations run locally');
      this.options.logger.info('fc destination sent', {
        ...fields,
        condition: payload.requestContext.condition,
      });
    } catch (error) {
      this.options.logger.error('fc destination failed', { ...fields, error: asError(error) });
    }
  }

  private mns(): MNS {
    const target = this.options.mns;
    if (target === undefined) throw new Error('no MNS endpoint is configured for the runtime');
    this.client ??= new MNS(target.accountId, { ...target.credentials, endpoint: target.url });
    return this.client;
  }
}

/**
 * FC puts the record's JSON text in the message body as is (not base64). @alicloud/mns writes values into
 * its XML unescaped (@alicloud/mns lib/client.js), so escape here; the service stores and delivers the unescaped text.
 */
function body(json: string): { MessageBody: string } {
  return { MessageBody: json.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
