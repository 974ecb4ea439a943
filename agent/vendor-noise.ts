import { format } from 'node:util';

/**
 * ali-oss's HTTP client (urllib 2.x lib/urllib.js `done`) writes straight to console.warn when a request's
 * callback fires twice — which a dropped connection does once per part in flight — with the request line,
 * its socket agent's state and a long stack: `[urllib:warn] … callback twice!!!`. The failure itself reaches
 * us as an error (translated, retried, reported once); these lines only repeat it as noise on stderr. They
 * are kept out of the CLI's output, and logged at debug level (QLIB_SYNC_LOG_LEVEL=debug) for whoever
 * debugs urllib itself.
 */
export function divertUrllibWarnings(debug: (line: string) => void): () => void {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('[urllib:warn]')) {
      debug(format(...args).split('\n')[0] ?? '');
      return;
    }
    original.apply(console, args);
  };
  return () => {
    console.warn = original;
  };
}
