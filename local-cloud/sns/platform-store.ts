import { randomUUID } from 'node:crypto';
import { invalidParameter, notFound, required } from './sns-error.js';

/**
 * SNS mobile push state: platform applications and their endpoints, with SNS's rules for
 * creating and changing them. In memory, like the rest of the local cloud's SNS.
 */

/** The push services the local SNS delivers to (what issue 15's product uses). */
export const PUSH_PLATFORMS = ['APNS', 'APNS_SANDBOX', 'GCM'] as const;
export type PushPlatform = (typeof PUSH_PLATFORMS)[number];

export interface PlatformApplication {
  arn: string;
  name: string;
  platform: PushPlatform;
  /** What GetPlatformApplicationAttributes shows: never the credential or principal, as on AWS. */
  attributes: Record<string, string>;
  createdOrder: number;
}

export interface PlatformEndpoint {
  arn: string;
  applicationArn: string;
  platform: PushPlatform;
  token: string;
  enabled: boolean;
  customUserData: string;
  createdOrder: number;
}

const APPLICATION_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
/** `arn:aws:sns:{region}:{account}:app/{platform}/{name}`. */
const APPLICATION_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):app\/([A-Z_]+)\/([A-Za-z0-9_.-]{1,256})$/;
const SECRET_ATTRIBUTES = new Set(['PlatformCredential', 'PlatformPrincipal']);
const APPLICATION_ATTRIBUTES = new Set([
  'PlatformCredential',
  'PlatformPrincipal',
  'EventEndpointCreated',
  'EventEndpointDeleted',
  'EventEndpointUpdated',
  'EventDeliveryFailure',
  'SuccessFeedbackRoleArn',
  'FailureFeedbackRoleArn',
  'SuccessFeedbackSampleRate',
  'ApplePlatformTeamID',
  'ApplePlatformBundleID',
  'AuthenticationMethod',
  'Enabled',
]);
const ENDPOINT_ATTRIBUTES = new Set(['CustomUserData', 'Enabled', 'Token']);
const MAX_TOKEN_BYTES = 8192;
const MAX_CUSTOM_USER_DATA_BYTES = 2048;

export function parseApplicationArn(arn: string): { region: string; accountId: string; platform: string; name: string } | undefined {
  const match = APPLICATION_ARN.exec(arn);
  return match ? { region: match[1]!, accountId: match[2]!, platform: match[3]!, name: match[4]! } : undefined;
}

function booleanAttribute(value: string, name: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalidParameter(`Invalid parameter: Attributes Reason: ${name} must be true or false`);
}

function checkKeys(attributes: Record<string, string>, allowed: ReadonlySet<string>): void {
  for (const key of Object.keys(attributes)) {
    if (!allowed.has(key)) throw invalidParameter(`Invalid parameter: Attributes Reason: Invalid attribute name: ${key}`);
  }
}

export class PlatformStore {
  private readonly applications = new Map<string, PlatformApplication>();
  private readonly endpoints = new Map<string, PlatformEndpoint>();
  private order = 0;

  constructor(private readonly account: { region: string; accountId: string }) {}

  createApplication(name: string | undefined, platform: string | undefined, attributes: Record<string, string>): PlatformApplication {
    const appName = required(name, 'Name');
    const appPlatform = required(platform, 'Platform');
    if (!APPLICATION_NAME.test(appName)) {
      throw invalidParameter('Invalid parameter: Name Reason: must be between 1 and 256 characters long and contain only letters, numbers, underscores, hyphens and periods');
    }
    if (!(PUSH_PLATFORMS as readonly string[]).includes(appPlatform)) {
      throw invalidParameter(`Invalid parameter: Platform Reason: ${appPlatform} is not supported`);
    }
    checkKeys(attributes, APPLICATION_ATTRIBUTES);
    if (!attributes.PlatformCredential) throw invalidParameter('Invalid parameter: Attributes Reason: PlatformCredential attribute is required');
    if (appPlatform !== 'GCM' && !attributes.PlatformPrincipal) {
      throw invalidParameter('Invalid parameter: Attributes Reason: PlatformPrincipal attribute is required for APNS');
    }
    return this.putApplication(`arn:aws:sns:${this.account.region}:${this.account.accountId}:app/${appPlatform}/${appName}`, attributes);
  }

