import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ossError } from './oss-error.js';

/** Escape text for an XML element body. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A leaf element with escaped text. */
export function leaf(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** An element whose children are already rendered XML. */
export function node(name: string, ...children: string[]): string {
  return `<${name}>${children.join('')}</${name}>`;
}

/** A complete document, with the prolog OSS sends. */
export function xmlDocument(root: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}`;
}

/** Elements that always come back as arrays, so one `<Part>` and many parse the same way. */
const REPEATED = new Set(['Part', 'Tag']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (tagName) => REPEATED.has(tagName),
});

/** Parse a request body; anything that is not well-formed XML is OSS's 400 MalformedXML. */
export function parseXmlBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw ossError('MalformedXML');
  const doc: unknown = parser.parse(text);
  if (typeof doc !== 'object' || doc === null) throw ossError('MalformedXML');
  return doc as Record<string, unknown>;
}

/** Navigate a parsed document: `child(doc, 'Tagging', 'TagSet')`; undefined when a level is missing. */
export function child(doc: unknown, ...path: string[]): unknown {
  let at: unknown = doc;
  for (const name of path) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

/** Text of a leaf in a parsed document ('' for an empty element, undefined when absent). */
export function text(doc: unknown, ...path: string[]): string | undefined {
  const value = child(doc, ...path);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}
