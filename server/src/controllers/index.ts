import { AlertController } from './alert.controller.js';
import { AdminDeviceController } from './admin-device.controller.js';
import { AdminPatientController } from './admin-patient.controller.js';
import { AdminTeamController } from './admin-team.controller.js';
import { AdminUserController } from './admin-user.controller.js';
import { AuditController } from './audit.controller.js';
import { AuthController } from './auth.controller.js';
import { FhirController } from './fhir.controller.js';
import { HistoryController } from './history.controller.js';
import { PatientController } from './patient.controller.js';
import { PushController } from './push.controller.js';

/** Sign-in, patient data and administration (docs/security.md). */
export const SECURITY_CONTROLLERS = [
  AuthController,
  PatientController,
  HistoryController,
  FhirController,
  AdminTeamController,
  AdminUserController,
  AdminPatientController,
  AdminDeviceController,
  AuditController,
  AlertController,
  PushController,
];
