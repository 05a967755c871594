/**
 * Runs `python -m vlm_loop_trainer train --spec SPEC` as a child process and reads its JSON-lines
 * protocol: every stdout line is validated against schema/train-progress.schema.json and handed over
 * in order; stderr is the trainer's log.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import {
  type DoneEvent,
  type ErrorEvent,
  type ProgressEvent,
  parseProgressLine,
  TrainerContractError,
} from './trainer-schemas.ts';

/**
 * Started through this bootstrap instead of `-m` directly: on Linux the kernel kills the trainer when
 * the worker dies (PR_SET_PDEATHSIG), even by SIGKILL, so a resumed job never has a stray twin
 * writing checkpoints into the same folder.
 */
const BOOTSTRAP = `
import ctypes, os, runpy, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
except Exception:
    pass
if os.getppid() != int(os.environ.get("VLM_LOOP_PARENT_PID", os.getppid())):
    sys.exit(70)
sys.argv[0] = "vlm_loop_trainer"
runpy.run_module("vlm_loop_trainer", run_name="__main__", alter_sys=True)
`;

export interface TrainerRunOptions {
  python: string;
  specPath: string;
  cwd: string;
  env: Record<string, string>;
  /** Called in order, one event at a time; the next waits for the previous promise. */
  onEvent: (event: ProgressEvent) => void | Promise<void>;
  onLog?: (line: string) => void;
  /** After a graceful stop (SIGTERM: the trainer checkpoints and exits), SIGKILL follows this late. */
  killAfterMs?: number;
}

export interface TrainerResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  done?: DoneEvent;
  error?: ErrorEvent;
  /** The trainer broke the protocol (or onEvent threw); the process was killed. */
  failure?: string;
  stderrTail: string;
}

export interface TrainerProcess {
  pid: number;
  result: Promise<TrainerResult>;
  /** graceful: SIGTERM, so the trainer writes a checkpoint first; kill: SIGKILL now. */
  stop(how: 'graceful' | 'kill'): void;
}

export function startTrainer(options: TrainerRunOptions): TrainerProcess {
  const child = spawn(options.python, ['-c', BOOTSTRAP, 'train', '--spec', options.specPath], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PYTHONUNBUFFERED: '1', VLM_LOOP_PARENT_PID: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl+C on the terminal reaches the worker, which stops the trainer itself.
    detached: true,
  });
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (how: 'graceful' | 'kill') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (how === 'kill') return void child.kill('SIGKILL');
    // Once: a second SIGTERM makes the trainer stop at once, without its checkpoint.
    if (killTimer) return;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    killTimer.unref();
  };
  const result = collect(child, options, stop).finally(() => clearTimeout(killTimer));
  return { pid: child.pid ?? -1, result, stop };
}

async function collect(
  child: ChildProcess,
  options: TrainerRunOptions,
  stop: (how: 'graceful' | 'kill') => void,
): Promise<TrainerResult> {
  const out: Omit<TrainerResult, 'exitCode' | 'signal'> = { stderrTail: '' };
  const tail: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    options.onLog?.(line);
  });
  let chain = Promise.resolve();
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.trim() || out.failure) return;
    chain = chain
      .then(() => handleLine(line, options, out))
      .catch((err) => {
        out.failure ??= err instanceof TrainerContractError ? err.message : `progress handler failed: ${err}`;
        stop('kill');
      });
  });
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('error', (err) => {
      out.failure ??= `cannot start ${options.python}: ${err.message}`;
      resolve([null, null]);
    });
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  await chain;
  return { ...out, exitCode, signal, stderrTail: tail.join('\n') };
}

async function handleLine(
  line: string,
  options: TrainerRunOptions,
  out: Omit<TrainerResult, 'exitCode' | 'signal'>,
): Promise<void> {
  const event = parseProgressLine(line);
  if (event.type === 'done') out.done = event;
  if (event.type === 'error') out.error = event;
  await options.onEvent(event);
}
