/** The little XML S3 speaks: escaping, building answers, and reading the few request bodies it takes. */

export const escapeXml = (text: string): string =>
  text.replace(/[<>&'"\r]/g, (character) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;', '\r': '&#13;' })[character]!);

const unescapeXml = (text: string): string =>
  text.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (_match, entity: string) => {
    switch (entity) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'apos':
        return "'";
      case 'quot':
        return '"';
      default:
        return String.fromCodePoint(entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
    }
  });

export type XmlNode = string | number | boolean | undefined | XmlElement | XmlNode[];
export interface XmlElement {
  [name: string]: XmlNode;
}

/** `{ A: 'x', B: [{ C: 1 }, { C: 2 }] }` -> `<A>x</A><B><C>1</C></B><B><C>2</C></B>`; undefined drops the element. */
export function toXml(element: XmlElement): string {
  let out = '';
  for (const [name, value] of Object.entries(element)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (item === undefined) continue;
      out += typeof item === 'object' ? `<${name}>${toXml(item as XmlElement)}</${name}>` : `<${name}>${escapeXml(String(item))}</${name}>`;
    }
  }
  return out;
}

/** An S3 answer document: the declaration and one root element in S3's namespace. */
export function xmlDocument(root: string, body: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${toXml(body)}</${root}>`;
}

/** The text of every `<name>…</name>` inside `xml`, in order (no nesting of the same name). */
export function elementTexts(xml: string, name: string): string[] {
  const pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1]!);
}

export const textOf = (xml: string, name: string): string | undefined => {
  const [first] = elementTexts(xml, name);
  return first === undefined ? undefined : unescapeXml(first);
};

/** DeleteObjects' body: `<Delete><Quiet>true</Quiet><Object><Key>k</Key></Object>…</Delete>`. */
export function parseDeleteRequest(xml: string): { quiet: boolean; keys: string[] } {
  if (!/<Delete[\s>]/.test(xml)) throw new Error('not a Delete document');
  return {
    quiet: textOf(xml, 'Quiet')?.trim() === 'true',
    keys: elementTexts(xml, 'Object').map((object) => textOf(object, 'Key') ?? ''),
  };
}

/** A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>` document as key/value pairs. */
export function parseTagging(xml: string): [string, string][] {
  return elementTexts(xml, 'Tag').map((tag) => [textOf(tag, 'Key') ?? '', textOf(tag, 'Value') ?? '']);
}
