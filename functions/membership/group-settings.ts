import { MAX_MEMBERS_PER_REQUEST } from '@serverless-im/protocol';

/** Deployment settings of groups, from the function environment (CDK context `largeGroupThreshold`, ...). */
export interface GroupSettings {
  /** A group with more members than this is delivered by read fan-out. */
  largeGroupThreshold: number;
  maxGroupMembers: number;
  /** Most user ids one createGroup / addMembers / removeMembers request may name. */
  maxMembersPerRequest: number;
}

export function groupSettingsFromEnv(): GroupSettings {
  return {
    largeGroupThreshold: Number(process.env.LARGE_GROUP_THRESHOLD ?? 500),
    maxGroupMembers: Number(process.env.MAX_GROUP_MEMBERS ?? 100_000),
    maxMembersPerRequest: MAX_MEMBERS_PER_REQUEST,
  };
}
