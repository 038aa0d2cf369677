import {
  type AdminPatient,
  type AuditEntry,
  type AuditFilters,
  type AuditQuery,
  auditQuery,
  nextBeforeId,
  type Team,
  type UserAccount,
} from '../domain/admin.js';
import type { Result } from '../services/admin.service.js';

/**
 * What every admin screen names things by: the accounts, teams and patients (the user list shows
 * team names, the audit log user and patient names). Loaded when an admin screen opens and again
 * after each change; each list keeps its last good value when a reload fails.
 */
export class AdminDirectory {
  users = $state<UserAccount[] | undefined>();
  teams = $state<Team[] | undefined>();
  patients = $state<AdminPatient[] | undefined>();
  error = $state<string | undefined>();

  constructor(
    private readonly load: {
      users(): Promise<Result<UserAccount[]>>;
      teams(): Promise<Result<Team[]>>;
      patients(): Promise<Result<AdminPatient[]>>;
    },
  ) {}

  async refresh(): Promise<void> {
    const [users, teams, patients] = await Promise.all([this.load.users(), this.load.teams(), this.load.patients()]);
    if (users.data) this.users = users.data;
    if (teams.data) this.teams = teams.data;
    if (patients.data) this.patients = patients.data;
    this.error = (users.error ?? teams.error ?? patients.error)?.message;
  }

  teamName = (id: string): string => this.teams?.find((team) => team.id === id)?.name ?? id;
  userName = (id: string): string | undefined => this.users?.find((user) => user.id === id)?.name;
  patientName = (id: string): string | undefined => this.patients?.find((patient) => patient.id === id)?.name;
}

/**
 * The audit log search: one page of entries at a time, newest first as the server sends them;
 * `more()` appends the next older page. A search started while another is under way wins: the
 * older answer is dropped.
 */
export class AuditSearch {
  entries = $state<AuditEntry[]>([]);
  searched = $state(false);
  loading = $state(false);
  error = $state<string | undefined>();
  #next = $state<number | undefined>();
  #filters: AuditFilters | undefined;
  #generation = 0;

  constructor(
    private readonly fetchPage: (query: AuditQuery) => Promise<Result<{ entries: AuditEntry[] }>>,
    readonly pageSize = 50,
  ) {}

  get hasMore(): boolean {
    return this.#next !== undefined;
  }

  search(filters: AuditFilters): Promise<void> {
    this.#filters = { ...filters };
    return this.#page(undefined);
  }

  more(): Promise<void> {
    return this.#next === undefined || !this.#filters ? Promise.resolve() : this.#page(this.#next);
  }

  async #page(beforeId: number | undefined): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    const answer = await this.fetchPage(auditQuery(this.#filters!, this.pageSize, beforeId));
    if (generation !== this.#generation) return;
    this.loading = false;
    if (answer.error) {
      this.error = answer.error.message;
      return;
    }
    const page = answer.data.entries;
    this.entries = beforeId === undefined ? page : [...this.entries, ...page];
    this.#next = nextBeforeId(page, this.pageSize);
    this.searched = true;
    this.error = undefined;
  }
}
