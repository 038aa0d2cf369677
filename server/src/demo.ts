import path from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from './config/app.config.js';
import { type DemoReplay, demoReplay } from './domain/demo-ward.js';
import { startDemoSimulators } from './embedded/demo-simulators.js';
import { SeedService } from './services/seed.service.js';

/** About 20 homes: a ward a newcomer can take in, with every scenario in it. */
export const DEMO_PATIENTS = 20;

export interface RunningDemo {
  patients: number;
  seeded: boolean;
  /** The demo clinician a newcomer signs in as. */
  clinician?: { email: string; password: string };
  /** The demo care-staff user whose inbox the demo's alerts reach. */
  careStaff?: { email: string; password: string };
  /** The opening replay that raises the demo's alerts within two minutes (none at VIGIL_DEMO_SPEED=1). */
  replay?: DemoReplay;
  demoFile: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * The demo of `npm start` (VIGIL_DEMO, on by default with the embedded database): the demo
 * ward, seeded on a new database or reused from DATA_DIR/demo.json, and its simulated homes
 * as a child process. A demo that cannot start is logged and skipped: it never stops Vigil.
 */
export async function startDemo(app: INestApplicationContext, config: AppConfig, logger: Logger, brokerUrl: string): Promise<RunningDemo | undefined> {
  try {
    const found = await app.get(SeedService).demoForStart(DEMO_PATIENTS);
    if (!found) {
      logger.info('demo: not seeded, the database already has teams (delete nothing; VIGIL_DEMO=off silences this)');
      return undefined;
    }
    let stopping = false;
    const logFile = path.join(config.dataDir, 'demo-simulators.log');
    const replay = demoReplay(config.demoSpeed);
    const simulators = startDemoSimulators({
      demoFile: found.file,
      brokerUrl,
      logFile,
      replay,
      onExit: (code, signal) => {
        if (!stopping) logger.warn({ code, signal, logFile }, 'demo: the simulated homes stopped unexpectedly');
      },
    });
    logger.info(
      { patients: found.ward.patients.length, seeded: found.seeded, pid: simulators.pid, logFile, replay },
      `demo: ${found.ward.patients.length} simulated homes running`,
    );
    const credentials = (role: string) => {
      const user = found.ward.users.find((u) => u.role === role);
      return user && { email: user.email, password: user.password };
    };
    return {
      patients: found.ward.patients.length,
      seeded: found.seeded,
      clinician: credentials('clinician'),
      careStaff: credentials('care_staff'),
      replay,
      demoFile: found.file,
      logFile,
      stop: () => {
        stopping = true;
        return simulators.stop();
      },
    };
  } catch (error) {
    logger.warn({ err: error }, `demo: not started: ${(error as Error).message}`);
    return undefined;
  }
}
