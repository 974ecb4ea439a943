import type { Grant, Identity } from './access.js';

/**
 * The roles of the functions other branches add (issue 9: monitor and the alert relay; issue 10: api), written
 * from their design, not from their code: each is marked `pending`. When a branch lands, the lead checks every
 * grant against the function's calls (docs/deploy.md step 5; the report of the deploy branch lists what).
 */
const OSS = (prefix: string) => `acs:oss:*:{account}:{bucket}/${prefix}*`;
const BUCKET = 'acs:oss:*:{account}:{bucket}';
const TOPIC = 'acs:mns:{region}:{account}:/topics/{topic}/messages';
const LOGS = 'acs:log:{region}:{account}:project/serverless-{region}-*/logstore/*';
const secret = (name: string) => `acs:kms:{region}:{account}:secret/${name}`;
const fn = (name: string) => [
  `acs:fc:{region}:{account}:functions/${name}`,
  `acs:fc:{region}:{account}:functions/${name}/*`,
];
const listUnder = (...prefixes: string[]) => ({ StringLike: { 'oss:Prefix': prefixes.map((p) => `${p}*`) } });
const WRITE_LOGS: Grant = {
  usedBy: 's.yaml logConfig: auto',
  evidence: { sYamlProp: 'logConfig' },
  actions: ['log:PostLogStoreLogs'],
  resources: [LOGS],
};

export const PENDING_IDENTITIES: readonly Identity[] = [
  {
    file: 'fc-monitor-role',
    what: 'role of the monitor function (timer): re-drives stuck batches through the FC API, alerts',
    trustedService: 'fc.aliyuncs.com',
    pending: 'monitor branch (issue 9): check every grant against functions/monitor when it lands',
    grants: [
      {
        usedBy: 'functions/monitor: lost events (manifests with no ledger row)',
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/'), OSS('status/')],
      },
      {
        usedBy: 'functions/monitor: walk incoming/ and status/',
        actions: ['oss:ListObjects'],
        resources: [BUCKET],
        condition: listUnder('incoming/', 'status/'),
      },
      {
        usedBy: 'adapters/function-client: invoke ingest asynchronously (re-drive)',
        actions: ['fc:InvokeFunction'],
        resources: fn('{ingest}'),
      },
      {
        usedBy: 'adapters/alerts/mns.ts publishMessage',
        actions: ['mns:PublishMessage'],
        resources: [TOPIC],
      },
      {
        usedBy: 'adapters/secrets/kms.ts getSecretValue',
        actions: ['kms:GetSecretValue'],
        resources: [secret('{loaderSecret}')],
      },
      WRITE_LOGS,
    ],
  },
  {
    file: 'fc-api-role',
    what: 'role of the HTTP api function: MySQL, presigned links to run artifacts, re-drives (admin)',
    trustedService: 'fc.aliyuncs.com',
    pending: 'api branch (issue 10): check when functions/api lands',
    grants: [
      {
        // A presigned URL carries the signer's authority: whoever follows the link reads as this role.
        usedBy:
          'functions/api/routes/experiments.ts: presigned GET links to run artifacts (ali-oss signatureUrl)',
        actions: ['oss:GetObject'],
        resources: [OSS('artifacts/')],
      },
      {
        usedBy:
          'functions/api/routes/manage.ts → functions/monitor/redrive.ts: HEAD the manifest before a re-drive',
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/')],
      },
      {
        usedBy:
          'functions/api/routes/manage.ts → adapters/function-client/fc3.ts: invoke ingest asynchronously',
        actions: ['fc:InvokeFunction'],
        resources: fn('{ingest}'),
      },
      {
        usedBy: 'adapters/secrets/kms.ts getSecretValue (the reader’s password)',
        actions: ['kms:GetSecretValue'],
        resources: [secret('{readerSecret}')],
      },
      WRITE_LOGS,
    ],
  },
  {
    file: 'fc-alert-relay-role',
    what: 'role of the alert relay (FC async onFailure destination → the alert topic in one format)',
    trustedService: 'fc.aliyuncs.com',
    pending: 'monitor branch (issue 9), if it adds the relay function',
    grants: [
      {
        usedBy: 'adapters/alerts/mns.ts publishMessage',
        actions: ['mns:PublishMessage'],
        resources: [TOPIC],
      },
      WRITE_LOGS,
    ],
  },
];
