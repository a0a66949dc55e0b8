/**
 * @module Bench-only preload for the engine process (`node --import tsx --import ./bench/engine-probe.ts
 * src/main.ts`): reports the engine's event-loop delay, CPU and memory over the IPC channel the benchmark
 * opened. The product itself carries no benchmark code; without an IPC channel this module does nothing.
 */
import { serveControl } from './ipc.js';

serveControl();
