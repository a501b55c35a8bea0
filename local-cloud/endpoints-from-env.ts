/**
 * Where DynamoDB and SQS live when not embedded: `LOCALSTACK_ENDPOINT` points both at LocalStack
 * (its free edition has both, but no WebSocket APIs, so the gateway and functions stay local);
 * `DYNAMODB_ENDPOINT` and `SQS_ENDPOINT` point at each separately.
 */
export function externalEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): { dynamoDbEndpoint?: string; sqsEndpoint?: string } {
  const localstack = env.LOCALSTACK_ENDPOINT;
  const dynamoDbEndpoint = env.DYNAMODB_ENDPOINT ?? localstack;
  const sqsEndpoint = env.SQS_ENDPOINT ?? localstack;
  return { ...(dynamoDbEndpoint ? { dynamoDbEndpoint } : {}), ...(sqsEndpoint ? { sqsEndpoint } : {}) };
}