  /**
   * An application the deployment names by ARN (a setting) rather than creates: it exists in
   * the account already, with credentials the local cloud never sees.
   */
  adoptApplication(arn: string): PlatformApplication {
    const parsed = parseApplicationArn(arn);
    if (!parsed || !(PUSH_PLATFORMS as readonly string[]).includes(parsed.platform)) throw new Error(`${arn} is not an SNS platform application ARN for ${PUSH_PLATFORMS.join(', ')}`);
    return this.applications.get(arn) ?? this.putApplication(arn, {});
  }

  /** Creating an application that exists (same name and platform) keeps its endpoints and updates its attributes. */
  private putApplication(arn: string, attributes: Record<string, string>): PlatformApplication {
    const parsed = parseApplicationArn(arn)!;
    const shown = Object.fromEntries(Object.entries(attributes).filter(([key]) => !SECRET_ATTRIBUTES.has(key)));
    const existing = this.applications.get(arn);
    if (existing) {
      Object.assign(existing.attributes, shown);
      return existing;
    }
    const application: PlatformApplication = {
      arn,
      name: parsed.name,
      platform: parsed.platform as PushPlatform,
      attributes: { Enabled: 'true', ...shown },
      createdOrder: this.order++,
    };
    this.applications.set(arn, application);
    return application;
  }

  application(arn: string | undefined): PlatformApplication {
    const application = this.applications.get(required(arn, 'PlatformApplicationArn'));
    if (!application) throw notFound('PlatformApplication does not exist');
    return application;
  }

  listApplications(): PlatformApplication[] {
    return [...this.applications.values()].sort((a, b) => a.createdOrder - b.createdOrder);
  }

  setApplicationAttributes(arn: string | undefined, attributes: Record<string, string>): void {
    const application = this.application(arn);
    checkKeys(attributes, APPLICATION_ATTRIBUTES);
    if (attributes.Enabled !== undefined) booleanAttribute(attributes.Enabled, 'Enabled');
    for (const [key, value] of Object.entries(attributes)) if (!SECRET_ATTRIBUTES.has(key)) application.attributes[key] = value;
  }

  deleteApplication(arn: string | undefined): void {
    const key = required(arn, 'PlatformApplicationArn');
    this.applications.delete(key);
    for (const endpoint of [...this.endpoints.values()]) if (endpoint.applicationArn === key) this.endpoints.delete(endpoint.arn);
  }

  /**
   * CreatePlatformEndpoint is idempotent: the same token with the same attributes answers the
   * endpoint that has them; the same token with other attributes is refused with the ARN of the
   * endpoint that has it. CustomUserData counts always (default empty), Enabled only when the
   * call gives it: a disabled endpoint is answered as it is, still disabled, which is why SNS's
   * guide says not to rely on CreatePlatformEndpoint alone at each app start. Tokens are per
   * application.
   */
  createEndpoint(applicationArn: string | undefined, rawToken: string | undefined, customUserData: string | undefined, attributes: Record<string, string>): PlatformEndpoint {
    const application = this.application(applicationArn);
    checkKeys(attributes, ENDPOINT_ATTRIBUTES);
    const token = this.validToken(application.platform, attributes.Token ?? required(rawToken, 'Token'));
    const userData = attributes.CustomUserData ?? customUserData ?? '';
    this.checkCustomUserData(userData);
    const enabled = attributes.Enabled === undefined ? undefined : booleanAttribute(attributes.Enabled, 'Enabled');

    const existing = [...this.endpoints.values()].find((endpoint) => endpoint.applicationArn === application.arn && endpoint.token === token);
    if (existing) {
      if (existing.customUserData === userData && (enabled === undefined || existing.enabled === enabled)) return existing;
      throw invalidParameter(`Invalid parameter: Token Reason: Endpoint ${existing.arn} already exists with the same Token, but different attributes.`);
    }
    const endpointArn = application.arn.replace(':app/', ':endpoint/') + `/${randomUUID()}`;
    const endpoint: PlatformEndpoint = {
      arn: endpointArn,
      applicationArn: application.arn,
      platform: application.platform,
      token,
      enabled: enabled ?? true,
      customUserData: userData,
      createdOrder: this.order++,
    };
    this.endpoints.set(endpointArn, endpoint);
    return endpoint;
  }

