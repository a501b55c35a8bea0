import { Worker } from 'node:worker_threads';
import type { FaultPlan } from './fault-plan.js';
import { FunctionError, type InvocationOptions } from './invoker.js';

/** Everything needed to run one function: the bundle to load and the environment to load it in. */
export interface RunnableFunction {
  name: string;
  arn: string;
  modulePath: string;
  handlerExport: string;
  timeoutMs: number;
  memoryMb: number;
  environment: Record<string, string>;
}

export type FunctionLogSink = (functionName: string, line: string) => void;

interface WorkerReply {
  type?: 'checkpoint' | 'started';
  id?: number;
  step?: string;
  detail?: Record<string, unknown>;
  invocationId: number;
  ok: boolean;
  result?: unknown;
  errorType?: string;
  errorMessage?: string;
  stack?: string;
  initError?: boolean;
}

interface PendingInvocation {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Lambda gives a function's initialization (module load) 10 seconds of its own. */
const INIT_TIMEOUT_MS = 10_000;

const WORKER_ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/** One execution environment: a worker thread that handles one invocation at a time. */
class ExecutionEnvironment {
  readonly worker: Worker;
  pending: PendingInvocation | undefined;
  private nextInvocationId = 1;

  constructor(
    private readonly fn: RunnableFunction,
    logSink: FunctionLogSink,
    private readonly onGone: (environment: ExecutionEnvironment) => void,
    private readonly faults: FaultPlan,
  ) {
    const execArgv = fn.environment.NODE_OPTIONS?.includes('--enable-source-maps') ? ['--enable-source-maps'] : [];
    this.worker = new Worker(WORKER_ENTRY, {
      env: fn.environment,
      execArgv,
      stdout: true,
      stderr: true,
      workerData: {
        modulePath: fn.modulePath,
        handlerExport: fn.handlerExport,
        functionName: fn.name,
        functionArn: fn.arn,
        memoryMb: fn.memoryMb,
        logGroupName: fn.environment.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${fn.name}`,
        faultsArmed: faults.armed,
      },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          logSink(fn.name, buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
        }
      });
    }
    this.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'checkpoint') {
        void this.faults.decide(fn.name, reply.step ?? '', reply.detail ?? {}).then((verdict) => this.worker.postMessage({ type: 'verdict', id: reply.id, verdict }));
      } else if (reply.type === 'started') {
        this.startTimeout();
      } else {
        this.settle(reply);
      }
    });
    this.worker.on('error', (error) => this.crash('Runtime.UnhandledError', error.message));
    this.worker.on('exit', (code) => this.crash('Runtime.ExitError', `Runtime exited with error: exit status ${code}`));
  }

  run(event: unknown, options: InvocationOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // Until the handler starts, only the initialization limit applies.
      const timer = setTimeout(() => this.crash('Runtime.InitError', 'INIT_REPORT Status: timeout'), INIT_TIMEOUT_MS + this.fn.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.worker.postMessage({ invocationId: this.nextInvocationId++, event, timeoutMs: this.fn.timeoutMs, ...options });
    });
  }

  private startTimeout(): void {
    if (!this.pending) return;
    clearTimeout(this.pending.timer);
    // Lambda stops a timed-out environment; its module state does not survive either.
    this.pending.timer = setTimeout(() => {
      this.crash('Sandbox.Timedout', `Task timed out after ${(this.fn.timeoutMs / 1000).toFixed(2)} seconds`);
    }, this.fn.timeoutMs);
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new FunctionError(this.fn.name, reply.errorType ?? 'Error', reply.errorMessage ?? 'function error', reply.stack?.split('\n')));
    if (reply.initError) this.discard();
    else this.onIdle?.(this);
  }

  onIdle: ((environment: ExecutionEnvironment) => void) | undefined;

  private crash(errorType: string, message: string): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(new FunctionError(this.fn.name, errorType, message));
    }
    this.discard();
  }

  private discarded = false;

  discard(): void {
    if (this.discarded) return;
    this.discarded = true;
    this.onGone(this);
    void this.worker.terminate();
  }
}

/**
 * The execution environments of one function. Like Lambda, an environment serves one request at
 * a time, new ones start (cold) while all are busy, up to a concurrency limit, and warm ones are
 * reused. A crash or timeout discards the environment.
 */
export class FunctionInstancePool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly waiting: ((environment: ExecutionEnvironment) => void)[] = [];
  private stopped = false;
  invocations = 0;
  coldStarts = 0;
  /** Invocations started and not finished (running, or waiting for an environment). */
  inFlight = 0;

  constructor(
    readonly fn: RunnableFunction,
    private readonly maxConcurrency: number,
    private readonly logSink: FunctionLogSink,
    private readonly faults: FaultPlan,
  ) {
    faults.onArmedChange((armed) => {
      for (const environment of this.environments) environment.worker.postMessage({ type: 'faults', armed });
    });
  }

  async invoke(event: unknown, options?: InvocationOptions): Promise<unknown> {
    if (this.stopped) throw new FunctionError(this.fn.name, 'ServiceException', 'the local cloud is stopping');
    this.invocations++;
    this.inFlight++;
    try {
      const environment = await this.acquire();
      return await environment.run(event, options);
    } finally {
      this.inFlight--;
    }
  }

  private acquire(): Promise<ExecutionEnvironment> {
    const warm = this.idle.pop();
    if (warm) return Promise.resolve(warm);
    if (this.environments.size < this.maxConcurrency) return Promise.resolve(this.start());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private start(): ExecutionEnvironment {
    this.coldStarts++;
    const environment = new ExecutionEnvironment(this.fn, this.logSink, (gone) => this.forget(gone), this.faults);
    environment.onIdle = (ready) => this.release(ready);
    this.environments.add(environment);
    return environment;
  }

  private release(environment: ExecutionEnvironment): void {
    const next = this.waiting.shift();
    if (next) next(environment);
    else this.idle.push(environment);
  }

  private forget(environment: ExecutionEnvironment): void {
    this.environments.delete(environment);
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    // A waiter was counting on a free slot: the lost environment frees one.
    const next = this.waiting.shift();
    if (next && !this.stopped) next(this.start());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.environments].map((environment) => environment.worker.terminate()));
    this.environments.clear();
    this.idle.length = 0;
  }
}
