import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics buffer per Lambda instance; handlers add request-scoped keys. */
export const logger = new Logger();
export const metrics = new Metrics();
export { MetricUnit };