  endpoint(arn: string | undefined): PlatformEndpoint {
    const endpoint = this.endpoints.get(required(arn, 'EndpointArn'));
    if (!endpoint) throw notFound('Endpoint does not exist');
    return endpoint;
  }

  /** The endpoint a Publish targets, or undefined (SNS answers InvalidParameter for that). */
  findEndpoint(arn: string): PlatformEndpoint | undefined {
    return this.endpoints.get(arn);
  }

  endpointsOf(applicationArn: string | undefined): PlatformEndpoint[] {
    const application = this.application(applicationArn);
    return [...this.endpoints.values()].filter((endpoint) => endpoint.applicationArn === application.arn).sort((a, b) => a.createdOrder - b.createdOrder);
  }

  allEndpoints(): PlatformEndpoint[] {
    return [...this.endpoints.values()];
  }

  setEndpointAttributes(arn: string | undefined, attributes: Record<string, string>): void {
    const endpoint = this.endpoint(arn);
    checkKeys(attributes, ENDPOINT_ATTRIBUTES);
    if (Object.keys(attributes).length === 0) throw invalidParameter('Invalid parameter: Attributes Reason: no value for required parameter');
    const enabled = attributes.Enabled === undefined ? undefined : booleanAttribute(attributes.Enabled, 'Enabled');
    const token = attributes.Token === undefined ? undefined : this.validToken(endpoint.platform, attributes.Token);
    if (attributes.CustomUserData !== undefined) this.checkCustomUserData(attributes.CustomUserData);
    if (enabled !== undefined) endpoint.enabled = enabled;
    if (token !== undefined) endpoint.token = token;
    if (attributes.CustomUserData !== undefined) endpoint.customUserData = attributes.CustomUserData;
  }

  /** DeleteEndpoint is idempotent: deleting an endpoint that does not exist succeeds. */
  deleteEndpoint(arn: string | undefined): void {
    this.endpoints.delete(required(arn, 'EndpointArn'));
  }

  /** What GetEndpointAttributes shows; CustomUserData only when there is some. */
  static endpointAttributes(endpoint: PlatformEndpoint): Record<string, string> {
    return {
      ...(endpoint.customUserData ? { CustomUserData: endpoint.customUserData } : {}),
      Enabled: String(endpoint.enabled),
      Token: endpoint.token,
    };
  }

  /** APNs device tokens are hexadecimal; SNS keeps them in lower case. */
  private validToken(platform: PushPlatform, token: string): string {
    if (token.length === 0) throw invalidParameter('Invalid parameter: Token Reason: no value for required parameter');
    if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) throw invalidParameter(`Invalid parameter: Token Reason: must be at most ${MAX_TOKEN_BYTES} bytes long in UTF-8 encoding`);
    if (platform === 'GCM') return token;
    if (!/^[0-9a-fA-F]{1,400}$/.test(token)) throw invalidParameter('Invalid parameter: Token Reason: iOS device tokens must be no more than 400 hexadecimal characters');
    return token.toLowerCase();
  }

  private checkCustomUserData(value: string): void {
    if (Buffer.byteLength(value) > MAX_CUSTOM_USER_DATA_BYTES) {
      throw invalidParameter(`Invalid parameter: CustomUserData Reason: must be at most ${MAX_CUSTOM_USER_DATA_BYTES} bytes long in UTF-8 encoding`);
    }
  }
}
