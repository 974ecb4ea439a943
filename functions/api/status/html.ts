/** Escape text for HTML content and attribute values. */
export function esc(text: unknown): string {
  return String(text ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The page shell: one self-contained document (no scripts, no external assets), readable from a phone to a
 * laptop: fluid width, tables that scroll sideways on a narrow screen, a strip that scales with its box.
 */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${esc(title)}</title>
<style>
:root { color-scheme: light; --ok:#2e7d32; --restated:#1565c0; --quarantined:#c62828; --late:#f9a825; --missing:#4e342e; --due:#bdbdbd; --none:#eeeeee; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 12px 16px 40px; }
header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 8px; }
h1 { font-size: 1.3rem; margin: 8px 0; } h2 { font-size: 1.1rem; margin: 28px 0 8px; } h3 { font-size: 1rem; margin: 0 0 4px; }
section.dataset { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; margin: 10px 0; }
.meta { color: #555; font-size: .9rem; } .strip { width: 100%; height: auto; display: block; margin: 6px 0 2px; }
.legend span { display: inline-block; margin-right: 12px; font-size: .85rem; white-space: nowrap; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eee; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 260px; } code { font-size: .85rem; }
.meta, .quarantine, section.dataset { overflow-wrap: anywhere; }
.s-loaded { color: var(--ok); } .s-rejected { color: var(--quarantined); font-weight: 600; } .s-failed, .s-loading { color: #e65100; }
.days { font-size: .9rem; margin: 2px 0; } .days b { font-weight: 600; }
.quarantine { background: #fff; border-left: 4px solid var(--quarantined); padding: 8px 12px; margin: 10px 0; }
.quarantine ul { margin: 4px 0 0; padding-left: 20px; }
.incident { background: #fff; border-left: 4px solid var(--late); padding: 8px 12px; margin: 10px 0; overflow-wrap: anywhere; }
.incident.sev-error { border-left-color: var(--quarantined); } .incident .summary { font-weight: 600; }
.incident ul { margin: 4px 0 0; padding-left: 20px; } .incident ul.todo { color: #0d47a1; }
.sla-warn, .sla-late { color: #e65100; } .sla-error { color: var(--quarantined); } .sla-on_time { color: var(--ok); }
form { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 16px; max-width: 520px; }
input[type=password] { width: 100%; box-sizing: border-box; padding: 8px; font: inherit; margin: 6px 0 10px; }
button { font: inherit; padding: 6px 14px; } .error { color: var(--quarantined); }
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
