import { isMap, parse, parseDocument, stringify } from 'yaml';
import { TerminalError } from '../../core/errors.js';

/**
 * The YAML side of model configs (docs/experiments.md, "Model configs"): the text stored for a config rebuilt from
 * params, and the file `qlib-sync configs get` writes for `qrun` (qlib/cli/run.py: `qrun config.yaml` calls
 * `qlib.init(**config["qlib_init"])`, then trains `config["task"]`).
 */

/** The stored text of a config rebuilt from a run's params: the task as qrun reads it, keys sorted (stable hash). */
export function paramsConfigText(task: Record<string, unknown>): string {
  return stringify({ task }, { sortMapEntries: true, lineWidth: 0 });
}

/** A config text parsed as YAML (merge keys `<<` and anchors as qlib's examples use them), or undefined. */
export function parseConfigYaml(text: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = parse(text, { merge: true, maxAliasCount: 1000 });
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface QrunOptions {
  /** qlib_init.provider_uri for the machine that trains (a training node's `qlib-sync pull` directory). */
  providerUri?: string;
  /** qlib_init.region (cn, us). */
  region?: string;
}

/**
 * The YAML qrun takes, from a stored config's text. A stored workflow YAML comes back byte for byte unless
 * qlib_init is overridden (then only those values change, comments and anchors kept); a config rebuilt from params
 * has no qlib_init and needs a provider directory. A config that is not a YAML mapping with a task is refused.
 */
export function qrunYaml(text: string, options: QrunOptions = {}): string {
  const config = parseConfigYaml(text);
  if (config === undefined || typeof config.task !== 'object' || config.task === null) {
    throw new TerminalError(
      'CONFIG_NOT_QRUN',
      'the stored config is not a qrun workflow (a YAML mapping with task)',
    );
  }
  const init = config.qlib_init as Record<string, unknown> | undefined;
  const overrides = Object.entries({ provider_uri: options.providerUri, region: options.region }).filter(
    (e): e is [string, string] => e[1] !== undefined,
  );
  if (overrides.length === 0) {
    if (typeof init?.provider_uri === 'string') return text;
    throw new TerminalError(
      'CONFIG_NO_PROVIDER',
      'the config names no qlib_init.provider_uri: say where the data is (--provider-uri, e.g. the directory `qlib-sync pull` writes)',
    );
  }
  const doc = parseDocument(text, { merge: true });
  if (!isMap(doc.get('qlib_init'))) doc.set('qlib_init', doc.createNode({}));
  for (const [key, value] of overrides) doc.setIn(['qlib_init', key], value);
  return doc.toString({ lineWidth: 0 });
}
