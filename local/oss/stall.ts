import { Transform, type TransformCallback } from 'node:stream';

/**
 * A test hook for GetObject: send the first `afterBytes` bytes of the body, then hold the rest until `release`
 * settles. A test that must act while a reader is mid-object (kill the process loading it, say) waits for
 * `reached` instead of hoping the machine is slow enough.
 */
export interface OssStall {
  afterBytes: number;
  /** called once, when the first `afterBytes` bytes have been handed to the response */
  reached?: () => void;
  release: Promise<void>;
}

/** A pass-through that holds everything past `stall.afterBytes` until `stall.release`. */
export function stallAfter(stall: OssStall): Transform {
  let sent = 0;
  let held = false;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      if (held || sent + chunk.length <= stall.afterBytes) {
        sent += chunk.length;
        done(null, chunk);
        return;
      }
      const head = chunk.subarray(0, stall.afterBytes - sent);
      sent = stall.afterBytes;
      held = true;
      if (head.length > 0) this.push(head);
      stall.reached?.();
      stall.release.then(
        () => done(null, chunk.subarray(head.length)),
        (error: unknown) => done(error as Error),
      );
    },
  });
}
