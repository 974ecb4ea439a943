import MNS from '@alicloud/mns';
import { TerminalError, TransientError } from '../../core/errors.js';

/** One alert message: the JSON body and the tag subscribers filter on (MNS FilterTag, ≤ 16 chars). */
export interface AlertMessage {
  body: string;
  tag: string;
}

/** Where alerts go: one call, vendor errors already translated. */
export interface AlertPublisher {
  publish(message: AlertMessage): Promise<{ messageId: string }>;
}

export interface MnsSettings {
  accountId: string;
  region: string;
  /** Endpoint override (the local stack, or a VPC endpoint); else derived from account and region. */
  endpoint?: string | undefined;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  timeoutMs?: number;
}

/** An @alicloud/mns client; STS tokens are sent when given (FC hands them in `context.credentials`). */
export function createMnsClient(settings: MnsSettings): MNS {
  const { accessKeyId, accessKeySecret, securityToken } = settings.credentials;
  const options: MNS.ClientOptions = {
    accessKeyId,
    accessKeySecret,
    region: settings.region,
    secure: true,
    readTimeout: settings.timeoutMs ?? 10_000,
    connectTimeout: settings.timeoutMs ?? 10_000,
  };
  if (securityToken) options.securityToken = securityToken;
  if (settings.endpoint !== undefined) options.endpoint = settings.endpoint;
  return new MNS(settings.accountId, options);
}

/**
 * Publishes to an MNS topic. The body is base64: @alicloud/mns 1.2.0 writes values into its XML unescaped
 * (@alicloud/mns lib/client.js), and base64 is what MNS's own docs ask for. The tag is the MessageTag.
 */
export class MnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: MNS,
    private readonly topic: string,
  ) {}

  async publish(message: AlertMessage): Promise<{ messageId: string }> {
    if (message.tag.length > 16)
      throw new TerminalError('ALERT_TAG_INVALID', `MessageTag ${message.tag} is over 16 chars`);
    try {
      const result = await this.client.publishMessage(this.topic, {
        MessageBody: Buffer.from(message.body, 'utf8').toString('base64'),
        MessageTag: message.tag,
      });
      return { messageId: result.body.MessageId };
    } catch (error) {
      throw translateMnsError(error, `publish to topic ${this.topic}`);
    }
  }
}

/** Network failures and 5xx are transient; an MNS error answer (no such topic, access denied) is terminal. */
export function translateMnsError(error: unknown, what: string): unknown {
  if (!(error instanceof Error)) return error;
  const name = error.name;
  const answered = /^MNS\w+Error$/.test(name) && !/InternalError|ServiceUnavailable/.test(name);
  const Kind = answered ? TerminalError : TransientError;
  return new Kind(answered ? 'MNS_REJECTED' : 'MNS_UNAVAILABLE', `${what}: ${name}: ${error.message}`, {
    cause: error,
  });
}
