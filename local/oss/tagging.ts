import { readSmallBody } from './body.js';
import { type OssContext, sendEmpty, sendXml } from './context.js';
import { ossError } from './oss-error.js';
import { child, leaf, node, parseXmlBody, text } from './xml.js';

/** OSS object tagging limits: at most 10 tags, key 1–128 characters, value at most 256. */
const MAX_TAGS = 10;

export async function putObjectTagging(ctx: OssContext): Promise<void> {
  const tags = parseTagging(await readSmallBody(ctx.req));
  await ctx.store.updateMeta(ctx.target.bucket, ctx.target.key, (meta) => ({ ...meta, tags }));
  sendEmpty(ctx, 200);
}

export async function getObjectTagging(ctx: OssContext): Promise<void> {
  const meta = await ctx.store.readMeta(ctx.target.bucket, ctx.target.key);
  if (!meta) throw ossError('NoSuchKey', { Key: ctx.target.key });
  const tags = Object.entries(meta.tags).map(([k, v]) => node('Tag', leaf('Key', k), leaf('Value', v)));
  sendXml(ctx, 200, node('Tagging', node('TagSet', ...tags)));
}

export async function deleteObjectTagging(ctx: OssContext): Promise<void> {
  await ctx.store.updateMeta(ctx.target.bucket, ctx.target.key, (meta) => ({ ...meta, tags: {} }));
  sendEmpty(ctx, 204);
}

/** `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` → a map, validated like OSS. */
export function parseTagging(body: Buffer): Record<string, string> {
  const doc = parseXmlBody(body);
  if (child(doc, 'Tagging') === undefined) throw ossError('MalformedXML');
  const list = child(doc, 'Tagging', 'TagSet', 'Tag');
  const items = Array.isArray(list) ? list : [];
  if (items.length > MAX_TAGS)
    throw ossError('InvalidTag', {}, `Object tags cannot be greater than ${MAX_TAGS}.`);
  const tags: Record<string, string> = {};
  for (const item of items) {
    const key = text(item, 'Key') ?? '';
    const value = text(item, 'Value') ?? '';
    if (key.length < 1 || key.length > 128 || value.length > 256) {
      throw ossError('InvalidTag', { Key: key }, 'The tag key or value is too long or empty.');
    }
    if (Object.hasOwn(tags, key))
      throw ossError('InvalidTag', { Key: key }, 'Duplicate tag keys are not allowed.');
    tags[key] = value;
  }
  return tags;
}
