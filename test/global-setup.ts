import { buildFunctions } from '../scripts/build-functions.js';

/**
 * Once per test run: bundle the functions exactly as `npm run build` does, so tests that go through the local
 * FC runtime (s.yaml → dist/functions/<name>) exercise the deployable artifact, never a stale one.
 */
export default async function setup(): Promise<void> {
  await buildFunctions();
}
