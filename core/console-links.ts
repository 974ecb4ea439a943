/**
 * Console-style links for messages: where a person clicks to see an object, a folder or a function's logs.
 * Built from the region, bucket and names alone (the console's URL layout as of 2026: oss.console.aliyun.com,
 * fcnext.console.aliyun.com); the object key and the ledger query beside them stay the reliable part.
 */
export interface LinkContext {
  region: string;
  bucket: string;
}

/** The OSS console's file list at a folder (a key's parent folder when given a key). */
export function ossFolderLink(ctx: LinkContext, keyOrPrefix: string): string {
  const folder = keyOrPrefix.endsWith('/')
    ? keyOrPrefix
    : keyOrPrefix.slice(0, keyOrPrefix.lastIndexOf('/') + 1);
  return `https://oss.console.aliyun.com/bucket/oss-${ctx.region}/${ctx.bucket}/object?path=${encodeURIComponent(folder)}`;
}

/** The FC 3.0 console's log tab of a function. */
export function functionLogsLink(region: string, functionName: string): string {
  return `https://fcnext.console.aliyun.com/${region}/functions/${encodeURIComponent(functionName)}?tab=logging`;
}

/** `oss://bucket/key`: what ossutil and the docs take. */
export function ossUrl(bucket: string, key: string): string {
  return `oss://${bucket}/${key}`;
}
