import { ImError } from './errors.js';
import { inspectToken } from './token.js';

/**
 * The connection lifecycle as one pure reducer: `step(machine, event, env)` returns the next
 * machine and the effects to run (open a socket, arm a timer, ...). `ConnectionManager` runs the
 * effects and feeds what happens back in as events. Every state and every transition is here.
 *
 * | state          | what is going on                          | leaves on                                          |
 * |----------------|-------------------------------------------|----------------------------------------------------|
 * | `idle`         | never started                             | start                                              |
 * | `connecting`   | fetching a token, then opening a socket   | opened → connected; failed → reconnecting/offline/failed |
 * | `connected`    | a socket is open (maybe a rotation opens) | lost → reconnecting/connecting; closing; stop     |
 * | `reconnecting` | waiting out a backoff delay               | retryDue → connecting; offline → offline          |
 * | `offline`      | the device is offline                     | online → connecting                               |
 * | `failed`       | terminal: retrying will not help          | start → connecting; stop → closed                 |
 * | `closed`       | stopped by stop()                         | start                                              |
 *
 * `failed` is entered after `maxAuthFailures` handshake failures in a row that are blamed on the
 * credentials (HTTP 401/403 where the platform shows the status, or an expired/malformed token),
 * or at once on the server's `closing` signal with `retry: false`.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'failed' | 'closed';

/** Why the connection reached `failed`. */
export interface ConnectionFailure {
  /** `handshake`: connection attempts kept failing for credential reasons. `server`: the server's `closing` signal said not to retry. */
  source: 'handshake' | 'server';
  /**
   * `handshakeRefused` (HTTP 401/403, known only where the platform exposes it, e.g. Node's
   * `ws`), `tokenExpired` / `tokenMalformed` (the token provider's tokens), or for `server` the
   * `closing` signal's reason (`revoked`, `tokenExpired`, `tooManyConnections`, `replaced`, or
   * one this SDK does not know).
   */
  reason: string;
  /** The HTTP status of the last refused handshake, when known. */
  status?: number;
  /** Failed attempts in a row that led here (1 for a `closing` signal). */
  attempts: number;
  /** The same as an ImError (UNAUTHORIZED or FORBIDDEN), with `reason` set. */
  error: ImError;
}

/** The server's in-band `closing` event (pushed just before it deletes the connection). */
export interface ClosingSignal {
  reason: string;
  retry: boolean;
}

/** How an attempt ended before its socket opened. */
export interface AttemptOutcome {
  /** HTTP status of the refused handshake, where the platform exposes it. */
  status?: number;
  /** The SDK gave up waiting (connectTimeoutMs): says nothing about the token. */
  timedOut?: boolean;
  error: ImError;
}

/** An attempt to open a socket: a (re)connect, or a rotation. Its id is also its link's id. */
interface Attempt {
  id: number;
  /** The token, once the provider gave it. */
  token?: string;
}

export type Phase =
  | { state: 'idle' }
  | { state: 'closed' }
  | { state: 'connecting'; attempt: Attempt }
  | { state: 'connected'; link: number; rotation?: Attempt }
  | { state: 'reconnecting'; retry: number; delayMs: number }
  | { state: 'offline' }
  | { state: 'failed'; failure: ConnectionFailure };

export interface Machine {
  readonly phase: Phase;
  /** What the network monitor last said (true without one). */
  readonly online: boolean;
  /** Reconnect attempts since the last healthy connection: the backoff step. */
  readonly retries: number;
  /** Handshake failures in a row blamed on the credentials. */
  readonly authFailures: number;
  /** Failed rotations in a row: their own backoff step. */
  readonly rotationRetries: number;
  /** The error that ended the last connection or attempt; reported with the next state change. */
  readonly lastError: ImError | undefined;
  readonly nextId: number;
}

