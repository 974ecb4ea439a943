import { Readable } from 'node:stream';
import { checkKey } from './address.js';
import { removeQuietly } from './atomic-file.js';
import { type ReceivedBody, receiveBody } from './body.js';
import {
  isTrue,
  type OssContext,
  parseTagging,
  requestHeader,
  sendEmpty,
  sendXml,
  storedFields,
} from './context.js';
import { type FormPart, FormReader, formBoundary, malformedPost } from './form-data.js';
import { alreadyExists, commitBody, writeHeaders } from './object-write.js';
import { ossError } from './oss-error.js';
import { checkConditions, checkLength, type FormFields, verifyPostSignature } from './post-policy.js';
import type { ObjectMeta } from './store.js';
import { leaf, node } from './xml.js';

/**
 * PostObject (https://help.aliyun.com/en/oss/developer-reference/postobject): an HTML-form upload to
 * `POST /` of the bucket. The fields before `file` name the key and carry the signed policy; the file is
 * streamed to a temp file and committed atomically, like PutObject, and fires ObjectCreated:PostObject.
 */

/** No single field of a browser form comes near this; the file is the only large part. */
const MAX_FIELD_BYTES = 64 * 1024;

export async function postObject(ctx: OssContext): Promise<void> {
  const boundary = formBoundary(requestHeader(ctx, 'content-type'));
  if (boundary === undefined)
    throw malformedPost('the Content-Type is not multipart/form-data with a boundary');
  const form = new FormReader(ctx.req, boundary);
  try {
    await receiveForm(ctx, form);
  } catch (error) {
    await form.drain().catch(() => undefined);
    throw error;
  }
}

async function receiveForm(ctx: OssContext, form: FormReader): Promise<void> {
  const { bucket } = ctx.target;
  const { fields, file } = await readFields(form);
  const policy = verifyPostSignature(fields, ctx.credentials, ctx.region, Date.now());
  checkConditions(policy, { bucket, fields });
  const key = objectKey(fields, file);
  const forbidOverwrite = isTrue(fields.get('x-oss-forbid-overwrite'));
  if (forbidOverwrite && (await ctx.store.readMeta(bucket, key))) throw alreadyExists(key);
  const body = await receiveBody(Readable.from(form.partBody()), ctx.store.temp.path('post'));
  await form.drain();
  try {
    checkLength(policy, body.size);
  } catch (error) {
    await removeQuietly(body.path);
    throw error;
  }
  const object = {
    ...storedFields(fields, fields.get('content-type') ?? file.contentType),
    tags: parseTagging(fields.get('x-oss-tagging')),
  };
  const { meta, previous } = await commitBody(ctx, key, body, object, forbidOverwrite);
  answer(ctx, fields, meta, body);
  ctx.created('ObjectCreated:PostObject', meta, previous);
}

/** The fields up to `file`, which must come last (anything after it is ignored, as OSS does). */
async function readFields(form: FormReader): Promise<{ fields: FormFields; file: FormPart }> {
  const fields = new Map<string, string>();
  for (let part = await form.nextPart(); part !== undefined; part = await form.nextPart()) {
    if (part.name === 'file') return { fields, file: part };
    const name = part.name;
    const value = await form.readText(MAX_FIELD_BYTES, () =>
      malformedPost(`the form field ${name} is longer than ${MAX_FIELD_BYTES} bytes`),
    );
    if (!fields.has(name)) fields.set(name, value);
  }
  throw ossError('InvalidArgument', {}, 'The body of your POST request has no file field.');
}

/** The `key` field, with `${filename}` replaced by the uploaded file's name. */
function objectKey(fields: FormFields, file: FormPart): string {
  const template = fields.get('key');
  if (template === undefined || template === '') {
    throw ossError('InvalidArgument', { ArgumentName: 'key' }, 'The key form field is missing.');
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: OSS's own placeholder, replaced literally.
  const key = template.replaceAll('${filename}', file.filename ?? '');
  checkKey(key);
  return key;
}

/** success_action_redirect (303), else success_action_status: 200 empty, 201 PostResponse XML, else 204. */
function answer(ctx: OssContext, fields: FormFields, meta: ObjectMeta, body: ReceivedBody): void {
  const headers = writeHeaders(meta, body);
  const redirect = redirectUrl(fields.get('success_action_redirect'), ctx.target.bucket, meta);
  const status = fields.get('success_action_status');
  if (redirect !== undefined) sendEmpty(ctx, 303, { ...headers, Location: redirect });
  else if (status === '201') sendXml(ctx, 201, postResponse(ctx, meta, headers.ETag ?? ''), headers);
  else sendEmpty(ctx, status === '200' ? 200 : 204, headers);
}

function postResponse(ctx: OssContext, meta: ObjectMeta, etag: string): string {
  const location = `http://${ctx.target.bucket}.oss-${ctx.region}.aliyuncs.com/${encodeURI(meta.key)}`;
  return node(
    'PostResponse',
    leaf('Bucket', ctx.target.bucket),
    leaf('Location', location),
    leaf('Key', meta.key),
    leaf('ETag', etag),
  );
}

function redirectUrl(target: string | undefined, bucket: string, meta: ObjectMeta): string | undefined {
  if (target === undefined || target === '') return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  url.searchParams.set('bucket', bucket);
  url.searchParams.set('key', meta.key);
  url.searchParams.set('etag', `"${meta.etag}"`);
  return url.toString();
}
