/**
 * Who an endpoint belongs to, for the local cloud's `/dev/push`: SNS itself never reads
 * `CustomUserData`, so the product decides what goes there. The local cloud understands a JSON
 * object `{"userId":"...","deviceId":"..."}` (other keys are ignored); anything else leaves the
 * endpoint's notifications recorded but not attributed to a user.
 */
export interface EndpointOwner {
  userId: string;
  deviceId: string | null;
}

export function endpointOwner(customUserData: string): EndpointOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(customUserData);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { userId, deviceId } = parsed as { userId?: unknown; deviceId?: unknown };
    if (typeof userId !== 'string' || userId.length === 0) return undefined;
    return { userId, deviceId: typeof deviceId === 'string' ? deviceId : null };
  } catch {
    return undefined;
  }
}
