import { FaultPlan } from './fault-plan.js';
import { FunctionInstancePool, type FunctionLogSink, type RunnableFunction } from './function-instance-pool.js';
import { FunctionError, type FunctionInvoker, type InvocationOptions } from './invoker.js';

export interface LambdaRuntimeOptions {
  /** Most environments one function may run at once (Lambda's concurrency, scaled to a laptop). */
  maxConcurrencyPerFunction: number;
  logSink: FunctionLogSink;
}

/** The local Lambda service: runs each function of the stack in its own pool of worker threads. */
export class LambdaRuntime implements FunctionInvoker {
  private readonly pools = new Map<string, FunctionInstancePool>();
  /** Test-only faults at the functions' step boundaries. */
  readonly faults = new FaultPlan();

  constructor(functions: RunnableFunction[], options: LambdaRuntimeOptions) {
    for (const fn of functions) {
      this.pools.set(fn.name, new FunctionInstancePool(fn, options.maxConcurrencyPerFunction, options.logSink, this.faults));
    }
  }

  invoke(functionName: string, event: unknown, options?: InvocationOptions): Promise<unknown> {
    const pool = this.pools.get(functionName);
    if (!pool) return Promise.reject(new FunctionError(functionName, 'ResourceNotFoundException', `Function not found: ${functionName}`));
    return pool.invoke(event, options);
  }

  /** The function of that name, if the runtime runs one. */
  function(functionName: string): RunnableFunction | undefined {
    return this.pools.get(functionName)?.fn;
  }

  /** Every function the runtime runs. */
  functions(): RunnableFunction[] {
    return [...this.pools.values()].map((pool) => pool.fn);
  }

  /** Invocations of the function under way (running or waiting for an environment). */
  inFlight(functionName: string): number {
    return this.pools.get(functionName)?.inFlight ?? 0;
  }

  /** Invocation and cold-start counts per function, for tests and benchmarks. */
  stats(): Record<string, { invocations: number; coldStarts: number }> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, { invocations: pool.invocations, coldStarts: pool.coldStarts }]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
  }
}
