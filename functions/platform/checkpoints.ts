/**
 * Named step boundaries of a multi-write operation (`send:message-stored`, ...). In AWS this does
 * nothing. The local cloud installs a hook behind it (tests only) that can kill a handler exactly
 * between two writes, to prove that retries and redeliveries lose and duplicate nothing.
 */
export type Checkpoint = (step: string, detail?: Record<string, unknown>) => Promise<void>;

export const noCheckpoint: Checkpoint = async () => undefined;

/** The local cloud's hook when running there, otherwise nothing. */
export function runtimeCheckpoint(): Checkpoint {
  const hook = (globalThis as { __LOCAL_CLOUD_CHECKPOINT__?: Checkpoint }).__LOCAL_CLOUD_CHECKPOINT__;
  return hook ?? noCheckpoint;
}
