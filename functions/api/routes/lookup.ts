import { type CatalogEntry, catalogEntry } from '../../../adapters/warehouse/catalog.js';
import { isDatasetName } from '../../../core/identifiers.js';
import type { ApiDeps } from '../deps.js';
import { HttpError } from '../http-error.js';

/** A registered dataset by its path name, or 404 (a name that cannot be a dataset is not looked up). */
export async function registeredDataset(deps: ApiDeps, name: string): Promise<CatalogEntry> {
  const entry = isDatasetName(name) ? await catalogEntry(deps.pool, name) : undefined;
  if (entry === undefined) {
    throw new HttpError(404, 'DATASET_NOT_FOUND', `dataset ${name} is not registered`, {
      hint: 'GET /v1/datasets lists the datasets',
    });
  }
  return entry;
}

/** A registered factor dataset (the values endpoint reads only these). */
export async function factorDataset(deps: ApiDeps, name: string): Promise<CatalogEntry> {
  const entry = await registeredDataset(deps, name);
  if (entry.kind !== 'factors') {
    throw new HttpError(404, 'DATASET_NOT_FOUND', `dataset ${name} holds ${entry.kind}, not factor values`);
  }
  return entry;
}
