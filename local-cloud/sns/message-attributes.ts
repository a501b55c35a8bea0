import { invalidParameter, parameterValueInvalid } from './sns-error.js';
import type { MessageAttributeValue } from './query-protocol.js';

/** SNS's limit on a published message: the body and the message attributes together. */
export const MAX_MESSAGE_BYTES = 262_144;

const NAME = /^[A-Za-z0-9_.-]{1,256}$/;

/** SNS's checks of `MessageAttributes` (the same rules as SQS's), with its messages. */
export function validateMessageAttributes(attributes: ReadonlyMap<string, MessageAttributeValue>): void {
  for (const [name, value] of attributes) {
    if (!NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw parameterValueInvalid(`The message attribute name '${name}' is invalid: it may contain letters, digits, '_', '-' and '.', up to 256 characters, and not start or end with '.' or contain '..'.`);
    }
    const type = value.DataType;
    if (!type) throw parameterValueInvalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
    const base = type.split('.')[0];
    if (base !== 'String' && base !== 'Number' && base !== 'Binary') {
      throw parameterValueInvalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const present = base === 'Binary' ? value.BinaryValue : value.StringValue;
    if (present === undefined || present.length === 0) {
      throw parameterValueInvalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${base}'.`);
    }
    if (base === 'Number' && !Number.isFinite(Number(value.StringValue))) throw parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
  }
}

export function checkMessageSize(message: string, attributes: ReadonlyMap<string, MessageAttributeValue>): void {
  let size = Buffer.byteLength(message);
  for (const [name, value] of attributes) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    size += value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(value.StringValue ?? '');
  }
  if (size > MAX_MESSAGE_BYTES) throw invalidParameter('Invalid parameter: Message too long');
}
