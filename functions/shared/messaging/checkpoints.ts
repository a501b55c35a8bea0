/**
 * Named step boundaries of a multi-write operation. In production this does nothing; the local
 * cloud's fault injection (tests only) uses it to kill a handler exactly between two writes.
 */
export type Checkpoint = (step: string) => Promise<void>;

export const noCheckpoint: Checkpoint = async () => undefined;
