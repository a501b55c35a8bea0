import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IWebSocketApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from './handler-function.js';

export interface MonitoringProps {
  api: IWebSocketApi;
  stageName: string;
  fanOutQueue: IQueue;
  fanOutDeadLetterQueue: IQueue;
  fanOutWorker: IFunction;
  authorizer: IFunction;
  /** Every table, by a short name used in alarm names (`Timelines`, ...). */
  tables: Record<string, ITableV2>;
  /** Notifications go to this address when set; otherwise the alarms have no actions. */
  alarmEmail?: string;
  /** The offline push pipeline: its queue, dead letters, the dispatcher's failed stream records, its functions. */
  /** Tags stored messages' uploads attached (Conversations stream); a stalled one leaves files to the lifecycle rule. */
  attachmentTagger?: IFunction;
  /** The delivery repair's stream consumer (lib/constructs/delivery-repair.ts). */
  deliveryRepairer?: IFunction;
  /** Publishes committed changes to the event bus (table streams); a stalled one delays integrations, and records older than 24 hours leave the stream. */
  eventPublisher?: IFunction;
  push?: { queue: IQueue; deadLetterQueue: IQueue; dispatchFailures: IQueue; worker: IFunction; dispatcher: IFunction };
  /** The server API (HTTP API) and its stage. */
  serverApi?: { apiId: string; stageName: string };
}

