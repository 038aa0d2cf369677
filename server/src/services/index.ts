import { AdminService } from './admin.service.js';
import { HistoryService } from './history.service.js';
import { MigrationService } from './migration.service.js';
import { OperatorService } from './operator.service.js';
import { RetentionService } from './retention.service.js';
import { SeedService } from './seed.service.js';
import { StatusService } from './status.service.js';

/** Services that need only the database (the CLI and the server both use them). */
export const CORE_SERVICES = [AdminService, HistoryService, MigrationService, OperatorService, RetentionService, SeedService, StatusService];
