/**
 * The event a re-drive hands to ingest: one OSS event record for the batch's manifest, shaped exactly as FC 3.0
 * delivers an OSS trigger's event (devsapp/fc3 event-template/oss.json), so ingest runs its ordinary path. The
 * responseElements.requestId says where it came from (`redrive-<batch id>-<attempt>`) for the logs.
 */
export interface RedriveEventFacts {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  region: string;
  accountId: string;
  at: Date;
  origin: string;
}

export function redriveEvent(f: RedriveEventFacts): Buffer {
  const record = {
    eventName: 'ObjectCreated:PutObject',
    eventSource: 'acs:oss',
    eventTime: f.at.toISOString(),
    eventVersion: '1.0',
    oss: {
      bucket: {
        arn: `acs:oss:${f.region}:${f.accountId}:${f.bucket}`,
        name: f.bucket,
        ownerIdentity: f.accountId,
      },
      object: { deltaSize: 0, eTag: f.etag.toUpperCase(), key: f.key, size: f.size },
      ossSchemaVersion: '1.0',
      ruleId: 'qlib-monitor-redrive',
    },
    region: f.region,
    requestParameters: { sourceIPAddress: '' },
    responseElements: { requestId: f.origin.slice(0, 64) },
    userIdentity: { principalId: f.accountId },
  };
  return Buffer.from(JSON.stringify({ events: [record] }));
}
