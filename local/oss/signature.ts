import { header, type OssCredential, type SignedRequest } from './credentials.js';
import { ossError } from './oss-error.js';
import { verifyV1Header, verifyV1Url } from './signature-v1.js';
import { verifyV4Header, verifyV4Url } from './signature-v4.js';

/**
 * Check a request's signature, in whichever of the four forms it comes: V1 or V4, in the Authorization
 * header or in the URL. Returns the credential that signed it; throws the OssError real OSS would send.
 * Buckets are private, so an unsigned request is AccessDenied.
 */
export function authenticate(
  req: SignedRequest,
  credentials: readonly OssCredential[],
  region: string,
): OssCredential {
  const auth = header(req.headers, 'authorization');
  if (auth !== undefined) {
    if (auth.startsWith('OSS4-HMAC-SHA256 ')) return verifyV4Header(req, credentials, region);
    if (auth.startsWith('OSS ')) return verifyV1Header(req, credentials);
    throw ossError('InvalidArgument', {}, 'Authorization header is invalid.');
  }
  if (req.query['x-oss-signature-version'] === 'OSS4-HMAC-SHA256')
    return verifyV4Url(req, credentials, region);
  if (req.query.OSSAccessKeyId !== undefined) return verifyV1Url(req, credentials);
  throw ossError('AccessDenied', {}, 'You have no right to access this object because of bucket acl.');
}