export type ConnectionEvent =
  | { type: 'start'; online: boolean }
  | { type: 'stop' }
  | { type: 'reconnectNow' }
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'tokenReady'; attempt: number; token: string }
  | { type: 'tokenFailed'; attempt: number; error: ImError }
  | { type: 'opened'; attempt: number }
  | { type: 'attemptFailed'; attempt: number; outcome: AttemptOutcome }
  /** An open link closed, or is presumed dead (its ping went unanswered); the runner already closed it. */
  | { type: 'lost'; link: number; error: ImError }
  | { type: 'closing'; link: number; signal: ClosingSignal }
  | { type: 'retryDue' }
  | { type: 'healthy'; link: number }
  | { type: 'rotateDue' };

export type Effect =
  | { type: 'fetchToken'; attempt: number }
  | { type: 'openSocket'; attempt: number; token: string }
  /** A link takes traffic: arm its ping and age timers (and the healthy timer for a fresh connect). */
  | { type: 'activate'; link: number; rotated: boolean; watchHealth: boolean }
  /** Let a replaced link answer its outstanding requests, then close it. */
  | { type: 'drain'; link: number }
  | { type: 'close'; link: number | 'all'; reason: string }
  | { type: 'armRetry'; delayMs: number }
  | { type: 'armRotation'; delayMs: number }
  /** Ping the link now (back online: it may have died meanwhile). */
  | { type: 'verify'; link: number }
  | { type: 'report'; error: ImError };

export interface MachineEnv {
  now(): number;
  /** The backoff delay for step n (0 = first retry), ms: full jitter, capped. */
  delay(step: number): number;
  /** The smallest delay before a rotation is tried again, ms. */
  baseDelayMs: number;
  maxAuthFailures: number;
}

export interface Step {
  machine: Machine;
  effects: Effect[];
}

export const initialMachine = (): Machine => ({ phase: { state: 'idle' }, online: true, retries: 0, authFailures: 0, rotationRetries: 0, lastError: undefined, nextId: 1 });

/** The next machine and the effects to run, for one event. Events that do not apply to the current state change nothing. */
export function step(machine: Machine, event: ConnectionEvent, env: MachineEnv): Step {
  const effects: Effect[] = [];
  const next = reduce(machine, event, env, effects);
  return { machine: next, effects };
}

