/**
 * OSS service errors as the real service reports them: HTTP status, `Code`, `Message` and the
 * fine-grained `EC` (https://help.aliyun.com/document_detail/32005.htm). EC values are only set where a
 * public OSS troubleshooting page names them; the others are left out rather than invented.
 */

interface ErrorSpec {
  status: number;
  message: string;
  ec?: string;
}

const SPECS = {
  AccessDenied: { status: 403, message: 'You have no right to access this object.', ec: '0003-00000002' },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty.' },
  EntityTooSmall: {
    status: 400,
    message: 'Your proposed upload is smaller than the minimum allowed size.',
    ec: '0042-00000213',
  },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed size.' },
  FileAlreadyExists: {
    status: 409,
    message: 'The object you specified already exists.',
    ec: '0026-00000002',
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The OSS Access Key Id you provided does not exist in our records.',
    ec: '0002-00000902',
  },
  InvalidArgument: { status: 400, message: 'Invalid argument.' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified was invalid.', ec: '0017-00000503' },
  InvalidObjectName: { status: 400, message: 'The specified object is not valid.' },
  InvalidPart: {
    status: 400,
    message:
      "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
  },
  InvalidPartOrder: {
    status: 400,
    message:
      'The list of parts was not in ascending order. Parts list must be specified in order by part number.',
  },
  InvalidRange: { status: 416, message: 'The requested range cannot be satisfied' },
  InvalidSecurityToken: { status: 403, message: 'The security token you provided is invalid.' },
  InvalidTag: { status: 400, message: 'The tag provided was not a valid tag.' },
  MalformedXML: {
    status: 400,
    message: 'The XML you provided was not well-formed or did not validate against our published schema.',
    ec: '0031-00000001',
  },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.', ec: '0015-00000101' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.', ec: '0026-00000001' },
  NoSuchUpload: {
    status: 404,
    message:
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
    ec: '0017-00000244',
  },
  NotImplemented: {
    status: 501,
    message: 'A header you provided implies functionality that is not implemented.',
  },
  PreconditionFailed: {
    status: 412,
    message: 'At least one of the pre-conditions you specified did not hold.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
    ec: '0002-00000504',
  },
  SignatureDoesNotMatch: {
    status: 403,
    message:
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ec: '0002-00000040',
  },
} satisfies Record<string, ErrorSpec>;

export type OssErrorCode = keyof typeof SPECS;

/** An error the server answers with an OSS `<Error>` document; `details` become extra child elements. */
export class OssError extends Error {
  override readonly name = 'OssError';
  readonly status: number;
  readonly code: string;
  readonly ec: string | undefined;
  readonly details: Record<string, string>;

  constructor(
    code: string,
    options: {
      status?: number;
      message?: string;
      ec?: string;
      details?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    const spec: ErrorSpec | undefined = (SPECS as Record<string, ErrorSpec>)[code];
    super(
      options.message ?? spec?.message ?? code,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = options.status ?? spec?.status ?? 400;
    this.ec = options.ec ?? spec?.ec;
    this.details = options.details ?? {};
  }
}

/** The usual way to raise a known OSS error, with optional extra elements (Key, UploadId, …). */
export function ossError(
  code: OssErrorCode,
  details: Record<string, string> = {},
  message?: string,
): OssError {
  return new OssError(code, message === undefined ? { details } : { details, message });
}
