import { Controller, Delete, Get, HttpCode, Patch, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import {
  type AlertSettingsBody,
  alertListSchema,
  alertStatsSchema,
  news2SeriesSchema,
  type RangeQuery,
  rangeQuery,
  alertSettingsBody,
  alertSettingsSchema,
  type AlertsQuery,
  alertsQuery,
  type CommentBody,
  commentBody,
  commentListSchema,
  commentSchema,
  type PassiveBody,
  passiveBody,
  type ResolveBody,
  resolveBody,
  type RosterBody,
  rosterBody,
  rosterSchema,
  type ThresholdBody,
  thresholdBody,
  thresholdListSchema,
  thresholdSchema,
  webhookBody,
  webhookCreatedSchema,
} from '../dtos/alert.dto.js';
import { uuid } from '../dtos/common.dto.js';
import { METRIC_CODES } from '../domain/metric-catalogue.js';
import { alertWire } from '../dtos/live.dto.js';
import { Authenticated, CurrentActor } from '../middleware/auth.guard.js';
import { ZodBody, ZodParam, ZodQuery, ZodResponse } from '../middleware/zod.js';
import { AlertConfigService } from '../services/alert-config.service.js';
import { AlertStatsService } from '../services/alert-stats.service.js';
import { AlertService } from '../services/alert.service.js';

const metricParam = z.enum(METRIC_CODES as [string, ...string[]], { error: `expected one of ${METRIC_CODES.join(', ')}` });
const NOT_FOUND = { status: 404, description: 'No such alert among the caller’s teams (whether or not it exists)' };
const passiveSchema = z.object({ id: z.string(), patientId: z.string(), startsAt: z.date(), endsAt: z.date().nullable(), reason: z.string() });

@ApiTags('alerts')
@Controller('api')
@Authenticated()
// Parameter decorators apply last to first: a parameter declared later is validated earlier. Team
// and patient ids come last (a bad id is named even when the body is bad too); on an alert's
// routes the body comes last, so a bad note or comment is named whatever the id.
export class AlertController {
  constructor(
    private readonly alerts: AlertService,
    private readonly config: AlertConfigService,
    private readonly stats: AlertStatsService,
  ) {}

  @Get('alerts')
  @ApiOperation({ summary: 'The inbox: alerts of the caller’s patients, newest first (persisted, so nothing is missed while offline)' })
  @ZodResponse(alertListSchema, { description: 'Alerts in the contract’s shape' })
  list(@CurrentActor() actor: Actor, @ZodQuery(alertsQuery) query: AlertsQuery) {
    return this.alerts.list(actor, query);
  }

  @Get('alerts/:id')
  @ApiOperation({ summary: 'One alert' })
  @ZodResponse(alertWire, { description: 'The alert' })
  @ApiResponse(NOT_FOUND)
  get(@CurrentActor() actor: Actor, @ZodParam('id', uuid('alert')) id: string) {
    return this.alerts.get(actor, id);
  }

  @Post('alerts/:id/acknowledge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledges an open alert (who and when recorded); stops its escalation. Idempotent.' })
  @ZodResponse(alertWire, { description: 'The alert' })
  @ApiResponse(NOT_FOUND)
  acknowledge(@CurrentActor() actor: Actor, @ZodParam('id', uuid('alert')) id: string) {
    return this.alerts.acknowledge(actor, id);
  }

  @Post('alerts/:id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolves an alert with an optional note (who and when recorded). Idempotent.' })
  @ZodResponse(alertWire, { description: 'The alert' })
  @ApiResponse(NOT_FOUND)
  resolve(@CurrentActor() actor: Actor, @ZodParam('id', uuid('alert')) id: string, @ZodBody(resolveBody) body: ResolveBody) {
    return this.alerts.resolve(actor, id, body.note);
  }

  @Get('alerts/:id/comments')
  @ApiOperation({ summary: 'Comments on an alert, oldest first' })
  @ZodResponse(commentListSchema, { description: 'Comments' })
  @ApiResponse(NOT_FOUND)
  comments(@CurrentActor() actor: Actor, @ZodParam('id', uuid('alert')) id: string) {
    return this.alerts.comments(actor, id);
  }

  @Post('alerts/:id/comments')
  @ApiOperation({ summary: 'Adds a comment to an alert' })
  @ZodResponse(commentSchema, { status: 201, description: 'The comment' })
  @ApiResponse(NOT_FOUND)
  comment(@CurrentActor() actor: Actor, @ZodParam('id', uuid('alert')) id: string, @ZodBody(commentBody) body: CommentBody) {
    return this.alerts.comment(actor, id, body.body);
  }

  @Get('patients/:id/alerts')
  @ApiOperation({ summary: 'A patient’s alert history, newest first' })
  @ZodResponse(alertListSchema, { description: 'Alerts' })
  history(
    @CurrentActor() actor: Actor,
    @ZodQuery(alertsQuery.omit({ patientId: true })) query: Omit<AlertsQuery, 'patientId'>,
    @ZodParam('id', uuid('patient')) id: string,
  ) {
    return this.alerts.list(actor, { ...query, patientId: id });
  }

  @Get('patients/:id/news2')
  @ApiOperation({ summary: 'NEWS2 over time: the score after each new parameter value, from the fresh latest values (stale = missing)' })
  @ZodResponse(news2SeriesSchema, { description: 'Points where the score, risk or missing parameters changed' })
  news2(@CurrentActor() actor: Actor, @ZodQuery(rangeQuery) query: RangeQuery, @ZodParam('id', uuid('patient')) id: string) {
    return this.stats.news2(actor, id, query);
  }

  @Get('teams/:id/alert-stats')
  @ApiOperation({
    summary: 'Alarm-fatigue figures: alerts per patient-day by kind and priority, share acknowledged, time to acknowledge, escalations, flapping',
  })
  @ZodResponse(alertStatsSchema, { description: 'Over alerts opened in [from, to)' })
  alertStats(@CurrentActor() actor: Actor, @ZodQuery(rangeQuery) query: RangeQuery, @ZodParam('id', uuid('team')) id: string) {
    return this.stats.teamStats(actor, id, query);
  }

  @Get('patients/:id/thresholds')
  @ApiOperation({ summary: 'The patient’s own thresholds (team defaults apply to metrics without one)' })
  @ZodResponse(thresholdListSchema, { description: 'By metric' })
  patientThresholds(@CurrentActor() actor: Actor, @ZodParam('id', uuid('patient')) id: string) {
    return this.config.listThresholds(actor, { patientId: id });
  }

  @Put('patients/:id/thresholds')
  @ApiOperation({ summary: 'Sets the patient’s threshold for one metric (clinician; red outside yellow, low below high; audited)' })
  @ZodResponse(thresholdSchema, { description: 'The threshold' })
  setPatientThreshold(@CurrentActor() actor: Actor, @ZodBody(thresholdBody) body: ThresholdBody, @ZodParam('id', uuid('patient')) id: string) {
    return this.config.setPatientThreshold(actor, id, body);
  }

  @Delete('patients/:id/thresholds/:metric')
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes the patient’s own threshold for one metric: the team default applies again (clinician; audited)' })
  @ApiResponse({ status: 404, description: 'No such threshold, or the patient is not among the caller’s teams' })
  removePatientThreshold(@CurrentActor() actor: Actor, @ZodParam('metric', metricParam) metric: string, @ZodParam('id', uuid('patient')) id: string) {
    return this.config.removeThreshold(actor, { patientId: id }, metric);
  }

  @Get('teams/:id/thresholds')
  @ApiOperation({ summary: 'The team’s default thresholds' })
  @ZodResponse(thresholdListSchema, { description: 'By metric' })
  teamThresholds(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string) {
    return this.config.listThresholds(actor, { teamId: id });
  }

  @Put('teams/:id/thresholds')
  @ApiOperation({ summary: 'Sets the team’s default threshold for one metric (clinician; audited)' })
  @ZodResponse(thresholdSchema, { description: 'The threshold' })
  setTeamThreshold(@CurrentActor() actor: Actor, @ZodBody(thresholdBody) body: ThresholdBody, @ZodParam('id', uuid('team')) id: string) {
    return this.config.setTeamThreshold(actor, id, body);
  }

  @Delete('teams/:id/thresholds/:metric')
  @HttpCode(204)
  @ApiOperation({ summary: 'Removes the team’s default threshold for one metric (clinician; audited)' })
  @ApiResponse({ status: 404, description: 'No such threshold, or the team is not the caller’s' })
  removeTeamThreshold(@CurrentActor() actor: Actor, @ZodParam('metric', metricParam) metric: string, @ZodParam('id', uuid('team')) id: string) {
    return this.config.removeThreshold(actor, { teamId: id }, metric);
  }

  @Get('teams/:id/roster')
  @ApiOperation({ summary: 'The team’s duty roster: who is on duty when, on the team’s clock (members of the team, admins)' })
  @ZodResponse(rosterSchema, { description: 'Entries by weekday and start' })
  @ApiResponse({ status: 404, description: 'The team is not the caller’s' })
  roster(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string) {
    return this.config.getRoster(actor, id);
  }

  @Put('teams/:id/roster')
  @ApiOperation({
    summary:
      'Replaces the team’s duty roster (clinicians of the team, admins; audited): an escalation level reaches its role’s members on duty, everyone when empty',
  })
  @ZodResponse(rosterSchema, { description: 'The roster now' })
  @ApiResponse({ status: 404, description: 'The team is not the caller’s' })
  replaceRoster(@CurrentActor() actor: Actor, @ZodBody(rosterBody) body: RosterBody, @ZodParam('id', uuid('team')) id: string) {
    return this.config.replaceRoster(actor, id, body);
  }

  @Get('teams/:id/alert-settings')
  @ApiOperation({ summary: 'The team’s night hours, graces, re-alert time and escalation chain (members of the team, admins)' })
  @ZodResponse(alertSettingsSchema, { description: 'Settings' })
  settings(@CurrentActor() actor: Actor, @ZodParam('id', uuid('team')) id: string) {
    return this.config.getSettings(actor, id);
  }

  @Patch('teams/:id/alert-settings')
  @ApiOperation({ summary: 'Changes the team’s alert settings (clinician; admins only the escalation chain and its repeats; audited)' })
  @ZodResponse(alertSettingsSchema, { description: 'Settings' })
  updateSettings(@CurrentActor() actor: Actor, @ZodBody(alertSettingsBody) body: AlertSettingsBody, @ZodParam('id', uuid('team')) id: string) {
    return this.config.updateSettings(actor, id, body);
  }

  @Post('teams/:id/webhooks')
  @ApiOperation({ summary: 'Adds a team webhook; its signing secret is shown once' })
  @ZodResponse(webhookCreatedSchema, { status: 201, description: 'Created' })
  addWebhook(@CurrentActor() actor: Actor, @ZodBody(webhookBody) body: { url: string }, @ZodParam('id', uuid('team')) id: string) {
    return this.config.addWebhook(actor, id, body.url);
  }

  @Post('patients/:id/passive')
  @ApiOperation({ summary: 'Starts a passive interval (hospital stay, sensor change): the patient’s alerts are suppressed meanwhile (audited)' })
  @ZodResponse(passiveSchema, { status: 201, description: 'The interval' })
  addPassive(@CurrentActor() actor: Actor, @ZodBody(passiveBody) body: PassiveBody, @ZodParam('id', uuid('patient')) id: string) {
    return this.config.addPassive(actor, id, body);
  }

  @Post('patients/:id/passive/:intervalId/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ends a passive interval now' })
  @ZodResponse(passiveSchema, { description: 'The interval' })
  endPassive(@CurrentActor() actor: Actor, @ZodParam('intervalId', uuid('passive interval')) intervalId: string, @ZodParam('id', uuid('patient')) id: string) {
    return this.config.endPassive(actor, id, intervalId);
  }
}