function reduce(m: Machine, event: ConnectionEvent, env: MachineEnv, effects: Effect[]): Machine {
  const phase = m.phase;

  // Valid in every running state.
  switch (event.type) {
    case 'stop':
      if (phase.state === 'idle' || phase.state === 'closed') return m;
      effects.push({ type: 'close', link: 'all', reason: 'client stopped' });
      return { ...m, phase: { state: 'closed' }, retries: 0, authFailures: 0, rotationRetries: 0, lastError: undefined };
    case 'offline':
      if (phase.state === 'reconnecting') return { ...m, online: false, phase: { state: 'offline' } };
      // A lost network often leaves the socket open with no close ever arriving: ping it now, so a
      // dead link ends within the ping timeout rather than at the next scheduled ping.
      if (phase.state === 'connected' && m.online) effects.push({ type: 'verify', link: phase.link });
      return { ...m, online: false };
    case 'online':
      if (phase.state === 'offline') return connect({ ...m, online: true, retries: 0 }, effects);
      // The connection may have died while offline: check it now rather than at the next ping.
      if (phase.state === 'connected' && !m.online) effects.push({ type: 'verify', link: phase.link });
      return { ...m, online: true };
    case 'opened':
      // A socket no state waits for (its attempt was abandoned) must not stay open.
      if (!awaits(phase, event.attempt)) return stale(m, event.attempt, effects);
      break;
    default:
      break;
  }

  switch (phase.state) {
    case 'idle':
    case 'closed':
    case 'failed':
      if (event.type !== 'start') return m;
      {
        const fresh: Machine = { ...m, online: event.online, retries: 0, authFailures: 0, rotationRetries: 0, lastError: undefined };
        return event.online ? connect(fresh, effects) : { ...fresh, phase: { state: 'offline' } };
      }

    case 'offline':
      return m;

    case 'reconnecting':
      if (event.type === 'retryDue') return connect(m, effects);
      if (event.type === 'reconnectNow') return connect({ ...m, retries: 0 }, effects);
      return m;

    case 'connecting': {
      const attempt = phase.attempt;
      switch (event.type) {
        case 'reconnectNow':
          return { ...m, retries: 0 };
        case 'tokenReady':
          if (event.attempt !== attempt.id) return m;
          effects.push({ type: 'openSocket', attempt: attempt.id, token: event.token });
          return { ...m, phase: { state: 'connecting', attempt: { id: attempt.id, token: event.token } } };
        case 'tokenFailed':
          if (event.attempt !== attempt.id) return m;
          effects.push({ type: 'report', error: event.error });
          return retry({ ...m, authFailures: 0 }, event.error, env, effects);
        case 'opened':
          effects.push({ type: 'activate', link: attempt.id, rotated: false, watchHealth: true });
          return { ...m, phase: { state: 'connected', link: attempt.id }, authFailures: 0, rotationRetries: 0, lastError: undefined };
        case 'attemptFailed':
          if (event.attempt !== attempt.id) return m;
          return handshakeFailed(m, attempt, event.outcome, env, effects);
        default:
          return m;
      }
    }

    case 'connected': {
      const { link, rotation } = phase;
      switch (event.type) {
        case 'lost':
          if (event.link !== link) return m;
          return linkGone({ ...m, lastError: event.error }, rotation, env, effects, false);
        case 'closing':
          if (event.link !== link) return m; // a draining link's farewell: its replacement is open already
          if (!event.signal.retry) return fail(m, serverFailure(event.signal), effects);
          effects.push({ type: 'close', link, reason: `server closing (${event.signal.reason})` });
          return linkGone({ ...m, lastError: new ImError('DISCONNECTED', `the server closed the connection (${event.signal.reason})`, { reason: event.signal.reason }) }, rotation, env, effects, true);
        case 'reconnectNow':
          effects.push({ type: 'close', link, reason: 'reconnect requested' });
          return linkGone({ ...m, retries: 0 }, rotation, env, effects, true);
        case 'healthy':
          return event.link === link ? { ...m, retries: 0 } : m;
        case 'rotateDue': {
          if (rotation) return m;
          const id = m.nextId;
          effects.push({ type: 'fetchToken', attempt: id });
          return { ...m, nextId: id + 1, phase: { state: 'connected', link, rotation: { id } } };
        }
        case 'tokenReady':
          if (event.attempt !== rotation?.id) return m;
          effects.push({ type: 'openSocket', attempt: rotation.id, token: event.token });
          return { ...m, phase: { state: 'connected', link, rotation: { id: rotation.id, token: event.token } } };
        case 'tokenFailed':
          if (event.attempt !== rotation?.id) return m;
          effects.push({ type: 'report', error: event.error });
          return rotationFailed(m, link, env, effects);
        case 'attemptFailed':
          if (event.attempt !== rotation?.id) return m;
          return rotationFailed(m, link, env, effects);
        case 'opened':
          if (!rotation) return m;
          // Make before break: the new link takes all new traffic, the old one drains.
          effects.push({ type: 'activate', link: rotation.id, rotated: true, watchHealth: false }, { type: 'drain', link });
          return { ...m, phase: { state: 'connected', link: rotation.id }, rotationRetries: 0 };
        default:
          return m;
      }
    }
  }
}

/** Whether the state waits for the socket of this attempt to open. */
function awaits(phase: Phase, attempt: number): boolean {
  if (phase.state === 'connecting') return phase.attempt.id === attempt;
  return phase.state === 'connected' && phase.rotation?.id === attempt;
}

/** A new connect attempt: ask the provider for a token first. */
function connect(m: Machine, effects: Effect[]): Machine {
  const id = m.nextId;
  effects.push({ type: 'fetchToken', attempt: id });
  return { ...m, nextId: id + 1, phase: { state: 'connecting', attempt: { id } } };
}

/** Waits out the backoff (or the network) before the next attempt. `immediate`: no wait if nothing failed since the last healthy connection. */
function retry(m: Machine, error: ImError | undefined, env: MachineEnv, effects: Effect[], immediate = false): Machine {
  const withError: Machine = error ? { ...m, lastError: error } : m;
  if (!m.online) return { ...withError, phase: { state: 'offline' } };
  if (immediate && m.retries === 0) return connect({ ...withError, retries: 1 }, effects);
  const delayMs = env.delay(m.retries);
  effects.push({ type: 'armRetry', delayMs });
  return { ...withError, retries: m.retries + 1, phase: { state: 'reconnecting', retry: m.retries + 1, delayMs } };
}

