import MNS from '@alicloud/mns';
import { TerminalError, TransientError } from '../../core/errors.js';
import { formatEmail, type MessageBody } from '../../core/incident-message.js';

/** One alert message: the JSON body, the tag subscribers filter on (MNS FilterTag, ≤ 16 chars), the channel. */
export interface AlertMessage {
  body: string;
  tag: string;
  /** `topic` (default): the JSON on the alert topic; `mail`: the same message as a readable email */
  channel?: 'topic' | 'mail';
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

/** Email over MNS DirectMail: a topic whose subscriptions are `mail:directmail:<address>` endpoints. */
export interface MailSettings {
  topic: string;
  /** DirectMail sender address (AccountName), verified in the DirectMail console */
  sender: string;
  subjectPrefix: string;
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
 * Publishes to MNS topics. The body is plain JSON text, XML-escaped here because @alicloud/mns 1.2.0 writes values
 * into its XML unescaped (@alicloud/mns lib/client.js); MNS stores and delivers the unescaped text, so subscribers
 * read JSON, not base64. The tag is the MessageTag. A `mail` message goes to the mail topic as plain text with the
 * DirectMail attributes (PublishMessage: MessageAttributes.DirectMail, https://help.aliyun.com/zh/mns/developer-reference/message-management-publishmessage).
 */
export class MnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: MNS,
    private readonly topic: string,
    private readonly mail?: MailSettings,
  ) {}

  async publish(message: AlertMessage): Promise<{ messageId: string }> {
    if (message.tag.length > 16)
      throw new TerminalError('ALERT_TAG_INVALID', `MessageTag ${message.tag} is over 16 chars`);
    const topic = message.channel === 'mail' ? this.mailSettings().topic : this.topic;
    const params =
      message.channel === 'mail' ? this.mailParams(message) : { MessageBody: escapeXml(message.body) };
    try {
      const result = await this.client.publishMessage(topic, { ...params, MessageTag: message.tag });
      return { messageId: result.body.MessageId };
    } catch (error) {
      throw translateMnsError(error, `publish to topic ${topic}`);
    }
  }

  private mailParams(message: AlertMessage): MNS.PublishParams {
    const mail = this.mailSettings();
    const email = formatEmail(JSON.parse(message.body) as MessageBody, { subjectPrefix: mail.subjectPrefix });
    // AddressType 1: send from the configured sender address; IsHtml 0: the text as it is.
    const directMail = JSON.stringify({
      AccountName: mail.sender,
      Subject: email.subject,
      AddressType: 1,
      IsHtml: 0,
      ReplyToAddress: 0,
    });
    return { MessageBody: escapeXml(email.text), MessageAttributes: { DirectMail: escapeXml(directMail) } };
  }

  private mailSettings(): MailSettings {
    if (this.mail === undefined)
      throw new TerminalError(
        'ALERT_MAIL_UNCONFIGURED',
        'a mail message was queued but ALERT_MAIL_TOPIC is not set',
      );
    return this.mail;
  }
}

/** The five XML special characters; what @alicloud/mns should have done with every value it sends. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
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