const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator needs to see and be told about (docs/operations.md says what each alarm
 * means and what to do):
 *
 * - Alarms on stuck work (fan-out dead letters and queue age), on failures (worker errors,
 *   INTERNAL replies of the action handlers, API Gateway integration and execution errors, the
 *   authorizer) and on capacity (worker throttles, DynamoDB throttle events per table).
 * - A dashboard of messages per second, fan-out lag, push outcomes, connections and errors.
 * - With `alarmEmail`, an SNS topic that mails every alarm and its recovery.
 *
 * Handler errors are watched through the `ActionErrors` metric, not Lambda's `Errors`: the action
 * wrapper turns every unexpected exception into an INTERNAL reply (the invocation succeeds), so
 * Lambda's metric would stay at zero. Crashes, timeouts and throttles of route handlers still
 * surface, as API Gateway `IntegrationError`; one alarm each covers every route, where per-function
 * alarms would be fifteen more alarms (and a metric math alarm may only combine ten metrics).
 */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;

    const apiMetric = (metricName: string, statistic = 'Sum', period = ONE_MINUTE): Metric =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.api.apiId, Stage: props.stageName },
        statistic,
        period,
      });
    // Powertools Metrics adds the `service` dimension (POWERTOOLS_SERVICE_NAME) to every EMF metric.
    const appMetric = (metricName: string, statistic = 'Sum', period = ONE_MINUTE): Metric =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SERVICE_NAME }, statistic, period });

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'AlarmTopic', { displayName: `${stackName} alarms`, enforceSSL: true });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and states only, no user data; CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key would cost more than the rest of the idle stack.',
      });
    }

    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, evaluationPeriods = 1): Alarm => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${stackName}-${props.stageName}-${alarmId}`,
        alarmDescription: `${description} Runbook: docs/operations.md#${alarmId.endsWith('TableThrottles') ? 'tabletablethrottles' : alarmId.toLowerCase()}`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means nothing happened (no errors reported, no messages queued).
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (this.topic) {
        created.addAlarmAction(new SnsAction(this.topic));
        created.addOkAction(new SnsAction(this.topic));
      } else {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-CW1',
          reason: 'No -c alarmEmail given: the alarm shows on the dashboard and in the console without notifying anyone (see docs/deployment.md).',
        });
      }
      this.alarms.push(created);
      return created;
    };

    alarm(
      'FanOutDeadLetters',
      'Group fan-out jobs failed five times and sit in the dead-letter queue: some members did not get some messages.',
      props.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE }),
      1,
    );
    alarm(
      'FanOutQueueAge',
      'The oldest fan-out job has waited 5 minutes or more for 3 minutes: group delivery is falling behind.',
      props.fanOutQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: ONE_MINUTE }),
      300,
      3,
    );
    alarm(
      'FanOutWorkerErrors',
      'The fan-out worker crashed or timed out: its whole batch is retried.',
      props.fanOutWorker.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
    );
    alarm(
      'FanOutWorkerThrottles',
      'The fan-out worker was throttled: the account or region concurrency limit is reached.',
      props.fanOutWorker.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
      1,
    );
    if (props.attachmentTagger) {
      alarm(
        'AttachmentTaggerIteratorAge',
        'Stored attachment messages have waited an hour or more to have their uploads tagged attached: a record older than 24 hours leaves the stream, and its file goes to the week-long lifecycle rule for unsent uploads.',
        props.attachmentTagger.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        3_600_000,
      );
    }
    if (props.deliveryRepairer) {
      alarm(
        'DeliveryRepairIteratorAge',
        'New messages have waited 15 minutes or more for the delivery check (its batching window is 1 minute): a message whose send stopped after it was stored stays undelivered meanwhile, and a record older than 24 hours leaves the stream unchecked.',
        props.deliveryRepairer.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        15 * 60_000,
      );
      alarm(
        'DeliveriesRepaired',
        'The delivery repair finished a message a send had left undone: expected after crashes and timeouts of the send function, worth a look when it recurs.',
        appMetric('DeliveriesRepaired', 'Sum', FIVE_MINUTES),
        10,
      );
    }
    if (props.eventPublisher) {
      alarm(
        'EventPublisherIteratorAge',
        'Committed changes have waited 10 minutes or more to be published to the event bus: integrations lag, and a record older than 24 hours leaves the stream unpublished.',
        props.eventPublisher.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
        600_000,
      );
    }
    if (props.push) {
      const push = props.push;
      alarm(
        'PushDeadLetters',
        'Notification jobs failed five times and sit in the dead-letter queue: some offline devices were not notified.',
        push.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE }),
        1,
      );
      alarm(
        'PushDispatchFailures',
        'Stream records the notification dispatcher could not enqueue after its retries: those messages notified nobody.',
        push.dispatchFailures.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE }),
        1,
      );
      alarm(
        'PushQueueAge',
        'The oldest notification job has waited 5 minutes or more for 3 minutes: offline notifications are late.',
        push.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: ONE_MINUTE }),
        300,
        3,
      );
      alarm(
        'PushWorkerErrors',
        'The notification worker or dispatcher crashed, timed out or was throttled: its batch is retried.',
        new MathExpression({
          expression: 'workerErrors + workerThrottles + dispatcherErrors + dispatcherThrottles',
          label: 'Push worker and dispatcher errors + throttles',
          usingMetrics: {
            workerErrors: push.worker.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
            workerThrottles: push.worker.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
            dispatcherErrors: push.dispatcher.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
            dispatcherThrottles: push.dispatcher.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
          },
          period: FIVE_MINUTES,
        }),
        1,
      );
    }
    alarm(
      'HandlerErrors',
      'Action handlers answered INTERNAL (an unexpected exception) to at least one request.',
      appMetric('ActionErrors', 'Sum', FIVE_MINUTES),
      1,
    );
    alarm(
      'ApiServerErrors',
      'API Gateway could not run a route: its Lambda failed, timed out or was throttled (IntegrationError), or the gateway itself failed (ExecutionError).',
      new MathExpression({
        expression: 'integration + execution',
        label: 'IntegrationError + ExecutionError',
        usingMetrics: { integration: apiMetric('IntegrationError', 'Sum', FIVE_MINUTES), execution: apiMetric('ExecutionError', 'Sum', FIVE_MINUTES) },
        period: FIVE_MINUTES,
      }),
      1,
    );
    alarm(
      'AuthorizerErrors',
      'The $connect authorizer failed or was throttled: clients cannot connect.',
      new MathExpression({
        expression: 'errors + throttles',
        label: 'Authorizer errors + throttles',
        usingMetrics: {
          errors: props.authorizer.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
          throttles: props.authorizer.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        },
        period: FIVE_MINUTES,
      }),
      1,
    );
    if (props.serverApi) {
      const { apiId, stageName } = props.serverApi;
      // HTTP API metrics: throttled requests are 429s within 4xx (there is no throttle metric).
      const serverApiMetric = (metricName: string, statistic: string): Metric =>
        new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: apiId, Stage: stageName }, statistic, period: FIVE_MINUTES });
      alarm(
        'ServerApi5xx',
        'The server API answered 5xx: a route function failed (500 INTERNAL), timed out or was throttled (503/504), so the company backend saw an error.',
        serverApiMetric('5xx', 'Sum'),
        1,
      );
      alarm(
        'ServerApiLatency',
        'The server API p99 latency was 5 s or more for 15 minutes: its backend callers are slowed down (DynamoDB throttles, cold starts, pushes).',
        serverApiMetric('Latency', 'p99'),
        5_000,
        3,
      );
    }
    for (const [name, table] of Object.entries(props.tables)) {
      alarm(
        `${name}TableThrottles`,
        `DynamoDB throttled reads or writes on the ${name} table (a hot partition, or the on-demand peak was exceeded).`,
        new MathExpression({
          expression: 'reads + writes',
          label: `${name} read + write throttle events`,
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
            writes: table.metric('WriteThrottleEvents', { statistic: 'Sum', period: FIVE_MINUTES }),
          },
          period: FIVE_MINUTES,
        }),
        1,
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const sent = appMetric('MessagesSent');
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${stackName} (${props.stageName})\nMetrics of the instant-messaging backend; what each alarm means: docs/operations.md.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Messages per second (send)',
        left: [new MathExpression({ expression: 'sent / PERIOD(sent)', label: 'messages/s', usingMetrics: { sent }, period: ONE_MINUTE })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Connections',
        left: [apiMetric('ConnectCount')],
        right: [apiMetric('MessageCount')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Fan-out lag (ms, enqueue to delivered)',
        left: [appMetric('FanOutLagMs', 'p50'), appMetric('FanOutLagMs', 'p99'), appMetric('FanOutLagMs', 'Maximum')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Pushes',
        left: [appMetric('PushesDelivered'), appMetric('PushesGone'), appMetric('PushesFailed')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Errors',
        left: [
          appMetric('ActionErrors'),
          apiMetric('IntegrationError'),
          apiMetric('ExecutionError'),
          props.fanOutWorker.metricErrors({ period: ONE_MINUTE }),
          appMetric('FanOutJobsFailed'),
        ],
        right: [apiMetric('ClientError')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Fan-out queue',
        left: [
          props.fanOutQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
          props.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
        ],
        right: [props.fanOutQueue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Integration latency (ms)',
        left: [apiMetric('IntegrationLatency', 'p50'), apiMetric('IntegrationLatency', 'p99')],
        width: 8,
      }),
      new GraphWidget({
        title: 'DynamoDB throttle events',
        left: Object.entries(props.tables).flatMap(([name, table]) => [
          table.metric('ReadThrottleEvents', { statistic: 'Sum', period: ONE_MINUTE, label: `${name} reads` }),
          table.metric('WriteThrottleEvents', { statistic: 'Sum', period: ONE_MINUTE, label: `${name} writes` }),
        ]),
        width: 8,
      }),
      new GraphWidget({
        title: 'DynamoDB consumed capacity',
        left: Object.entries(props.tables).map(([name, table]) =>
          table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', period: ONE_MINUTE, label: `${name} WCU` }),
        ),
        right: Object.entries(props.tables).map(([name, table]) =>
          table.metricConsumedReadCapacityUnits({ statistic: 'Sum', period: ONE_MINUTE, label: `${name} RCU` }),
        ),
        width: 8,
      }),
    );
    if (props.push) {
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'Push notifications',
          left: [appMetric('PushesPublished'), appMetric('PushesSkipped'), appMetric('PushEndpointsRemoved'), appMetric('PushesFailed')],
          width: 12,
        }),
        new GraphWidget({
          title: 'Notification queue',
          left: [
            props.push.queue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
            props.push.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: 'Maximum' }),
          ],
          right: [props.push.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: 'Maximum' })],
          width: 12,
        }),
      );
    }
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }
}
