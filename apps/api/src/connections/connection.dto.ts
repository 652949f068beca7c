import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ConnectionSummary } from '@corridor/persistence';
import { FieldMappingSettings, SyncRun } from '@corridor/domain';
import { RawJson } from '../validation/raw-json.decorator';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class RateLimitDto {
  @ApiPropertyOptional({ description: 'HubSpot requests per rolling 10 s (default 100; 0 = unlimited)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  burstPer10s?: number;

  @ApiPropertyOptional({ description: 'HubSpot search requests per second (default 5; 0 = unlimited)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  searchPerSecond?: number;

  @ApiPropertyOptional({ description: 'Salesforce: pause syncs when the org has less than (1 - dailyShare) of its daily API requests left (default 0.5)' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  dailyShare?: number;
}

export class WritebackFieldsDto {
  @ApiPropertyOptional({
    description: 'CRM field for the persona name. HubSpot: contact property (default corridor_persona); Salesforce: field API name on Contact and Lead (default Corridor_Persona__c). Must exist and be a writable text field (checked when set).',
    example: 'Persona__c',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, { message: 'persona must be a CRM field name (letters, digits, _)' })
  persona?: string;

  @ApiPropertyOptional({
    description: 'CRM field for the strategy summary (default corridor_strategy / Corridor_Strategy__c); null writes no strategy',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @ValidateIf((o: WritebackFieldsDto) => o.strategy !== null)
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, { message: 'strategy must be a CRM field name (letters, digits, _) or null' })
  strategy?: string | null;
}

export class WritebackDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: WritebackFieldsDto, description: 'Where write-back writes (per connection); checked against the CRM when set: 400 when a field is missing or read-only' })
  @IsOptional()
  @ValidateNested()
  @Type(() => WritebackFieldsDto)
  fields?: WritebackFieldsDto;

  @ApiPropertyOptional({ description: 'HubSpot: persona key → hs_persona option value', example: { champion: 'persona_1' } })
  @IsOptional()
  @IsObject()
  @RawJson()
  hsPersona?: Record<string, string>;
}

/** A CRM property change that raises a touchpoint event (README "Events in"). */
export class CrmPropertyTouchpointDto {
  @ApiProperty({ description: 'Corridor attribute (after the field mapping)', example: 'lifecycle_stage' })
  @IsString()
  @Length(1, 200)
  attribute: string;

  @ApiProperty({ description: 'The value that, newly taken by an existing customer, raises the event', example: 'customer' })
  @IsString()
  @Length(1, 1000)
  becomes: string;

  @ApiProperty({ description: 'Touchpoint key (a mapping to a touchpoint that does not exist raises nothing)', example: 'purchase_completed' })
  @IsString()
  @Length(1, 100)
  @Matches(/^[a-z0-9][a-z0-9_.-]*$/, { message: 'touchpoint must be a touchpoint key' })
  touchpoint: string;
}

export class ConnectionSettingsDto {
  @ApiPropertyOptional({ description: 'Seconds between scheduled syncs (default 300); the schedule also runs the first (full) sync at once. 0 = manual only: no sync runs by itself, not even the first (POST /v1/connections/:id/sync)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 3600)
  syncIntervalSeconds?: number;

  @ApiPropertyOptional({ description: 'HubSpot: stay this far behind "now" in search (index lag; default 15000)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  searchLagMs?: number;

  @ApiPropertyOptional({
    description: 'CRM field → attribute name or {attribute, type?, values?}; null removes a default. Salesforce keys may be qualified: "Contact:Region__c".',
    example: { loyalty_tier: 'loyalty_tier', 'Contact:Region__c': { attribute: 'region', type: 'string' } },
  })
  @IsOptional()
  @IsObject()
  @RawJson()
  fieldMapping?: FieldMappingSettings;

  @ApiPropertyOptional({ description: 'Map custom CRM properties automatically (default true)' })
  @IsOptional()
  @IsBoolean()
  autoMapCustomProperties?: boolean;

  @ApiPropertyOptional({ type: RateLimitDto })
  @IsOptional()
  @IsObject({ message: 'rateLimit must be an object' })
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto;

  @ApiPropertyOptional({ type: WritebackDto })
  @IsOptional()
  @IsObject({ message: 'writeback must be an object' })
  @ValidateNested()
  @Type(() => WritebackDto)
  writeback?: WritebackDto;

  @ApiPropertyOptional({ type: [CrmPropertyTouchpointDto], description: 'CRM property changes that raise touchpoint events, applied as sync and webhooks bring changes in' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CrmPropertyTouchpointDto)
  touchpoints?: CrmPropertyTouchpointDto[];
}

/** Credentials are write-only: answers say which fields are set, never their values. */
export class CreateConnectionDto {
  @ApiProperty({ enum: ['hubspot', 'salesforce'] })
  @IsIn(['hubspot', 'salesforce'])
  kind: 'hubspot' | 'salesforce';

  @ApiProperty({ example: 'HubSpot production' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({ description: 'HubSpot private-app token (required for hubspot)', writeOnly: true })
  @ValidateIf((o: CreateConnectionDto) => o.kind === 'hubspot' || o.accessToken !== undefined)
  @IsString()
  @Length(8, 500)
  accessToken?: string;

  @ApiPropertyOptional({ description: 'HubSpot API base URL (default https://api.hubapi.com)' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'basePath must be an http(s) URL' })
  basePath?: string;

  @ApiPropertyOptional({ description: "HubSpot app's client secret: verifies webhook signatures", writeOnly: true })
  @IsOptional()
  @IsString()
  @Length(8, 500)
  webhookClientSecret?: string;

  @ApiPropertyOptional({ description: 'Salesforce login URL (default https://login.salesforce.com)' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'loginUrl must be an http(s) URL' })
  loginUrl?: string;

  @ApiPropertyOptional({ description: 'Salesforce instance URL (client-credentials flow without instance_url)' })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'instanceUrl must be an http(s) URL' })
  instanceUrl?: string;

  @ApiPropertyOptional({ description: 'Salesforce connected-app consumer key (required for salesforce)' })
  @ValidateIf((o: CreateConnectionDto) => o.kind === 'salesforce' || o.clientId !== undefined)
  @IsString()
  @Length(1, 500)
  clientId?: string;

  @ApiPropertyOptional({ description: 'Salesforce consumer secret (required for salesforce)', writeOnly: true })
  @ValidateIf((o: CreateConnectionDto) => o.kind === 'salesforce' || o.clientSecret !== undefined)
  @IsString()
  @Length(1, 500)
  clientSecret?: string;

  @ApiPropertyOptional({ description: 'Salesforce username (username-password flow; omit both for client credentials)' })
  @ValidateIf((o: CreateConnectionDto) => o.password !== undefined || o.username !== undefined)
  @IsString()
  @Length(1, 200)
  username?: string;

  @ApiPropertyOptional({ description: 'Salesforce password + security token', writeOnly: true })
  @ValidateIf((o: CreateConnectionDto) => o.username !== undefined || o.password !== undefined)
  @IsString()
  @Length(1, 500)
  password?: string;

  @ApiPropertyOptional({ description: 'Shared secret of the Salesforce change relay (X-Corridor-Webhook-Secret)', writeOnly: true })
  @IsOptional()
  @IsString()
  @Length(8, 500)
  webhookSecret?: string;

  @ApiPropertyOptional({ type: ConnectionSettingsDto })
  @IsOptional()
  // An array passes @ValidateNested (each element, none here) and would replace the settings with [].
  @IsObject({ message: 'settings must be an object' })
  @ValidateNested()
  @Type(() => ConnectionSettingsDto)
  settings?: ConnectionSettingsDto;
}

export class UpdateConnectionDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptionalNotNull()
  @IsString()
  @Length(8, 500)
  accessToken?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsUrl(URL_OPTIONS, { message: 'basePath must be an http(s) URL' })
  basePath?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptionalNotNull()
  @IsString()
  @Length(8, 500)
  webhookClientSecret?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsUrl(URL_OPTIONS, { message: 'loginUrl must be an http(s) URL' })
  loginUrl?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsUrl(URL_OPTIONS, { message: 'instanceUrl must be an http(s) URL' })
  instanceUrl?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 500)
  clientId?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 500)
  clientSecret?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 200)
  username?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 500)
  password?: string;

  @ApiPropertyOptional({ writeOnly: true })
  @IsOptionalNotNull()
  @IsString()
  @Length(8, 500)
  webhookSecret?: string;

  @ApiPropertyOptional({ type: ConnectionSettingsDto, description: 'Merged into the current settings (top-level keys replace)' })
  @IsOptionalNotNull()
  @IsObject({ message: 'settings must be an object' })
  @ValidateNested()
  @Type(() => ConnectionSettingsDto)
  settings?: ConnectionSettingsDto;
}

export class StartSyncDto {
  @ApiPropertyOptional({ enum: ['full', 'incremental'], default: 'incremental' })
  @IsOptional()
  @IsIn(['full', 'incremental'])
  mode?: 'full' | 'incremental';
}

export class IdParams {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @MaxLength(64)
  id: string;
}

export class ConnectionCheckDto {
  @ApiProperty({ example: 'writeback_fields', description: 'auth | read_scope | instance | writeback_fields | properties_scope | schedule | task_key_field (Salesforce: a `warning` when Task.Corridor_Delivery_Id__c is missing, so CRM tasks are not exactly once)' }) check: string;
  @ApiProperty({ enum: ['ok', 'failed', 'warning'] }) status: string;
  @ApiPropertyOptional({ example: 'CRM_WRITEBACK_FIELD_MISSING' }) code?: string;
  @ApiProperty({ example: 'Salesforce field Contact.Corridor_Persona__c (persona) does not exist' }) message: string;
}

export class ConnectionTestResultDto {
  @ApiProperty({ description: 'Every check passed' }) ok: boolean;
  @ApiProperty({ type: [ConnectionCheckDto] }) checks: ConnectionCheckDto[];
}

export class WritebackFieldsStatusDto {
  @ApiProperty({ example: 'corridor_persona' }) persona: string;
  @ApiProperty({ nullable: true, type: String, example: 'corridor_strategy' }) strategy: string | null;
  @ApiPropertyOptional({ example: 'hs_persona', description: 'HubSpot, when writeback.hsPersona maps personas' }) hsPersona?: string;
}

export class WritebackErrorDto {
  @ApiProperty({ example: 'CRM_WRITEBACK_FIELD_MISSING' }) code: string;
  @ApiProperty({ description: 'In plain words' }) message: string;
  @ApiProperty() at: string;
}

export class WritebackBlockDto {
  @ApiProperty({ example: 'CRM_WRITEBACK_FIELD_MISSING' }) code: string;
  @ApiProperty({ description: 'Why write-back is paused, in plain words, and what resumes it' }) reason: string;
  @ApiProperty() since: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When Corridor checks the CRM again (it also does when the settings change)' }) recheckAt: string | null;
}

export class WritebackStatusDto {
  @ApiProperty() enabled: boolean;
  @ApiProperty({ enum: ['active', 'blocked', 'disabled'], description: 'blocked: the target fields cannot be written; persona changes wait (nothing is lost)' }) state: string;
  @ApiProperty({ type: WritebackFieldsStatusDto }) fields: WritebackFieldsStatusDto;
  @ApiProperty({ description: 'Records written since the connection was added' }) written: number;
  @ApiProperty({ description: 'Not written: deleted, merged or converted records, and records that already carried the values' }) skipped: number;
  @ApiProperty({ description: 'Refused by the CRM' }) failed: number;
  @ApiPropertyOptional({ nullable: true, type: String }) lastRunAt: string | null;
  @ApiPropertyOptional({ nullable: true, type: WritebackErrorDto, description: 'The last permanent error, in plain words' }) lastError: WritebackErrorDto | null;
  @ApiPropertyOptional({ nullable: true, type: WritebackBlockDto }) blocked: WritebackBlockDto | null;
}

export class SyncRunDto {
  @ApiProperty() id: string;
  @ApiProperty() connectionId: string;
  @ApiProperty({ enum: ['full', 'incremental'] }) mode: string;
  @ApiProperty({ enum: ['manual', 'schedule', 'first'] }) trigger: string;
  @ApiProperty({ enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] }) status: string;
  @ApiProperty() pages: number;
  @ApiProperty() records: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deleted: number;
  @ApiProperty() merged: number;
  @ApiProperty({ description: 'CRM requests made' }) requests: number;
  @ApiProperty({ description: '429 answers seen' }) rateLimited: number;
  @ApiProperty() retries: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) totalHint: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'When the CRM told the total' }) percent: number | null;
  @ApiPropertyOptional({ nullable: true, type: String }) error: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Window read: records modified after this time (null: all records, a full sync)' }) windowFrom: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Window read: the cut-off, records modified up to this time (set once the run starts reading)' }) windowTo: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When a cancel was asked; the run ends `cancelled` at its next page' }) cancelRequestedAt: string | null;
  @ApiProperty() startedAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) finishedAt: string | null;

  static of(r: SyncRun): SyncRunDto {
    return {
      id: r.id,
      connectionId: r.connectionId,
      mode: r.mode,
      trigger: r.trigger,
      status: r.status,
      pages: r.pages,
      records: r.records,
      created: r.created,
      updated: r.updated,
      unchanged: r.unchanged,
      deleted: r.deleted,
      merged: r.merged,
      requests: r.requests,
      rateLimited: r.rateLimited,
      retries: r.retries,
      totalHint: r.totalHint,
      percent: r.percent,
      error: r.error,
      windowFrom: r.windowFrom?.toISOString() ?? null,
      windowTo: r.windowTo?.toISOString() ?? null,
      cancelRequestedAt: r.cancelRequestedAt?.toISOString() ?? null,
      startedAt: r.startedAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      finishedAt: r.finishedAt?.toISOString() ?? null,
    };
  }
}

