import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { MnsApiError } from './api-error.js';

/** Every MNS document lives in this namespace (https://www.alibabacloud.com/help/en/mns/developer-reference/api-mns-2015-06-06-dir). */
export const MNS_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** A value for one element: text, a number, a nested element, or a list of same-named elements. */
export type XmlValue = string | number | boolean | undefined | XmlFields | XmlFields[];
export interface XmlFields {
  [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<?xml …?><Root xmlns="…">fields</Root>`; undefined fields are left out. */
export function xmlDocument(root: string, fields: XmlFields): string {
  return `${DECLARATION}<${root} xmlns="${MNS_NAMESPACE}">${xmlFields(fields)}</${root}>`;
}

function xmlFields(fields: XmlFields): string {
  let xml = '';
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) xml += `<${name}>${xmlFields(item)}</${name}>`;
    } else if (typeof value === 'object') {
      xml += `<${name}>${xmlFields(value)}</${name}>`;
    } else {
      xml += `<${name}>${escapeXml(String(value))}</${name}>`;
    }
  }
  return xml;
}

/** The service's error body (https://www.alibabacloud.com/help/doc-detail/27500.html). */
export function errorDocument(error: MnsApiError, requestId: string, hostId: string): string {
  return xmlDocument('Error', {
    Code: error.code,
    Message: error.message,
    RequestId: requestId,
    HostId: hostId,
  });
}

/** The parsed request body: the root element's name and its children (text stays text, never numbers). */
export interface XmlBody {
  root: string;
  fields: Record<string, unknown>;
}

// Values are kept as the exact text (no number parsing, no trimming) because MessageBodyMD5 is computed
// over the body as sent; numeric character references are decoded like any XML parser would.
const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
});

/** Parse an MNS request body; not well-formed → 400 MalformedXML, as the service answers. */
export function parseXmlBody(body: string): XmlBody {
  if (XMLValidator.validate(body) !== true) throw MnsApiError.malformedXml();
  const doc = parser.parse(body) as Record<string, unknown>;
  const root = Object.keys(doc).find((key) => key !== '#text' && key !== '?xml');
  if (root === undefined) throw MnsApiError.malformedXml();
  const value = doc[root];
  return { root, fields: isRecord(value) ? withoutText(value) : {} };
}

function withoutText(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === '#text') continue;
    out[key] = isRecord(value) ? withoutText(value) : value;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A child element that must be plain text (or absent). */
export function textField(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw MnsApiError.invalidArgument(`The element ${name} must be text.`);
  return value;
}

/** A child element holding an integer within [low, high], or the default when absent or empty. */
export function intField(
  fields: Record<string, unknown>,
  name: string,
  range: { low: number; high: number; fallback: number },
): number {
  const text = textField(fields, name)?.trim();
  if (text === undefined || text === '') return range.fallback;
  return checkInt(name, text, range);
}

export function checkInt(name: string, text: string, range: { low: number; high: number }): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || value < range.low || value > range.high) {
    throw MnsApiError.outOfRange(name, range.low, range.high);
  }
  return value;
}
