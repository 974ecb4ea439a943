/**
 * Types for `@alicloud/mns` 1.2.0, which ships none. Written from node_modules/@alicloud/mns/lib/client.js
 * and lib/helper.js (https://github.com/aliyun/mns-nodejs-sdk).
 *
 * - Every call resolves to `{ code, headers, body }`; `body` is parsed only from text/xml or application/xml
 *   responses, each element's text becoming a string (nested lists become arrays of objects).
 * - An `<Error>` body rejects with an Error whose `name` is `'MNS' + Code + 'Error'`.
 * - The SDK does not XML-escape parameter values: base64 bodies, or escape them yourself.
 * - subscribe, unsubscribe, listSubscriptionByTopic, getSubscriptionAttributes, setSubscriptionAttributes,
 *   deleteTopic and httpEndpoint are empty stubs returning undefined.
 */
declare module '@alicloud/mns' {
  namespace MNSClient {
    interface STSCredentials {
      accessKeyId?: string;
      accessKeyID?: string;
      accessKeySecret: string;
      securityToken: string;
    }

    interface ClientOptions {
      accessKeyId?: string;
      /** older spelling, still accepted */
      accessKeyID?: string;
      accessKeySecret: string;
      /** required unless `endpoint` is given */
      region?: string;
      /** sent as the unsigned `security-token` header */
      securityToken?: string;
      refreshSTSToken?: () => Promise<STSCredentials>;
      /** ms, default 300000 */
      refreshSTSTokenInterval?: number;
      secure?: boolean;
      internal?: boolean;
      vpc?: boolean;
      /** custom endpoint, must start with http:// or https:// (e.g. a local server) */
      endpoint?: string;
      /** ms, default 40000 */
      readTimeout?: number;
      /** ms, default 30000 */
      connectTimeout?: number;
    }

    interface Response<B = Record<string, unknown> | undefined> {
      code: number;
      /** only the headers the call asked for (createQueue/createTopic: `location`) */
      headers: Record<string, string | undefined>;
      body: B;
    }

    /** Nested objects become nested elements; values are written unescaped. */
    type XmlParams = { [name: string]: string | number | boolean | XmlParams };

    interface PublishParams extends XmlParams {
      MessageBody: string;
    }

    interface SendParams extends XmlParams {
      MessageBody: string;
    }

    interface SentMessage {
      MessageId: string;
      MessageBodyMD5: string;
    }

    interface ReceivedMessage {
      MessageId: string;
      ReceiptHandle: string;
      MessageBodyMD5: string;
      MessageBody: string;
      EnqueueTime: string;
      NextVisibleTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface PeekedMessage {
      MessageId: string;
      MessageBodyMD5: string;
      MessageBody: string;
      EnqueueTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface TopicAttributes {
      TopicName: string;
      CreateTime: string;
      LastModifyTime: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      MessageCount: string;
      LoggingEnabled: string;
    }

    interface QueueAttributes {
      QueueName: string;
      CreateTime: string;
      LastModifyTime: string;
      DelaySeconds: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      VisibilityTimeout: string;
      PollingWaitSeconds: string;
      ActiveMessages: string;
      InactiveMessages: string;
      DelayMessages: string;
      LoggingEnabled: string;
    }

    interface BatchDeleteError {
      ErrorCode: string;
      ErrorMessage: string;
      ReceiptHandle: string;
    }
  }

  class MNSClient {
    constructor(accountId: string, opts: MNSClient.ClientOptions);
    readonly accountid: string;
    readonly endpoint: string;
    readonly endpointDomain: string;

    // Queue
    createQueue(name: string, params?: MNSClient.XmlParams): Promise<MNSClient.Response<undefined>>;
    deleteQueue(name: string): Promise<MNSClient.Response<undefined>>;
    /** Beware: passing `limit` without `prefix` sends `x-mns-prefix: undefined` (SDK bug). */
    listQueue(
      start?: string,
      limit?: number,
      prefix?: string,
    ): Promise<MNSClient.Response<Array<{ QueueURL: string }> | undefined>>;
    getQueueAttributes(name: string): Promise<MNSClient.Response<MNSClient.QueueAttributes>>;
    setQueueAttributes(name: string, params?: MNSClient.XmlParams): Promise<MNSClient.Response<undefined>>;

    // Queue messages
    sendMessage(
      queue: string,
      params: MNSClient.SendParams,
    ): Promise<MNSClient.Response<MNSClient.SentMessage>>;
    batchSendMessage(
      queue: string,
      params: MNSClient.SendParams[],
    ): Promise<MNSClient.Response<MNSClient.SentMessage[]>>;
    /** Empty queue: rejects with MNSMessageNotExistError (404). */
    receiveMessage(
      queue: string,
      waitSeconds?: number,
    ): Promise<MNSClient.Response<MNSClient.ReceivedMessage>>;
    batchReceiveMessage(
      queue: string,
      numOfMessages: number,
      waitSeconds?: number,
    ): Promise<MNSClient.Response<MNSClient.ReceivedMessage[]>>;
    peekMessage(queue: string): Promise<MNSClient.Response<MNSClient.PeekedMessage>>;
    batchPeekMessage(
      queue: string,
      numOfMessages: number,
    ): Promise<MNSClient.Response<MNSClient.PeekedMessage[]>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MNSClient.Response<undefined>>;
    /** body is undefined when every handle was deleted, else the failed ones */
    batchDeleteMessage(
      queue: string,
      receiptHandles: string[],
    ): Promise<MNSClient.Response<MNSClient.BatchDeleteError[] | undefined>>;
    changeMessageVisibility(
      queue: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MNSClient.Response<{ ReceiptHandle: string; NextVisibleTime: string }>>;

    // Topic
    createTopic(name: string, params?: MNSClient.XmlParams): Promise<MNSClient.Response<undefined>>;
    /** stub in 1.2.0 */
    deleteTopic(name?: string): undefined;
    listTopic(
      start?: string,
      limit?: number,
      prefix?: string,
    ): Promise<MNSClient.Response<Array<{ TopicURL: string }> | undefined>>;
    getTopicAttributes(name: string): Promise<MNSClient.Response<MNSClient.TopicAttributes>>;
    setTopicAttributes(name: string, params?: MNSClient.XmlParams): Promise<MNSClient.Response<undefined>>;
    publishMessage(
      topic: string,
      params: MNSClient.PublishParams,
    ): Promise<MNSClient.Response<MNSClient.SentMessage>>;

    // Stubs in 1.2.0 (they do nothing and return undefined)
    subscribe(): undefined;
    unsubscribe(): undefined;
    listSubscriptionByTopic(): undefined;
    getSubscriptionAttributes(): undefined;
    setSubscriptionAttributes(): undefined;
    httpEndpoint(): undefined;
  }

  export = MNSClient;
}