export class SyncRunListDto {
  @ApiProperty({ type: [SyncRunDto], description: 'Newest first' }) items: SyncRunDto[];
}

export class ConnectionSyncStatusDto {
  @ApiProperty({ enum: ['interval', 'manual'], description: 'manual: syncIntervalSeconds is 0, no sync runs by itself (not even the first)' }) schedule: string;
  @ApiProperty({ example: 300 }) intervalSeconds: number;
  @ApiPropertyOptional({ nullable: true, type: SyncRunDto, description: 'The latest finished run (completed, failed or cancelled)' }) lastSync: SyncRunDto | null;
  @ApiPropertyOptional({ nullable: true, type: SyncRunDto, description: 'The queued or running run' }) currentRun: SyncRunDto | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'When the scheduler starts the next sync (null: manual only, or the queue is unreachable)' }) nextSyncAt: string | null;
}

export class RunParams {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @MaxLength(64)
  id: string;

  @ApiProperty({ format: 'uuid' })
  @IsString()
  @MaxLength(64)
  runId: string;
}

export class ConnectionDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['hubspot', 'salesforce'] }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Non-secret settings' }) settings: Record<string, unknown>;
  @ApiProperty({ description: 'Which credential fields are set (values are never returned)', example: { accessToken: true } })
  credentialsSet: Record<string, boolean>;
  @ApiPropertyOptional({ description: 'Where to point the CRM webhook (needs PUBLIC_URL)' }) webhookUrl: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({ type: ConnectionSyncStatusDto }) sync?: ConnectionSyncStatusDto;
  @ApiPropertyOptional({ type: WritebackStatusDto }) writeback?: WritebackStatusDto;
  @ApiPropertyOptional({
    type: [ConnectionCheckDto],
    description: 'On create: what the connection test found wrong (the connection is created anyway), and a manual-only schedule',
  })
  warnings?: ConnectionCheckDto[];

  static of(c: ConnectionSummary, publicUrl: string | undefined): ConnectionDto {
    return {
      id: c.id,
      kind: c.kind,
      name: c.name,
      settings: c.settings as Record<string, unknown>,
      credentialsSet: c.credentialsSet,
      webhookUrl: publicUrl ? `${publicUrl.replace(/\/+$/, '')}/v1/webhooks/${c.kind}/${c.id}` : null,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}

/** GET /v1/connections answers `{items}` (the document said a bare array: the generated console client caught it). */
export class ConnectionListDto {
  @ApiProperty({ type: [ConnectionDto] }) items: ConnectionDto[];
}
