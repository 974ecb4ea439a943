import { createReadStream, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { type PayloadDigest, PayloadHasher } from '../../core/digest.js';
import { checkKeySyntax } from '../../core/keys.js';
import { walkFiles } from './file-tree.js';

/**
 * Which artifacts of a run go to OSS (docs/experiments.md, "Artifacts"): `none`, `small` (files up to the cap,
 * default 16 MiB: metrics pickles, configs, code diffs; not the trained model) or `all` (every file, up to the cap
 * when one is given). Every artifact is listed in RDS with its size either way; uploaded ones also with SHA-256 and
 * their key. Artifacts are opaque bytes here and in the cloud: never unpickled, never executed.
 */
export type ArtifactMode = 'none' | 'small' | 'all';

export interface ArtifactPolicy {
  mode: ArtifactMode;
  /** Files larger than this stay local (listed, not uploaded); undefined = no cap (`all` only). */
  maxBytes: number | undefined;
}

export const DEFAULT_SMALL_CAP = 16 * 1024 * 1024;

export function artifactPolicy(mode: ArtifactMode, maxBytes: number | undefined): ArtifactPolicy {
  if (mode === 'small') return { mode, maxBytes: maxBytes ?? DEFAULT_SMALL_CAP };
  return { mode, maxBytes };
}

/** One artifact file of a run. */
export interface RunArtifact {
  /** Relative to the run's artifact directory, `/`-separated (as MLflow lists it). */
  path: string;
  /** The file on this machine. */
  file: string;
  bytes: number;
  /** The object key when the policy uploads it. */
  key: string | null;
  /** SHA-256, CRC-64 and size of the bytes, computed when it is uploaded. */
  digest: PayloadDigest | null;
}

export function uploads(policy: ArtifactPolicy, bytes: number): boolean {
  if (policy.mode === 'none') return false;
  return policy.maxBytes === undefined || bytes <= policy.maxBytes;
}

/** The files of a run's artifact directory, sorted by path, each with its key when the policy uploads it. */
export function listArtifacts(
  dir: string | undefined,
  store: string,
  runId: string,
  policy: ArtifactPolicy,
): RunArtifact[] {
  if (dir === undefined) return [];
  return walkFiles(dir)
    .map((file) => ({ file, path: relative(dir, file).split(sep).join('/'), bytes: statSync(file).size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((a) => ({
      ...a,
      key: uploads(policy, a.bytes) ? artifactKey(store, runId, a.path) : null,
      digest: null,
    }));
}

/**
 * `artifacts/<store>/<run id>/<path>`: the per-run prefix. Path bytes outside [A-Za-z0-9._-/] are %-encoded
 * (UTF-8), so any file name makes a valid key (printable ASCII, no empty or dot segments).
 */
export function artifactKey(store: string, runId: string, path: string): string {
  const encoded = path
    .split('/')
    .map((segment) =>
      segment === '.' || segment === '..'
        ? encodeURIComponent(segment).replace(/\./g, '%2E')
        : encodeSegment(segment),
    )
    .join('/');
  const key = `artifacts/${store}/${runId}/${encoded}`;
  checkKeySyntax(key);
  return key;
}

function encodeSegment(segment: string): string {
  let out = '';
  for (const byte of Buffer.from(segment, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** SHA-256 and CRC-64 of a file, streamed (a trained model may be gigabytes). */
export async function digestFile(path: string): Promise<PayloadDigest> {
  const hasher = new PayloadHasher();
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }))
    hasher.update(chunk as Buffer);
  return hasher.digest();
}
