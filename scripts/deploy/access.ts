/**
 * Who may do what in the cloud: one entry per identity, one grant per thing the code (or FC, on the code's behalf)
 * does. deploy/ram/*.json are rendered from this table (`npm run policies`) and a test keeps them equal;
 * test/deploy/least-privilege.test.ts runs the pipeline on the local stack with the rendered OSS grants enforced
 * and checks that each one is needed and that nothing else is. Every function has a role of its own (s.yaml
 * `role`), holding exactly what that function's code (or FC, for its settings) does. A grant marked `pending`
 * is for code another branch adds; the policy test names each one, so none stays pending unnoticed.
 *
 * Placeholders in resources: {region} {account} {bucket} {topic} {mailTopic} {failureQueue} {ingest} {monitor}
 * {api} {relay} {loaderSecret} {apiSecret} {functionRole} {triggerRole} {monitorRole} {apiRole} {relayRole}.
 */

/**
 * Where a grant that is not an OSS one is used (OSS grants are checked by running the pipeline with them
 * enforced): a source file that makes the SDK call, or an s.yaml setting FC acts on with the role (a path
 * into a resolved fc3 resource's props).
 */
export type Evidence = { file: string; contains: string } | { sYamlProp: string };

export interface Grant {
  /** What uses it: the code path (file) or the s.yaml setting FC acts on. */
  usedBy: string;
  evidence?: Evidence;
  actions: readonly string[];
  resources: readonly string[];
  condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** For code another branch adds (no evidence here yet): what lands it. */
  pending?: string;
}

export interface Identity {
  /** deploy/ram/<file>.json */
  file: string;
  what: string;
  /** A role: the service that assumes it (its trust policy). A RAM user: undefined. */
  trustedService?: string;
  grants: readonly Grant[];
}

const OSS = (prefix: string) => `acs:oss:*:{account}:{bucket}/${prefix}*`;
const BUCKET = 'acs:oss:*:{account}:{bucket}';
const TOPICS = [
  'acs:mns:{region}:{account}:/topics/{topic}/messages',
  'acs:mns:{region}:{account}:/topics/{mailTopic}/messages',
];
const FAILURE_QUEUE = 'acs:mns:{region}:{account}:/queues/{failureQueue}/messages';
const LOGS = 'acs:log:{region}:{account}:project/serverless-{region}-*/logstore/*';
const secret = (name: string) => `acs:kms:{region}:{account}:secret/${name}`;
const fn = (name: string) => [
  `acs:fc:{region}:{account}:functions/${name}`,
  `acs:fc:{region}:{account}:functions/${name}/*`,
];
const listUnder = (...prefixes: string[]) => ({ StringLike: { 'oss:Prefix': prefixes.map((p) => `${p}*`) } });

/** s.yaml logConfig: FC writes each function's stdout to SLS with the function's role. */
const WRITE_LOGS: Grant = {
  usedBy: 's.yaml logConfig: auto',
  evidence: { sYamlProp: 'logConfig' },
  actions: ['log:PostLogStoreLogs'],
  resources: [LOGS],
};

/** alerts (and, with ALERT_MAIL_TOPIC, their mail) published to the topics by the function's outbox. */
const PUBLISH_ALERTS: Grant = {
  usedBy:
    'adapters/alerts/mns.ts MnsAlertPublisher.publish: the alert topic, and the mail topic when ALERT_MAIL_TOPIC is set',
  evidence: { file: 'adapters/alerts/mns.ts', contains: '.publishMessage(' },
  actions: ['mns:PublishMessage'],
  resources: TOPICS,
};

/**
 * s.yaml asyncInvokeConfig onFailure: FC sends the record of an event it gave up on to the failure queue with the
 * function's role (https://www.alibabacloud.com/help/en/fc/user-guide/result-callback, "Required permission").
 */
