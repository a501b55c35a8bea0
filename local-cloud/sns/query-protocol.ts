/**
 * SNS speaks the AWS query protocol, as the v3 SDK's `@aws-sdk/client-sns` still does: a form
 * encoded POST (`Action=Publish&Version=2010-03-31&...`), maps as `Name.entry.N.key` /
 * `Name.entry.N.value`, and XML answers in the `http://sns.amazonaws.com/doc/2010-03-31/`
 * namespace. Errors are `<ErrorResponse><Error><Type/><Code/><Message/></Error>`, and the SDK
 * picks the exception class by `Code`.
 */

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

export type QueryParameters = ReadonlyMap<string, string>;

export function parseQueryBody(body: string): Map<string, string> {
  return new Map(new URLSearchParams(body));
}

/** `Name.entry.N.key` / `Name.entry.N.value` pairs, in order. */
export function mapParameter(parameters: QueryParameters, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (let index = 1; parameters.has(`${name}.entry.${index}.key`); index++) {
    result[parameters.get(`${name}.entry.${index}.key`)!] = parameters.get(`${name}.entry.${index}.value`) ?? '';
  }
  return result;
}

export interface MessageAttributeValue {
  DataType?: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** `MessageAttributes.entry.N.Name` and `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`. */
export function messageAttributesParameter(parameters: QueryParameters): Map<string, MessageAttributeValue> {
  const result = new Map<string, MessageAttributeValue>();
  for (let index = 1; parameters.has(`MessageAttributes.entry.${index}.Name`); index++) {
    const prefix = `MessageAttributes.entry.${index}.Value.`;
    const value: MessageAttributeValue = {};
    for (const field of ['DataType', 'StringValue', 'BinaryValue'] as const) {
      const item = parameters.get(prefix + field);
      if (item !== undefined) value[field] = item;
    }
    result.set(parameters.get(`MessageAttributes.entry.${index}.Name`)!, value);
  }
  return result;
}

export const escapeXml = (text: string): string =>
  text.replace(/[<>&'"\r]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;', '\r': '&#13;' })[c]!);

export const element = (name: string, text: string): string => `<${name}>${escapeXml(text)}</${name}>`;

export function attributesXml(attributes: Readonly<Record<string, string>>): string {
  const entries = Object.entries(attributes).map(([key, value]) => `<entry>${element('key', key)}${element('value', value)}</entry>`);
  return `<Attributes>${entries.join('')}</Attributes>`;
}

export function resultXml(action: string, requestId: string, result: string | undefined): string {
  const body = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`;
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${SNS_XML_NAMESPACE}">${body}<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata></${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string, status: number): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${SNS_XML_NAMESPACE}"><Error>${element('Type', type)}${element('Code', code)}${element('Message', message)}</Error>${element('RequestId', requestId)}</ErrorResponse>`;
}
