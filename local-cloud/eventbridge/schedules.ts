import { randomUUID } from 'node:crypto';
import type { CloudFormationTemplate } from '../template/cloud-model.js';
import { type ResolveContext, resolveString, resolveValue } from '../template/intrinsics.js';
import type { FunctionInvoker } from '../lambda/invoker.js';

/**
 * EventBridge scheduled rules (`AWS::Events::Rule` with a `ScheduleExpression`) whose targets
 * are functions of the template, run as EventBridge runs them: every period, the target is
 * invoked asynchronously with a `Scheduled Event`, provided an `AWS::Lambda::Permission` lets
 * `events.amazonaws.com` invoke it from that rule (without one, AWS counts a failed invocation
 * and nothing runs). Only `rate(...)` expressions are emulated; a `cron(...)` rule refuses to
 * start. Tests run a rule at once with `runNow` instead of waiting for its period.
 */
export interface ScheduleSpec {
  logicalId: string;
  name: string;
  arn: string;
  periodMs: number;
  /** Function names of the targets. */
  targets: { functionName: string; permitted: boolean }[];
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function periodOf(expression: string, where: string): number {
  const match = RATE.exec(expression.trim());
  if (!match) throw new Error(`${where}: schedule expression ${JSON.stringify(expression)} is not emulated (only rate(N unit) is)`);
  const value = Number(match[1]);
  const unit = match[2]!.replace(/s$/, '');
  // AWS: rate(1 minute) but rate(5 minutes): the singular only with 1.
  if ((value === 1) !== !match[2]!.endsWith('s') || value < 1) throw new Error(`${where}: ${JSON.stringify(expression)} is not a valid rate expression`);
  return value * UNIT_MS[unit]!;
}

export function readSchedules(template: CloudFormationTemplate, context: ResolveContext, functionNameOfArn: (arn: string) => string | undefined): ScheduleSpec[] {
  const permissions = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Permission')
    .map((resource) => resolveValue(resource.Properties ?? {}, context) as { Action?: string; FunctionName?: string; Principal?: string; SourceArn?: string });
  const specs: ScheduleSpec[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Events::Rule') continue;
    const properties = resource.Properties ?? {};
    if (properties.ScheduleExpression === undefined) continue;
    const state = properties.State === undefined ? 'ENABLED' : resolveString(properties.State, context, `${logicalId}.State`);
    if (state !== 'ENABLED') continue;
    const physical = context.resources.get(logicalId)!;
    const arn = physical.attributes.Arn!;
    const targets = ((resolveValue(properties.Targets ?? [], context) as { Arn?: string }[]) ?? []).flatMap((target) => {
      const functionName = target.Arn ? functionNameOfArn(target.Arn) : undefined;
      if (functionName === undefined) return [];
      const permitted = permissions.some(
        (permission) =>
          permission.Action === 'lambda:InvokeFunction' &&
          permission.Principal === 'events.amazonaws.com' &&
          (permission.FunctionName === target.Arn || permission.FunctionName === functionName) &&
          (permission.SourceArn === undefined || permission.SourceArn === arn),
      );
      return [{ functionName, permitted }];
    });
    specs.push({ logicalId, name: physical.ref, arn, periodMs: periodOf(resolveString(properties.ScheduleExpression, context, `${logicalId}.ScheduleExpression`), logicalId), targets });
  }
  return specs;
}

/** The event EventBridge delivers to a scheduled rule's targets. */
export function scheduledEvent(schedule: ScheduleSpec, account: { region: string; accountId: string }, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: account.accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: account.region,
    resources: [schedule.arn],
    detail: {},
  };
}

export interface LocalSchedules {
  readonly schedules: readonly ScheduleSpec[];
  /** Runs the rule whose logical id starts with `logicalIdPrefix` now; resolves with each target's result (a refused target: an Error). */
  runNow(logicalIdPrefix: string): Promise<unknown[]>;
  stop(): Promise<void>;
}

export function startSchedules(
  schedules: ScheduleSpec[],
  invoker: FunctionInvoker,
  account: { region: string; accountId: string },
  options: { enabled: boolean; log: (message: string) => void },
): LocalSchedules {
  const running = new Set<Promise<unknown>>();
  const run = (schedule: ScheduleSpec): Promise<unknown[]> => {
    const event = scheduledEvent(schedule, account, new Date());
    return Promise.all(
      schedule.targets.map(async (target) => {
        if (!target.permitted) {
          const error = new Error(`rule ${schedule.name} may not invoke ${target.functionName}: no AWS::Lambda::Permission for events.amazonaws.com`);
          options.log(error.message);
          return error;
        }
        const invocation = invoker.invoke(target.functionName, event).catch((error: unknown) => {
          options.log(`scheduled invocation of ${target.functionName} failed: ${error instanceof Error ? error.message : String(error)}`);
          return error;
        });
        running.add(invocation);
        try {
          return await invocation;
        } finally {
          running.delete(invocation);
        }
      }),
    );
  };
  const timers = options.enabled ? schedules.map((schedule) => setInterval(() => void run(schedule), schedule.periodMs)) : [];
  for (const timer of timers) timer.unref();
  return {
    schedules,
    runNow(logicalIdPrefix) {
      const schedule = schedules.find((s) => s.logicalId.startsWith(logicalIdPrefix));
      if (!schedule) return Promise.reject(new Error(`no scheduled rule whose logical id starts with ${logicalIdPrefix}`));
      return run(schedule);
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}