const FAILURE_DESTINATION: Grant = {
  usedBy:
    's.yaml asyncInvokeConfig.destinationConfig.onFailure (FC sends the record with the function’s role)',
  evidence: { sYamlProp: 'asyncInvokeConfig.destinationConfig.onFailure.destination' },
  actions: ['mns:SendMessage'],
  resources: [FAILURE_QUEUE],
};

/** A database password read at cold start (functions/database-url.ts) by the function whose wiring is `file`. */
const readSecret = (file: string, setting: string, name: string): Grant => ({
  usedBy: `${file} → functions/database-url.ts → adapters/secrets/kms.ts getSecretValue (${setting}, when set)`,
  evidence: { file, contains: 'await databaseUrl(' },
  actions: ['kms:GetSecretValue'],
  resources: [secret(name)],
});

export const IDENTITIES: readonly Identity[] = [
  {
    file: 'fc-ingest-role',
    what: 'role of the ingest function (s.yaml role: FC_ROLE_ARN); FC hands its STS credentials to the handler',
    trustedService: 'fc.aliyuncs.com',
    grants: [
      {
        usedBy:
          'functions/ingest: read the manifest and payload, copy them out (manifest-read, payload-check, load-batch, housekeeping)',
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/')],
      },
      {
        usedBy:
          'functions/ingest/housekeeping.ts: list a batch’s objects under incoming/<kind>/<dataset>/<id>/',
        actions: ['oss:ListObjects'],
        resources: [BUCKET],
        condition: listUnder('incoming/'),
      },
      {
        usedBy:
          'functions/ingest/housekeeping.ts: move the objects (copy, then delete) to loaded/ or quarantine/',
        actions: ['oss:PutObject'],
        resources: [OSS('loaded/'), OSS('quarantine/')],
      },
      {
        usedBy: 'functions/ingest/housekeeping.ts: move the objects out of incoming/',
        actions: ['oss:DeleteObject'],
        resources: [OSS('incoming/')],
      },
      {
        usedBy: 'functions/ingest/housekeeping.ts, settle.ts: the status object the agent reads',
        actions: ['oss:PutObject'],
        resources: [OSS('status/')],
      },
      {
        // HeadObject is authorised as oss:GetObject. The same grant lets duplicate-content.ts hash a loaded twin's
        // payload when a store returns no CRC-64 (Alibaba Cloud OSS always returns one).
        usedBy:
          'functions/ingest/housekeeping.ts moveIncoming: HEAD the destination first, so nothing already filed is overwritten; reused-id.ts: HEAD the settled payload',
        actions: ['oss:GetObject'],
        resources: [OSS('loaded/'), OSS('quarantine/')],
      },
      PUBLISH_ALERTS,
      FAILURE_DESTINATION,
      readSecret('functions/ingest/wiring.ts', 'MYSQL_PASSWORD_SECRET', '{loaderSecret}'),
      WRITE_LOGS,
    ],
  },
  {
    file: 'oss-trigger-role',
    what: 'role OSS assumes to invoke ingest (s.yaml invocationRole: OSS_TRIGGER_ROLE)',
    trustedService: 'oss.aliyuncs.com',
    grants: [
      {
        usedBy: 's.yaml triggers[oss].invocationRole',
        evidence: { sYamlProp: 'triggers.0.invocationRole' },
        actions: ['fc:InvokeFunction'],
        resources: fn('{ingest}'),
      },
    ],
  },
  {
    file: 'agent-user',
    what: 'RAM user of qlib-sync on the research server: uploads batches, reads their outcome, nothing else',
    grants: [
      {
        usedBy: 'agent/upload/uploader.ts: payload (PUT or multipart) then manifest',
        actions: ['oss:PutObject'],
        resources: [OSS('incoming/')],
      },
      {
        usedBy:
          'agent/upload/uploader.ts: HEAD of its own payload (size, CRC-64); agent/cloud-status.ts: status objects',
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/'), OSS('status/')],
      },
      {
        usedBy:
          'agent/doctor-checks.ts: a one-key listing under incoming/; agent/cloud-history.ts: push --since-last with no journal lists loaded/ and incoming/',
        actions: ['oss:ListObjects'],
        resources: [BUCKET],
        condition: listUnder('incoming/', 'status/', 'loaded/'),
      },
      {
        // Manifests only: the payloads under loaded/ and quarantine/ stay out of the agent's reach.
        usedBy:
          'agent/cloud-history.ts: read the manifests under loaded/ (push --since-last, no journal); agent/upload/cloud-check.ts: HEAD a settled manifest before resending',
        actions: ['oss:GetObject'],
        resources: [OSS('loaded/*/manifest.json'), OSS('quarantine/*/manifest.json')],
      },
      {
        // Multipart (initiate, parts, complete) is authorised as oss:PutObject; HEAD as oss:GetObject.
        usedBy:
          'agent/experiments/artifact-upload.ts (push-runs): PUT or multipart upload of a run artifact, HEAD to skip one OSS holds',
        actions: ['oss:PutObject', 'oss:GetObject'],
        resources: [OSS('artifacts/')],
      },
    ],
  },
  {
    file: 'fc-monitor-role',
    what: 'role of the monitor function (timer, s.yaml role: MONITOR_ROLE): lost events, re-drives, the failure queue, alerts',
    trustedService: 'fc.aliyuncs.com',
    grants: [
      {
        usedBy: 'functions/monitor/lost-events.ts: one ListObjects page of incoming/ per step',
        evidence: { file: 'functions/monitor/lost-events.ts', contains: "store.listPage('incoming/'" },
        actions: ['oss:ListObjects'],
        resources: [BUCKET],
        condition: listUnder('incoming/'),
      },
      {
        usedBy: 'functions/monitor/redrive.ts: HEAD the manifest (size, ETag) before re-driving its batch',
        evidence: { file: 'functions/monitor/redrive.ts', contains: 'deps.store.head(c.manifestKey)' },
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/*/manifest.json')],
      },
      {
        usedBy:
          'functions/monitor/redrive.ts → adapters/function-client/fc3.ts: invoke ingest asynchronously',
        evidence: { file: 'adapters/function-client/fc3.ts', contains: '.invokeFunctionWithOptions(' },
        actions: ['fc:InvokeFunction'],
        resources: fn('{ingest}'),
      },
      {
        // The MNS API reference names BatchReceiveMessage's action mns:BatchReceiveMessage
        // (https://www.alibabacloud.com/help/doc-detail/35137.htm); MNS's RAM mapping table maps it to
        // mns:ReceiveMessage (https://help.aliyun.com/zh/mns/b3asrm): both, on this one queue.
        usedBy:
          'functions/monitor/failures.ts → adapters/alerts/failure-queue.ts: receive FC’s onFailure records, delete them once recorded',
        evidence: { file: 'adapters/alerts/failure-queue.ts', contains: '.batchReceiveMessage(' },
        actions: ['mns:ReceiveMessage', 'mns:BatchReceiveMessage', 'mns:DeleteMessage'],
        resources: [FAILURE_QUEUE],
      },
      PUBLISH_ALERTS,
      FAILURE_DESTINATION,
      readSecret('functions/monitor/wiring.ts', 'MYSQL_PASSWORD_SECRET', '{loaderSecret}'),
      WRITE_LOGS,
    ],
  },
  {
    file: 'fc-api-role',
    what: 'role of the HTTP api function (s.yaml role: API_ROLE): its own MySQL account, artifact links, re-drives (admin)',
    trustedService: 'fc.aliyuncs.com',
    grants: [
      readSecret('functions/api/wiring.ts', 'API_MYSQL_PASSWORD_SECRET', '{apiSecret}'),
      {
        // A presigned URL carries the signer's authority: whoever follows the link reads as this role.
        usedBy:
          'functions/api/routes/experiments.ts: presigned GET links to run artifacts (ali-oss signatureUrl)',
        actions: ['oss:GetObject'],
        resources: [OSS('artifacts/')],
        evidence: {
          file: 'functions/api/cloud.ts',
          contains: "signer.signatureUrl(key, { expires: seconds, method: 'GET' })",
        },
      },
      {
        usedBy:
          'functions/api/routes/manage.ts → functions/monitor/redrive.ts: HEAD the manifest before a re-drive',
        actions: ['oss:GetObject'],
        resources: [OSS('incoming/')],
        evidence: { file: 'functions/monitor/redrive.ts', contains: 'deps.store.head(c.manifestKey)' },
      },
      {
        usedBy:
          'functions/api/routes/manage.ts → adapters/function-client/fc3.ts: invoke ingest asynchronously',
        actions: ['fc:InvokeFunction'],
        resources: fn('{ingest}'),
        evidence: {
          file: 'functions/api/routes/manage.ts',
          contains: 'await redriveOne(c.env.cloud.redrive',
        },
      },
      WRITE_LOGS,
    ],
  },
  {
    file: 'fc-alert-relay-role',
    what: 'role of the alert relay (HTTP trigger, s.yaml role: RELAY_ROLE): it only calls chat robots over the internet',
    trustedService: 'fc.aliyuncs.com',
    grants: [WRITE_LOGS],
  },
  {
    file: 'deployer',
    what: 'RAM user (or CI role) that runs `npm run deploy`: the fc3 component’s calls for this s.yaml',
    grants: [
      {
        usedBy:
          'devsapp/fc3 src/subCommands/deploy (function, trigger, async_invoke_config), plan, info, remove',
        actions: [
          'fc:GetFunction',
          'fc:CreateFunction',
          'fc:UpdateFunction',
          'fc:DeleteFunction',
          'fc:ListFunctions',
          'fc:GetTrigger',
          'fc:ListTriggers',
          'fc:CreateTrigger',
          'fc:UpdateTrigger',
          'fc:DeleteTrigger',
          'fc:GetFunctionAsyncInvokeConfig',
          'fc:PutFunctionAsyncInvokeConfig',
          'fc:DeleteFunctionAsyncInvokeConfig',
          'fc:ListFunctionAsyncInvokeConfigs',
          'fc:GetConcurrencyConfig',
          'fc:GetProvisionConfig',
          'fc:GetScalingConfig',
          'fc:ListVpcBindings',
          'fc:GetTempBucketToken',
        ],
        resources: ['*'],
      },
      {
        usedBy: 's.yaml role and invocationRole: FC checks the deployer may hand these roles over',
        actions: ['ram:PassRole'],
        resources: [
          'acs:ram::{account}:role/{functionRole}',
          'acs:ram::{account}:role/{triggerRole}',
          'acs:ram::{account}:role/{monitorRole}',
          'acs:ram::{account}:role/{apiRole}',
          'acs:ram::{account}:role/{relayRole}',
        ],
      },
      {
        usedBy:
          's.yaml logConfig: auto (fc3 src/resources/sls: get or create the project, logstore and index)',
        actions: [
          'log:GetProject',
          'log:CreateProject',
          'log:GetLogStore',
          'log:CreateLogStore',
          'log:GetIndex',
          'log:CreateIndex',
        ],
        resources: [
          'acs:log:{region}:{account}:project/serverless-{region}-*',
          'acs:log:{region}:{account}:project/serverless-{region}-*/*',
        ],
      },
    ],
  },
];

/** The default values of the names the placeholders stand for (docs/deploy.md uses these). */
export const DEFAULT_NAMES: Readonly<Record<string, string>> = {
  topic: 'qlib-alerts',
  mailTopic: 'qlib-alert-mail',
  failureQueue: 'qlib-failures',
  ingest: 'qlib-ingest',
  monitor: 'qlib-monitor',
  api: 'qlib-api',
  relay: 'qlib-alert-relay',
  loaderSecret: 'qlib/loader',
  apiSecret: 'qlib/api',
  functionRole: 'qlib-ingest',
  triggerRole: 'qlib-oss-trigger',
  monitorRole: 'qlib-monitor',
  apiRole: 'qlib-api',
  relayRole: 'qlib-alert-relay',
};
