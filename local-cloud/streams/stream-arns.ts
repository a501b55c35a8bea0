/**
 * DynamoDB Local names every table and stream in a region and account of its own
 * (`arn:aws:dynamodb:ddblocal:000000000000:...`). The stack's functions, policies and events
 * must see the ARNs a deployment has (`arn:aws:dynamodb:{region}:{account}:table/T/stream/{label}`,
 * with the stream's real label), so ARNs are translated at the edges: in the front door for the
 * functions' calls, and in the event-source mapping for the events it builds.
 */
import type { PhysicalResource } from '../template/intrinsics.js';

/** `arn:aws:dynamodb:{region}:{account}:` of a table or stream ARN. */
export function arnPrefixOf(arn: string): string {
  const match = /^(arn:[^:]+:dynamodb:[^:]*:[^:]*:)/.exec(arn);
  if (!match) throw new Error(`not a DynamoDB ARN: ${arn}`);
  return match[1]!;
}

export class ArnTranslation {
  constructor(
    /** The prefix the DynamoDB endpoint uses, e.g. `arn:aws:dynamodb:ddblocal:000000000000:`. */
    readonly localPrefix: string,
    /** The stack's, e.g. `arn:aws:dynamodb:us-east-1:123456789012:`. */
    readonly stackPrefix: string,
    /** The region DynamoDB Local writes into stream records' `awsRegion`. */
    private readonly localRegion: string,
    private readonly stackRegion: string,
  ) {}

  static between(localArn: string, stackArn: string): ArnTranslation {
    const local = arnPrefixOf(localArn);
    const stack = arnPrefixOf(stackArn);
    return new ArnTranslation(local, stack, local.split(':')[3]!, stack.split(':')[3]!);
  }

  get identity(): boolean {
    return this.localPrefix === this.stackPrefix;
  }

  toStack(text: string): string {
    if (this.identity) return text;
    let out = text.replaceAll(this.localPrefix, this.stackPrefix);
    // Stream records name the region they were written in.
    if (out.includes('"awsRegion"')) out = out.replaceAll(`"awsRegion":"${this.localRegion}"`, `"awsRegion":"${this.stackRegion}"`);
    return out;
  }

  toLocal(text: string): string {
    return this.identity ? text : text.replaceAll(this.stackPrefix, this.localPrefix);
  }
}

/** `Fn::GetAtt [Table, StreamArn]`: set once the table's stream exists. */
export function setStreamArn(resources: Map<string, PhysicalResource>, tableLogicalId: string, streamArn: string): void {
  const table = resources.get(tableLogicalId);
  if (!table) throw new Error(`unknown table ${tableLogicalId}`);
  table.attributes.StreamArn = streamArn;
}
