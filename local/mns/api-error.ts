/**
 * An error the local MNS answers with: HTTP status + MNS error code + message, rendered as the
 * service's `<Error>` document. Codes, statuses and messages follow the MNS error-code table
 * (https://www.alibabacloud.com/help/doc-detail/27501.html) so the real `@alicloud/mns` client
 * throws the same `MNS<Code>Error` it would in the cloud.
 */
export class MnsApiError extends Error {
  override readonly name = 'MnsApiError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
  }

  static malformedXml(): MnsApiError {
    return new MnsApiError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
  }

  static invalidArgument(message: string): MnsApiError {
    return new MnsApiError(400, 'InvalidArgument', message);
  }

  static outOfRange(element: string, low: number, high: number): MnsApiError {
    return MnsApiError.invalidArgument(`The value of ${element} should between ${low} and ${high}.`);
  }

  static invalidUrl(): MnsApiError {
    return new MnsApiError(400, 'InvalidRequestURL', 'Http request URL format invalid.');
  }

  static topicNotExist(): MnsApiError {
    return new MnsApiError(404, 'TopicNotExist', 'The topic you provided does not exist.');
  }

  static queueNotExist(): MnsApiError {
    return new MnsApiError(404, 'QueueNotExist', 'The queue name you provided is not exist.');
  }

  static subscriptionNotExist(): MnsApiError {
    return new MnsApiError(404, 'SubscriptionNotExist', 'The subscription you provided does not exist.');
  }

  static messageNotExist(): MnsApiError {
    return new MnsApiError(404, 'MessageNotExist', 'Message not exist.');
  }

  static receiptHandleError(): MnsApiError {
    return new MnsApiError(400, 'ReceiptHandleError', 'The receipt handle you provide is not valid.');
  }

  static alreadyExists(kind: 'Topic' | 'Queue' | 'Subscription'): MnsApiError {
    return new MnsApiError(
      409,
      `${kind}AlreadyExist`,
      `The ${kind.toLowerCase()} you want to create already exists with different attributes.`,
    );
  }
}
