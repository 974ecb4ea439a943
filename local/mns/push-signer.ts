import { generateKeyPair, type KeyObject, sign, verify } from 'node:crypto';
import { promisify } from 'node:util';
import { type SignableRequest, stringToSign } from './signature.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Where the local server serves the push-signing public key (PEM). */
export const SIGNING_CERT_PATH = '/__local/signing-cert.pem';

/**
 * How the local MNS signs the notifications it pushes to HTTP endpoints, like the service does
 * (https://www.alibabacloud.com/help/doc-detail/27488.htm): Authorization is
 * base64(RSA-SHA1(privateKey, METHOD\nCONTENT-MD5\nCONTENT-TYPE\nDATE\n + sorted x-mns-* headers + path)),
 * with no `MNS ak:` prefix, and `x-mns-signing-cert-url` is base64 of the URL of the key. Unlike the
 * cloud, that URL serves a bare SPKI public key (PEM) rather than an X.509 certificate; Node's
 * `createPublicKey` reads either.
 */
export class PushSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKeyPem: string,
  ) {}

  static async create(): Promise<PushSigner> {
    const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
    return new PushSigner(privateKey, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  }

  sign(request: SignableRequest): string {
    return sign('sha1', Buffer.from(stringToSign(request), 'utf8'), this.privateKey).toString('base64');
  }
}

/** For endpoint receivers (tests, demo): check a pushed notification against the server's public key. */
export function verifyPushSignature(publicKeyPem: string, request: SignableRequest): boolean {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return false;
  return verify(
    'sha1',
    Buffer.from(stringToSign(request), 'utf8'),
    publicKeyPem,
    Buffer.from(authorization, 'base64'),
  );
}
