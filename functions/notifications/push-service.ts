import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  type MessageAttributeValue,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { UnexpectedSnsAnswerError } from './errors.js';

/**
 * Amazon SNS mobile push, as the notification code uses it: the endpoint calls of registration and
 * Publish. Domain functions take this interface, so their tests can watch what they ask SNS for.
 */
export interface PushService {
  /** CreatePlatformEndpoint: the endpoint for `token`, or the one that already holds the token with other attributes. */
  createEndpoint(applicationArn: string, token: string, customUserData: string): Promise<{ endpointArn: string; conflict: boolean }>;
  /** Enabled and CustomUserData of an endpoint; undefined once it is deleted. */
  endpointAttributes(endpointArn: string): Promise<{ enabled: boolean; customUserData: string; token: string } | undefined>;
  setEndpointAttributes(endpointArn: string, attributes: { Token: string; CustomUserData: string; Enabled: 'true' }): Promise<void>;
  /** DeleteEndpoint (idempotent). */
  deleteEndpoint(endpointArn: string): Promise<void>;
  /** Publish to one endpoint: `gone` when SNS says the endpoint is disabled or deleted (the token is dead). */
  publish(endpointArn: string, message: string, attributes: Record<string, string>): Promise<'published' | 'gone'>;
}

/** SNS names the existing endpoint in the message of the conflict it reports. */
const CONFLICTING_ENDPOINT = /Endpoint (arn:aws[a-z-]*:sns:\S+?) already exists with the same [Tt]oken/;

const nameOf = (error: unknown): string => (error as { name?: string } | null)?.name ?? '';

export function snsPushService(client: SNSClient): PushService {
  return {
    async createEndpoint(applicationArn, token, customUserData) {
      try {
        const result = await client.send(new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationArn, Token: token, CustomUserData: customUserData }));
        return { endpointArn: result.EndpointArn!, conflict: false };
      } catch (error) {
        const existing = nameOf(error) === 'InvalidParameterException' ? CONFLICTING_ENDPOINT.exec((error as Error).message)?.[1] : undefined;
        if (existing) return { endpointArn: existing, conflict: true };
        if (nameOf(error) === 'InvalidParameterException' && /already exists/.test((error as Error).message)) {
          throw new UnexpectedSnsAnswerError('CreatePlatformEndpoint reported a conflict without naming the endpoint', { cause: error });
        }
        throw error;
      }
    },
    async endpointAttributes(endpointArn) {
      try {
        const { Attributes = {} } = await client.send(new GetEndpointAttributesCommand({ EndpointArn: endpointArn }));
        return { enabled: Attributes.Enabled === 'true', customUserData: Attributes.CustomUserData ?? '', token: Attributes.Token ?? '' };
      } catch (error) {
        if (nameOf(error) === 'NotFoundException') return undefined;
        throw error;
      }
    },
    async setEndpointAttributes(endpointArn, attributes) {
      await client.send(new SetEndpointAttributesCommand({ EndpointArn: endpointArn, Attributes: attributes }));
    },
    async deleteEndpoint(endpointArn) {
      await client.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
    },
    async publish(endpointArn, message, attributes) {
      const MessageAttributes: Record<string, MessageAttributeValue> = Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
      );
      try {
        await client.send(new PublishCommand({ TargetArn: endpointArn, Message: message, MessageStructure: 'json', MessageAttributes }));
        return 'published';
      } catch (error) {
        if (nameOf(error) === 'EndpointDisabledException' || nameOf(error) === 'NotFoundException') return 'gone';
        // A deleted endpoint: SNS answers Publish with InvalidParameter rather than NotFound.
        if (nameOf(error) === 'InvalidParameterException' && /No endpoint found/.test((error as Error).message)) return 'gone';
        throw error;
      }
    },
  };
}
