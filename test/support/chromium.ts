import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The system's Chromium (Debian package `chromium`; .ci/run installs it), driven by playwright-core. */
const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps calling home, which floods a closed network.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Where the browser tests keep their screenshots (gitignored). */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/** Fail at once, with the fix, when the machine has no Chromium. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
}

/** A headless Chromium with a fresh profile (laptop viewport); `close` ends it and removes the profile. */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  await mkdir(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
