/**
 * The one price table of the benchmark: AWS us-east-1 list prices and Ably's published list
 * prices. Every dollar figure in the report is computed from these numbers; change them here.
 * Prices are public list prices as recorded on `asOf`; they were not re-checked online when the
 * benchmark ran (no internet). Entries marked `assumption: true` must be checked before quoting.
 */
export const PRICES = {
  asOf: '2024-11-14',
  region: 'us-east-1',
  sources: [
    'https://aws.amazon.com/dynamodb/pricing/on-demand/ (on-demand price cut of Nov 2024)',
    'https://aws.amazon.com/lambda/pricing/ (arm64, first 6 billion GB-s tier)',
    'https://aws.amazon.com/sqs/pricing/ (beyond the free tier)',
    'https://aws.amazon.com/api-gateway/pricing/ (WebSocket APIs, first 1 billion messages; HTTP APIs, first 300 million requests)',
    'https://aws.amazon.com/sns/pricing/ (mobile push notifications)',
    'https://ably.com/pricing (published list prices, pay-as-you-go)',
    'https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB)',
  ],
  aws: {
    dynamoDb: {
      /** On-demand, standard table class. */
      perMillionWriteRequestUnits: 0.625,
      perMillionReadRequestUnits: 0.125,
    },
    lambda: {
      perMillionRequests: 0.2,
      /** arm64 (Graviton), first 6 billion GB-seconds per month. */
      perGbSecondArm64: 0.0000133334,
    },
    sqs: {
      /** Per million requests; each 64 KB chunk of a request counts as one request. */
      fifoPerMillionRequests: 0.5,
      standardPerMillionRequests: 0.4,
    },
    sns: {
      /** Mobile push notifications (APNs, FCM): per million deliveries (Publish to an endpoint). */
      perMillionMobilePushes: 0.5,
    },
    apiGatewayHttp: {
      /** HTTP APIs (the server API), first 300 million requests per month, metered in 512 KB increments. */
      perMillionRequests: 1.0,
    },
    apiGatewayWebSocket: {
      /** Messages in and out, metered in 32 KB increments; first 1 billion per month. */
      perMillionMessages: 1.0,
      perMillionConnectionMinutes: 0.25,
    },
    s3: {
      /** S3 Standard storage, first 50 TB per month. */
      perGbMonth: 0.023,
      /** PUT, COPY, POST, LIST requests (PutObjectTagging is priced as a PUT). */
      perThousandPutRequests: 0.005,
      /** GET, SELECT and all other requests (HeadObject, CORS preflights). */
      perThousandGetRequests: 0.0004,
      /** Data transfer out to the internet, first 10 TB per month (downloads to devices). */
      transferOutPerGb: 0.09,
    },
    ignored: 'CloudWatch Logs/metrics, data transfer out, X-Ray, Secrets Manager ($0.40/secret-month + $0.05 per 10k calls, cached per cold start), KMS, DynamoDB storage and PITR backups, free tiers.',
  },
  ably: {
    asOf: '2024-11',
    /** Published pay-as-you-go list price; every message in or out of Ably counts (a publish to N subscribers = 1 + N messages). */
    perMillionMessages: 2.5,
    perMillionConnectionMinutes: 1.0,
    assumption: true,
    note: 'Ably list prices as recorded in Nov 2024 (pay-as-you-go "$2.50 per million messages", "$1.00 per million connection minutes"); assumption to be checked against ably.com/pricing before quoting. Ably stores no per-user timelines: history/persistence and a backend for unread counts would cost extra and are not included.',
  },
} as const;

export type Prices = typeof PRICES;
