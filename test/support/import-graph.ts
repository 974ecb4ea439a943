import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseSync } from 'oxc-parser';

/**
 * Every import edge of a source file, read from a real parser's AST (oxc: TypeScript, .mjs and .cjs alike),
 * not from a regex. esbuild's metafile was the first candidate; it records import, export-from, side-effect,
 * dynamic and require edges, but drops type-only imports (erased before bundling) and cannot see a require made
 * by createRequire() or a worker entry point named by `new URL('./w.mjs', import.meta.url)`, so it is not the
 * whole graph.
 */
export type EdgeKind =
  | 'import'
  | 'import-type'
  | 'side-effect'
  | 'export-from'
  | 'dynamic-import'
  | 'require'
  | 'create-require'
  | 'url';

export interface Edge {
  specifier: string;
  kind: EdgeKind;
  line: number;
}

export interface FileImports {
  edges: Edge[];
  /** imports whose target is computed at run time: no graph can follow them, so each must be known */
  opaque: { kind: 'dynamic-import' | 'require'; line: number }[];
  /** parse errors: a file the parser cannot read is a failure, never an empty import list */
  errors: string[];
}

export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.mjs', '.cjs', '.js'];

/** Every source file under `dir` (declaration files excluded: they import nothing at run time). */
export function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    if (/\.d\.[cm]?ts$/.test(name)) return [];
    return SOURCE_EXTENSIONS.some((ext) => name.endsWith(ext)) ? [path] : [];
  });
}

export function importsOfFile(path: string): FileImports {
  return importsOf(path, readFileSync(path, 'utf8'));
}

/** The imports of one file; `name` decides the dialect (TypeScript for .ts, module or script for .mjs/.cjs). */
export function importsOf(name: string, source: string): FileImports {
  const parsed = parseSync(name, source);
  const lineOf = lineFinder(source);
  const out: FileImports = { edges: [], opaque: [], errors: parsed.errors.map((e) => e.message) };
  const add = (specifier: string, kind: EdgeKind, offset: number) =>
    out.edges.push({ specifier, kind, line: lineOf(offset) });
  for (const imp of parsed.module.staticImports) {
    const { value, start } = imp.moduleRequest;
    if (imp.entries.length === 0) add(value, 'side-effect', start);
    else add(value, imp.entries.every((e) => e.isType) ? 'import-type' : 'import', start);
  }
  for (const exp of parsed.module.staticExports) {
    for (const entry of exp.entries) {
      if (entry.moduleRequest) add(entry.moduleRequest.value, 'export-from', entry.moduleRequest.start);
    }
  }
  walk(parsed.program, new Set(), (kind, node, specifier) => {
    if (specifier === undefined)
      out.opaque.push({ kind: kind as 'dynamic-import' | 'require', line: lineOf(node.start) });
    else add(specifier, kind, node.start);
  });
  return dedupe(out);
}

type AstNode = { type: string; start: number; [key: string]: unknown };
type Found = (kind: EdgeKind, node: AstNode, specifier: string | undefined) => void;

/** Dynamic imports, require() (global or from createRequire) and `new URL(literal, import.meta.url)`/Worker. */
function walk(node: unknown, requires: Set<string>, found: Found): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, requires, found);
    return;
  }
  if (typeof node !== 'object' || node === null || typeof (node as AstNode).type !== 'string') return;
  const n = node as AstNode;
  if (n.type === 'ImportDeclaration') noteCreateRequire(n, requires);
  if (n.type === 'VariableDeclarator') noteRequireBinding(n, requires);
  if (n.type === 'ImportExpression') found('dynamic-import', n, literal(n.source));
  if (n.type === 'CallExpression') callEdge(n, requires, found);
  if (n.type === 'NewExpression') urlEdge(n, found);
  for (const [key, value] of Object.entries(n)) if (key !== 'type') walk(value, requires, found);
}

/** `import { createRequire as cr } from 'node:module'`: remember the local name. */
function noteCreateRequire(n: AstNode, requires: Set<string>): void {
  const source = literal(n.source);
  if (source !== 'node:module' && source !== 'module') return;
  for (const s of (n.specifiers ?? []) as AstNode[]) {
    const imported = s.imported as { name?: string } | undefined;
    if (imported?.name === 'createRequire') requires.add(`factory:${(s.local as { name: string }).name}`);
  }
}

/** `const req = createRequire(import.meta.url)`: `req(...)` is a require from now on. */
function noteRequireBinding(n: AstNode, requires: Set<string>): void {
  const init = n.init as AstNode | null;
  const id = n.id as { type: string; name?: string };
  if (init?.type === 'CallExpression' && isFactory(init.callee, requires) && id.type === 'Identifier')
    requires.add(id.name as string);
}

function callEdge(n: AstNode, requires: Set<string>, found: Found): void {
  const callee = n.callee as AstNode;
  const first = (n.arguments as unknown[])[0];
  if (callee.type === 'Identifier' && requires.has(callee.name as string))
    found('create-require', n, literal(first));
  else if (callee.type === 'Identifier' && callee.name === 'require') found('require', n, literal(first));
  else if (callee.type === 'CallExpression' && isFactory(callee.callee, requires))
    found('create-require', n, literal(first));
  else if (isRequireResolve(callee, requires)) found('require', n, literal(first));
}

function urlEdge(n: AstNode, found: Found): void {
  const callee = n.callee as { type: string; name?: string };
  const [first, second] = n.arguments as unknown[];
  const spec = literal(first);
  if (callee.name === 'URL' && isImportMetaUrl(second) && spec !== undefined) found('url', n, spec);
  if (callee.name === 'Worker' && spec !== undefined && spec.startsWith('.')) found('url', n, spec);
}

function isFactory(callee: unknown, requires: Set<string>): boolean {
  const c = callee as { type?: string; name?: string };
  return c.type === 'Identifier' && requires.has(`factory:${c.name}`);
}

function isRequireResolve(callee: AstNode, requires: Set<string>): boolean {
  if (callee.type !== 'MemberExpression') return false;
  const object = callee.object as { type: string; name?: string };
  const property = callee.property as { name?: string };
  return (
    object.type === 'Identifier' &&
    (object.name === 'require' || requires.has(object.name as string)) &&
    property.name === 'resolve'
  );
}

function isImportMetaUrl(node: unknown): boolean {
  const n = node as { type?: string; object?: { type?: string }; property?: { name?: string } } | undefined;
  return n?.type === 'MemberExpression' && n.object?.type === 'MetaProperty' && n.property?.name === 'url';
}

/** A string literal, or a template literal without expressions; anything else is computed at run time. */
function literal(node: unknown): string | undefined {
  const n = node as {
    type?: string;
    value?: unknown;
    quasis?: { value: { cooked: string } }[];
    expressions?: unknown[];
  };
  if (n?.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n?.type === 'TemplateLiteral' && n.expressions?.length === 0) return n.quasis?.[0]?.value.cooked;
  return undefined;
}

function lineFinder(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** The module record and the walk both see a dynamic import: keep one edge per (specifier, kind, line). */
function dedupe(out: FileImports): FileImports {
  const seen = new Set<string>();
  out.edges = out.edges.filter((e) => {
    const key = `${e.kind}|${e.specifier}|${e.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return out;
}
