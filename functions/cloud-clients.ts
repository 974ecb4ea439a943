import type MNS from '@alicloud/mns';
import { createMnsClient, type MailSettings, MnsAlertPublisher } from '../adapters/alerts/mns.js';
import { createOssClient } from '../adapters/object-store/client.js';
import { OssObjectStore } from '../adapters/object-store/store.js';
import type { FunctionConfig } from '../core/config.js';
import type { FcContext } from './fc-context.js';

/** The OSS and MNS clients of one invocation, on the STS credentials FC handed it (ingest and the monitor). */
export interface CloudClients {
  store: OssObjectStore;
  alerts: MnsAlertPublisher;
  /** The MNS client itself (the monitor drains its failure queue with it). */
  mns: MNS;
  mail: MailSettings | undefined;
}

export function cloudClients(config: FunctionConfig, context: FcContext): CloudClients {
  const credentials = context.credentials;
  const oss = createOssClient({
    bucket: config.ossBucket,
    region: config.ossRegion,
    endpoint: config.ossEndpoint,
    internal: config.ossInternal,
    credentials,
  });
  const mns = createMnsClient({
    accountId: context.accountId,
    region: config.ossRegion,
    endpoint: config.mnsEndpoint,
    credentials,
  });
  const mail = mailOf(config);
  return {
    store: new OssObjectStore(oss),
    alerts: new MnsAlertPublisher(mns, config.alertTopic, mail),
    mns,
    mail,
  };
}

/** Email settings when ALERT_MAIL_TOPIC is configured (the config reader demands a sender with it). */
export function mailOf(config: FunctionConfig): MailSettings | undefined {
  if (config.alertMailTopic === undefined || config.alertMailSender === undefined) return undefined;
  return {
    topic: config.alertMailTopic,
    sender: config.alertMailSender,
    subjectPrefix: config.alertMailSubject,
  };
}