/** The active link is gone: a rotation in progress becomes the reconnect attempt, else retry. */
function linkGone(m: Machine, rotation: Attempt | undefined, env: MachineEnv, effects: Effect[], immediate: boolean): Machine {
  if (rotation) return { ...m, phase: { state: 'connecting', attempt: rotation } };
  return retry(m, undefined, env, effects, immediate);
}

function rotationFailed(m: Machine, link: number, env: MachineEnv, effects: Effect[]): Machine {
  // Keep the current connection and try again later; if it reaches its limit first, the server
  // closes it and the normal reconnect takes over.
  effects.push({ type: 'armRotation', delayMs: env.delay(m.rotationRetries) + env.baseDelayMs });
  return { ...m, rotationRetries: m.rotationRetries + 1, phase: { state: 'connected', link } };
}

/** A link opened that no state expects (an abandoned attempt): close it. */
function stale(m: Machine, attempt: number, effects: Effect[]): Machine {
  effects.push({ type: 'close', link: attempt, reason: 'stale connection' });
  return m;
}

function fail(m: Machine, failure: ConnectionFailure, effects: Effect[]): Machine {
  effects.push({ type: 'close', link: 'all', reason: `connection failed (${failure.reason})` });
  return { ...m, phase: { state: 'failed', failure }, lastError: failure.error, retries: 0, rotationRetries: 0 };
}

/**
 * A connect attempt ended before its socket opened. With a known HTTP status (401/403: the
 * credentials) the cause is clear. Without one (browsers, React Native: a close before open), the
 * token just used is the only clue: expired or malformed means the credentials; a plausible
 * token means a cause we cannot know (network, server, or a refusal we cannot see), which backs
 * off like any network failure.
 */
function handshakeFailed(m: Machine, attempt: Attempt, outcome: AttemptOutcome, env: MachineEnv, effects: Effect[]): Machine {
  const blame = credentialBlame(attempt.token, outcome, env.now());
  if (!blame) return retry({ ...m, authFailures: 0 }, outcome.error, env, effects);
  const authFailures = m.authFailures + 1;
  const error = new ImError(blame.code, blame.message, { reason: blame.reason, cause: outcome.error });
  effects.push({ type: 'report', error });
  if (authFailures >= env.maxAuthFailures) {
    const failure: ConnectionFailure = { source: 'handshake', reason: blame.reason, attempts: authFailures, error };
    if (outcome.status !== undefined) failure.status = outcome.status;
    return fail({ ...m, authFailures }, failure, effects);
  }
  return retry({ ...m, authFailures }, error, env, effects);
}

function credentialBlame(token: string | undefined, outcome: AttemptOutcome, nowMs: number): { code: 'UNAUTHORIZED' | 'FORBIDDEN'; reason: string; message: string } | undefined {
  if (outcome.status === 401 || outcome.status === 403) {
    return { code: outcome.status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', reason: 'handshakeRefused', message: `handshake refused with HTTP ${outcome.status}` };
  }
  // Another status (429, 5xx) or our own timeout: transient as far as the credentials go.
  if (outcome.status !== undefined || outcome.timedOut) return undefined;
  const verdict = inspectToken(token, nowMs);
  if (verdict === 'expired') return { code: 'UNAUTHORIZED', reason: 'tokenExpired', message: 'the connection failed and the token it used has expired' };
  if (verdict === 'malformed') return { code: 'UNAUTHORIZED', reason: 'tokenMalformed', message: 'the connection failed and the token it used is not a JWT' };
  return undefined;
}

function serverFailure(signal: ClosingSignal): ConnectionFailure {
  const code = signal.reason === 'tokenExpired' || signal.reason === 'revoked' ? 'UNAUTHORIZED' : 'FORBIDDEN';
  const error = new ImError(code, `the server closed the connection and asked not to reconnect (${signal.reason})`, { reason: signal.reason });
  return { source: 'server', reason: signal.reason, attempts: 1, error };
}
