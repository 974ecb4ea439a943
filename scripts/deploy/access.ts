import { PENDING_IDENTITIES } from './access-pending.js';

/**
 * Who may do what in the cloud: one entry per identity, one grant per thing the code (or FC, on the code's behalf)
 * does. deploy/ram/*.json are rendered from this table (`npm run policies`) and a test keeps them equal;
 * test/deploy/least-privilege.test.ts runs the pipeline on the local stack with the rendered OSS grants enforced
 * and checks that each one is needed and that nothing else is. When a branch adds a function (monitor, api, the
 * alert relay), its entry below is what the lead completes: the entries marked `pending` are written from the
 * design, not yet from code.
 *
 * Placeholders in resources: {region} {account} {bucket} {topic} {ingest} {monitor} {api} {relay}
 * {loaderSecret} {readerSecret} {functionRole} {triggerRole} {monitorRole} {apiRole} {relayRole}.
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
}

export interface Identity {
  /** deploy/ram/<file>.json */
  file: string;
  what: string;
  /** A role: the service that assumes it (its trust policy). A RAM user: undefined. */
  trustedService?: string;
  /** Written from the design for a function another branch adds: check it when the branch lands. */
  pending?: string;
  grants: readonly Grant[];
}

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

/** s.yaml logConfig: FC writes each function's stdout to SLS with the function's role. */
const WRITE_LOGS: Grant = {
  usedBy: 's.yaml logConfig: auto',
  evidence: { sYamlProp: 'logConfig' },
  actions: ['log:PostLogStoreLogs'],
  resources: [LOGS],
};

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
      {
        usedBy: 'adapters/alerts/mns.ts publishMessage; s.yaml asyncInvokeConfig onFailure destination',
        evidence: { file: 'adapters/alerts/mns.ts', contains: '.publishMessage(' },
        actions: ['mns:PublishMessage'],
        resources: [TOPIC],
      },
      {
        usedBy: 'adapters/secrets/kms.ts getSecretValue (MYSQL_PASSWORD_SECRET, when set)',
        evidence: { file: 'adapters/secrets/kms.ts', contains: '.getSecretValue(' },
        actions: ['kms:GetSecretValue'],
        resources: [secret('{loaderSecret}')],
      },
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
        usedBy: 'agent/doctor-checks.ts: a one-key listing under incoming/ (credentials, bucket, clock)',
        actions: ['oss:ListObjects'],
        resources: [BUCKET],
        condition: listUnder('incoming/', 'status/'),
      },
      // pending (experiments branch, issue 12): `push-runs` uploads run artifacts under artifacts/<run>/…:
      // { usedBy: 'agent push-runs artifacts', actions: ['oss:PutObject'], resources: [OSS('artifacts/')] },
    ],
  },
  ...PENDING_IDENTITIES,
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
  ingest: 'qlib-ingest',
  monitor: 'qlib-monitor',
  api: 'qlib-api',
  relay: 'qlib-alert-relay',
  loaderSecret: 'qlib/loader',
  readerSecret: 'qlib/reader',
  functionRole: 'qlib-ingest',
  triggerRole: 'qlib-oss-trigger',
  monitorRole: 'qlib-monitor',
  apiRole: 'qlib-api',
  relayRole: 'qlib-alert-relay',
};
