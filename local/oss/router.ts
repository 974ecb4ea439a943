import { checkKey } from './address.js';
import {
  deleteBucket,
  getBucketInfo,
  getBucketLocation,
  listBuckets,
  listObjects,
  putBucket,
} from './bucket.js';
import { type OssContext, sendEmpty } from './context.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  uploadPart,
} from './multipart.js';
import { listMultipartUploads, listParts } from './multipart-list.js';
import { copyObject } from './object-copy.js';
import { getObject, headObject } from './object-read.js';
import { deleteObject, putObject } from './object-write.js';
import { ossError } from './oss-error.js';
import { postObject } from './post-object.js';
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from './tagging.js';

type Handler = (ctx: OssContext) => Promise<void>;

/** Pick the operation from method, target and sub-resource, as OSS does, and run it. */
export async function route(ctx: OssContext): Promise<void> {
  const { bucket, key } = ctx.target;
  const method = ctx.req.method ?? 'GET';
  if (bucket === '') return method === 'GET' ? listBuckets(ctx) : notAllowed(method);
  if (key === '') {
    if (method !== 'PUT') await ctx.store.getBucket(bucket);
    return bucketOperation(method, ctx.query)(ctx);
  }
  checkKey(key);
  await ctx.store.getBucket(bucket);
  return objectOperation(method, ctx)(ctx);
}

function bucketOperation(method: string, q: Record<string, string>): Handler {
  switch (method) {
    case 'PUT':
      return putBucket;
    case 'DELETE':
      return deleteBucket;
    case 'HEAD':
      return async (ctx) => sendEmpty(ctx, 200);
    case 'GET':
      if ('bucketInfo' in q) return getBucketInfo;
      if ('location' in q) return getBucketLocation;
      if ('uploads' in q) return listMultipartUploads;
      return listObjects;
    case 'POST':
      // PostObject: an HTML-form upload to the bucket itself (`POST /`), authenticated by its fields.
      return postObject;
    default:
      return notAllowed(method);
  }
}

function objectOperation(method: string, ctx: OssContext): Handler {
  const q = ctx.query;
  switch (method) {
    case 'PUT':
      if ('tagging' in q) return putObjectTagging;
      if ('partNumber' in q || 'uploadId' in q) return uploadPart;
      return ctx.req.headers['x-oss-copy-source'] === undefined ? putObject : copyObject;
    case 'GET':
      if ('tagging' in q) return getObjectTagging;
      if ('uploadId' in q) return listParts;
      return getObject;
    case 'HEAD':
      return headObject;
    case 'DELETE':
      if ('tagging' in q) return deleteObjectTagging;
      if ('uploadId' in q) return abortMultipartUpload;
      return deleteObject;
    case 'POST':
      if ('uploads' in q) return initiateMultipartUpload;
      if ('uploadId' in q) return completeMultipartUpload;
      return notAllowed(method);
    default:
      return notAllowed(method);
  }
}

function notAllowed(method: string): never {
  throw ossError('MethodNotAllowed', { Method: method, ResourceType: 'Object' });
}
