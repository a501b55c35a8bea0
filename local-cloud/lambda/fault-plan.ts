/**
 * TEST-ONLY fault injection into running functions. Functions call a checkpoint at each step
 * boundary of a multi-write operation (`send:message-stored`, `fanout:item-written`, ...); while a
 * rule is armed, the checkpoint asks the local cloud what to do there: go on, throw, or crash the
 * execution environment as a killed Lambda would. Nothing of this exists in a deployment: the
 * checkpoint hook is only installed by the local cloud's worker threads.
 */
export type FaultAction = 'throw' | 'crash' | 'pause';

export interface FaultRule {
  /** Step name, e.g. `fanout:item-written`. */
  step: string;
  action: FaultAction;
  /** Only functions whose name contains this (e.g. `FanOutWorker`). */
  functionName?: string;
  /** Only when the checkpoint's detail matches (e.g. a given recipient). */
  when?: (detail: Record<string, unknown>) => boolean;
  /** How many times the rule fires before it retires (default: always). */
  times?: number;
  /** `pause`: the function waits at the checkpoint until this settles, then goes on (to order it against other work). */
  until?: Promise<unknown>;
  /** `pause`: the function waits this long at the checkpoint each time the rule fires (a slow dependency). */
  delayMs?: number;
}

export type Verdict = 'continue' | 'throw' | 'crash';

export class FaultPlan {
  private rules: (FaultRule & { remaining: number })[] = [];
  /** Every fault that fired, for tests to check the fault really happened. */
  readonly fired: { functionName: string; step: string; action: FaultAction; detail: Record<string, unknown> }[] = [];
  private readonly listeners = new Set<(armed: boolean) => void>();

  get armed(): boolean {
    return this.rules.length > 0;
  }

  onArmedChange(listener: (armed: boolean) => void): void {
    this.listeners.add(listener);
  }

  inject(rule: FaultRule): void {
    const wasArmed = this.armed;
    this.rules.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
    if (!wasArmed) for (const listener of this.listeners) listener(true);
  }

  clear(): void {
    this.rules = [];
    for (const listener of this.listeners) listener(false);
  }

  /** What the function does at this checkpoint, once any `pause` rule's `until` settled. */
  async decide(functionName: string, step: string, detail: Record<string, unknown>): Promise<Verdict> {
    const rule = this.match(functionName, step, detail);
    if (!rule) return 'continue';
    rule.remaining--;
    this.fired.push({ functionName, step, action: rule.action, detail });
    if (rule.action !== 'pause') return rule.action;
    await rule.until?.catch(() => undefined);
    if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    return 'continue';
  }

  private match(functionName: string, step: string, detail: Record<string, unknown>) {
    return this.rules.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.step === step &&
        (candidate.functionName === undefined || functionName.includes(candidate.functionName)) &&
        (candidate.when === undefined || candidate.when(detail)),
    );
  }
}
