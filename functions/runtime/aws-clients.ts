import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let documentClient: DynamoDBDocumentClient | undefined;

/** One DynamoDB client per Lambda instance, created on first use and reused across invocations. */
export function dynamoDb(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

let s3Client: S3Client | undefined;

/**
 * One S3 client per Lambda instance. `WHEN_REQUIRED`: since SDK 3.729 the client otherwise bakes
 * the CRC32 of an empty body into presigned PUT URLs, which S3 then holds against the upload.
 */
export function s3(): S3Client {
  s3Client ??= new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
  return s3Client;
}
